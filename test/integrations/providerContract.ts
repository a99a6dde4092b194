// The behaviour every provider owes the publish pipeline, run against each network's loopback fake: success, a
// refused post, an expired token renewed (or not), a refused renewal, a 429 with its reset time, a 5xx retried,
// and an answer lost after the post was made (never published twice). A provider's own quirks are tested in its
// own file; this suite keeps them all honest about the shared contract.
import { afterEach, describe, expect, it } from 'vitest';
import { CONTENT_RULES } from '../../src/integrations/contentRules.js';
import type { PlatformName, Provider, PublishRequest, PublishResult } from '../../src/integrations/types.js';
import { classifiedFailureOf } from '../helpers/integration.js';
import { progressStore, publishRequest, type ProgressStore } from '../helpers/publishRequest.js';

/** The control surface every network fake offers the contract suite. */
export interface ContractFake {
  url: string;
  stop(): Promise<void>;
  /** The texts of the posts that exist on the platform now, in creation order. */
  createdTexts(): string[];
  /** The platform's own message in the answer failNextPublish('validation') gives. */
  readonly validationMessage: string;
  /**
   * The next call that creates the post answers the way the platform does for: a refused post (validation), an
   * outage (server_error), or a rate limit that resets in `resetInSeconds` (rate_limited, with the platform's headers).
   */
  failNextPublish(kind: 'validation' | 'server_error' | 'rate_limited', options?: { resetInSeconds?: number }): void;
  /** The current access token stops working, with the platform's expired-token answer; renewing still works. */
  expireAccessToken(): void;
  /** Renewing access is refused from now on (a revoked refresh token, a changed password). */
  revokeRefresh(): void;
  /** The next call that creates the post does create it, but its answer never arrives (the client times out). */
  loseNextPublishAnswer(): void;
}

export interface ContractSubject<C> {
  fake: ContractFake;
  provider: Provider<C>;
  credentials: C;
  /** What a valid post looks like on this network (Instagram and Pinterest need an image URL the fake can fetch). */
  post?: Partial<PublishRequest>;
  /** Extra things to stop after the test (a media host). */
  stop?: () => Promise<void>;
}

export interface ContractOptions<C> {
  platform: PlatformName;
  /** Starts the fake and a provider pointed at it; requestTimeoutMs is short so the lost-answer case is quick. */
  start(options: { requestTimeoutMs: number }): Promise<ContractSubject<C>>;
  /**
   * 'refresh': an expired token is renewed and publishing works again. Otherwise why this network cannot, and
   * whether the provider still renews valid credentials ahead of their expiry (then it must refuse an expired one).
   */
  renewal: 'refresh' | { none: string; renewsAheadOfExpiry?: true };
  /** Whether the network makes a repeated publish safe (Mastodon's Idempotency-Key, Bluesky's record key...). */
  idempotent: boolean;
  /** For a network whose rate-limit answer carries no reset time: the wait PostFlow chooses, and why. */
  fixedRateLimitWait?: { ms: number; why: string };
}

