// The one place that knows which platforms exist; everything else asks for a Provider by name.
import { createBlueskyProvider } from './bluesky.js';
import { createDiscordProvider } from './discord.js';
import { createFacebookProvider } from './facebook.js';
import { createInstagramProvider } from './instagram.js';
import { createLinkedInProvider } from './linkedin.js';
import { createMastodonProvider } from './mastodon.js';
import { createPinterestProvider } from './pinterest.js';
import { createTelegramProvider } from './telegram.js';
import { createThreadsProvider } from './threads.js';
import { FAILURE_MESSAGE_CHARS, answerExcerpt } from '../security/outbound/excerpt.js';
import type { OutboundPolicy } from '../security/outbound/policy.js';
import type { ClassifiedFailure, PlatformName, Provider, ProviderOptions } from './types.js';
import { createVkProvider } from './vk.js';
import { createWebhookProvider } from './webhook.js';
import { createXProvider } from './x.js';

export interface ProviderRegistry {
  /** The provider for a platform; throws for a platform PostFlow does not support. */
  get(platform: PlatformName): Provider;
  platforms(): PlatformName[];
  /** The policy for URLs a user gives (no exemptions). */
  readonly outbound: OutboundPolicy;
  /** The policy a platform's requests are held to, for checking a user's URL for it before anything is called. */
  outboundFor(platform: PlatformName): OutboundPolicy;
}

/**
 * Every failure message leaves the integrations through here, into lastError, attempt rows and a channel's auth
 * error: whatever a provider put in it from a network's answer is bounded and cleaned in this one place.
 */
function withBoundedMessages(provider: Provider): Provider {
  const classify = provider.classifyFailure.bind(provider);
  return {
    ...provider,
    classifyFailure: (error: unknown): ClassifiedFailure => {
      const failure = classify(error);
      return { ...failure, message: answerExcerpt(failure.message, FAILURE_MESSAGE_CHARS) };
    },
  };
}

export interface RegistryOptions extends ProviderOptions {
  /**
   * The policy one platform's requests are held to: the one that exempts that platform's own configured origins
   * (its <NETWORK>_API_URL), so that no other provider, and no URL a user gives elsewhere, inherits the exemption.
   * Without it every provider gets `outbound`.
   */
  outboundFor?: (platform: PlatformName) => OutboundPolicy;
}

// One factory per network, typed by the list of networks: a network without a provider does not compile. Credentials
// are validated by each provider's credentialsSchema before they reach it, so widening the credential type to unknown
// here is sound.
const FACTORIES: Record<PlatformName, (options: ProviderOptions) => Provider> = {
  MASTODON: (o) => createMastodonProvider(o) as Provider,
  TELEGRAM: (o) => createTelegramProvider(o) as Provider,
  WEBHOOK: (o) => createWebhookProvider(o) as Provider,
  X: (o) => createXProvider(o) as Provider,
  LINKEDIN: (o) => createLinkedInProvider(o) as Provider,
  PINTEREST: (o) => createPinterestProvider(o) as Provider,
  FACEBOOK: (o) => createFacebookProvider(o) as Provider,
  INSTAGRAM: (o) => createInstagramProvider(o) as Provider,
  THREADS: (o) => createThreadsProvider(o) as Provider,
  BLUESKY: (o) => createBlueskyProvider(o) as Provider,
  DISCORD: (o) => createDiscordProvider(o) as Provider,
  VK: (o) => createVkProvider(o) as Provider,
};

export function createProviderRegistry(options: RegistryOptions): ProviderRegistry {
  const { outboundFor, ...shared } = options;
  const forPlatform = (platform: PlatformName): ProviderOptions => (outboundFor ? { ...shared, outbound: outboundFor(platform) } : shared);
  const providers = new Map<PlatformName, Provider>(
    (Object.keys(FACTORIES) as PlatformName[]).map((platform) => [platform, withBoundedMessages(FACTORIES[platform](forPlatform(platform)))]),
  );

  return {
    outbound: options.outbound,
    outboundFor: (platform) => outboundFor?.(platform) ?? options.outbound,
    get(platform: PlatformName): Provider {
      const provider = providers.get(platform);
      if (!provider) {
        throw new Error(`Unknown platform "${String(platform)}": supported are ${[...providers.keys()].join(', ')}`);
      }
      return provider;
    },
    platforms(): PlatformName[] {
      return [...providers.keys()];
    },
  };
}
