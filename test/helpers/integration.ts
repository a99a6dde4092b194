// Shared by the provider tests in test/integrations: each test starts its own loopback fakes, so nothing one test
// scripts into a fake can leak into the next.
import { afterEach } from 'vitest';
import type { ClassifiedFailure, PlatformName, PlatformSettings, ProviderOptions } from '../../src/integrations/types.js';
import { createOutboundPolicy } from '../../src/security/outbound/policy.js';
import { startMediaHost, type MediaHost } from '../fakes/httpFake.js';

export interface Stoppable {
  stop(): Promise<void>;
}

export type StopAfterEach = <T extends Stoppable>(thing: T) => T;

/** Call once at a test file's top level, so that the afterEach covers every test in the file. */
export function useStoppers(): StopAfterEach {
  const stoppers: Stoppable[] = [];
  afterEach(async () => {
    for (const thing of stoppers.splice(0)) await thing.stop();
  });
  return (thing) => {
    stoppers.push(thing);
    return thing;
  };
}

export async function trackedMediaHost(stopAfterEach: StopAfterEach): Promise<MediaHost> {
  return stopAfterEach(await startMediaHost());
}

/** Tests inspect the error itself (its class, classification, fields), which expect().rejects makes awkward. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

/** How the provider classifies the failure the promise rejects with (throws when it does not reject). */
export async function classifiedFailureOf(provider: { classifyFailure(error: unknown): ClassifiedFailure }, promise: Promise<unknown>): Promise<ClassifiedFailure> {
  return provider.classifyFailure(await rejection(promise));
}

/** The fakes, media hosts and receivers of these tests listen on loopback, which the real policy refuses. */
export const LOOPBACK_ALLOWED = createOutboundPolicy({ allow: ['127.0.0.1/32', '::1', 'localhost'], exempt: [] });

/** Provider options pointing the given platforms at their fakes (Telegram's URL is required and unused elsewhere). */
export function providerOptions(platforms: Partial<Record<PlatformName, PlatformSettings>> = {}, requestTimeoutMs = 2000): ProviderOptions {
  return { requestTimeoutMs, telegramApiUrl: 'http://127.0.0.1:1', platforms, outbound: LOOPBACK_ALLOWED };
}