export function describeProviderContract<C>(options: ContractOptions<C>): void {
  describe(`${options.platform} provider contract`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    async function subject(requestTimeoutMs = 2000) {
      const s = await options.start({ requestTimeoutMs });
      cleanups.push(() => s.fake.stop());
      if (s.stop) cleanups.push(s.stop);
      const store = progressStore();
      const text = `Contract post ${Math.random().toString(36).slice(2, 8)}`;
      const request = (st: ProgressStore = store) => publishRequest({ text, ...s.post }, st);
      const publish = (credentials: C = s.credentials, st: ProgressStore = store): Promise<PublishResult> => s.provider.publish(request(st), { credentials, settings: {} });
      return { ...s, text, store, publish };
    }

    it('publishes a post and answers its id', async () => {
      const s = await subject();
      const result = await s.publish();
      expect(result.externalId).toMatch(/\S/);
      expect(result.responseCode).toBeGreaterThanOrEqual(200);
      expect(result.responseCode).toBeLessThan(300);
      expect(s.fake.createdTexts()).toEqual([s.text]);
    });

    it('judges content by the one rules table', async () => {
      const s = await subject();
      const rules = CONTENT_RULES[options.platform];
      const media = s.post?.mediaUrls ?? [];
      const tooLong = s.provider.checkContent({ text: 'a'.repeat(rules.maxLength + 1), mediaUrls: media }, {});
      expect(tooLong.limit).toBe(rules.maxCaptionLength !== undefined && media.length ? rules.maxCaptionLength : rules.maxLength);
      expect(tooLong.violations.map((v) => v.rule)).toContain(rules.maxCaptionLength !== undefined && media.length ? 'maxCaptionLength' : 'maxLength');
      expect(s.provider.checkContent({ text: 'Fits', mediaUrls: media }, {}).violations).toEqual([]);
    });

    it('fails a refused post at once, with the platform message', async () => {
      const s = await subject();
      s.fake.failNextPublish('validation');
      const failure = await classifiedFailureOf(s.provider, s.publish());
      expect(failure.kind).toBe('PERMANENT');
      expect(failure.message).toContain(s.fake.validationMessage);
      expect(s.fake.createdTexts()).toEqual([]);
    });

    if (options.renewal === 'refresh') {
      it('renews an expired token, then publishes', async () => {
        const s = await subject();
        s.fake.expireAccessToken();
        const failure = await classifiedFailureOf(s.provider, s.publish());
        expect(failure.kind).toBe('AUTH');
        expect(s.provider.refresh).toBeTypeOf('function');
        const renewed = await s.provider.refresh!(s.credentials);
        expect(JSON.stringify(renewed)).not.toBe(JSON.stringify(s.credentials));
        await s.publish(renewed);
        expect(s.fake.createdTexts()).toEqual([s.text]);
      });

      it('reports a refused renewal as an auth failure', async () => {
        const s = await subject();
        s.fake.expireAccessToken();
        s.fake.revokeRefresh();
        expect((await classifiedFailureOf(s.provider, s.publish())).kind).toBe('AUTH');
        const failure = await classifiedFailureOf(s.provider, s.provider.refresh!(s.credentials));
        expect(failure.kind).toBe('AUTH');
        expect(s.fake.createdTexts()).toEqual([]);
      });
    } else {
      const { none: why, renewsAheadOfExpiry } = options.renewal;
      it(`reports an expired token as an auth failure (no renewal: ${why})`, async () => {
        const s = await subject();
        s.fake.expireAccessToken();
        s.fake.revokeRefresh();
        expect((await classifiedFailureOf(s.provider, s.publish())).kind).toBe('AUTH');
        if (renewsAheadOfExpiry) {
          expect(s.provider.refresh).toBeTypeOf('function');
          expect((await classifiedFailureOf(s.provider, s.provider.refresh!(s.credentials))).kind).toBe('AUTH');
        } else {
          expect(s.provider.refresh).toBeUndefined();
        }
        expect(s.fake.createdTexts()).toEqual([]);
      });
    }

    const fixed = options.fixedRateLimitWait;
    it(fixed ? `waits after a rate limit for a fixed time (${fixed.why})` : 'waits for the reset time a 429 announces', async () => {
      const s = await subject();
      // A reset the fake's answer cannot carry when the network has none: unlike the fixed wait, so it shows.
      s.fake.failNextPublish('rate_limited', { resetInSeconds: fixed ? 7_777 : 120 });
      const failure = await classifiedFailureOf(s.provider, s.publish());
      expect(failure.kind).toBe('RATE_LIMITED');
      const expected = fixed ? fixed.ms : 120_000;
      expect(failure.retryAfterMs).toBeGreaterThan(expected - 20_000);
      expect(failure.retryAfterMs).toBeLessThanOrEqual(expected + 1_000);
      expect(failure.rateLimitScope ?? 'ACCOUNT').toBe('ACCOUNT');
      expect(s.fake.createdTexts()).toEqual([]);
    });

    it('retries after a 5xx and publishes once', async () => {
      const s = await subject();
      s.fake.failNextPublish('server_error');
      expect((await classifiedFailureOf(s.provider, s.publish())).kind).toBe('RETRYABLE');
      await s.publish();
      expect(s.fake.createdTexts()).toEqual([s.text]);
    });

    it(
      options.idempotent ? 'retries a publish whose answer was lost without posting twice' : 'never retries a publish whose answer was lost (the outcome is unknown)',
      async () => {
        const s = await subject(400);
        s.fake.loseNextPublishAnswer();
        const failure = await classifiedFailureOf(s.provider, s.publish());
        expect(s.fake.createdTexts()).toEqual([s.text]);
        if (options.idempotent) {
          expect(failure.kind).toBe('RETRYABLE');
          await s.publish();
        } else {
          expect(failure.kind).toBe('UNKNOWN');
        }
        expect(s.fake.createdTexts()).toEqual([s.text]);
      },
    );
  });
}
