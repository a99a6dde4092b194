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
  /** The policy every provider's requests are held to, for checking a user's URL before anything is called. */
  readonly outbound: OutboundPolicy;
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

export function createProviderRegistry(options: ProviderOptions): ProviderRegistry {
  // Credentials are validated by each provider's credentialsSchema before they reach it, so widening the
  // credential type to unknown here is sound.
  const providers = new Map<PlatformName, Provider>([
    ['MASTODON', createMastodonProvider(options) as Provider],
    ['TELEGRAM', createTelegramProvider(options) as Provider],
    ['WEBHOOK', createWebhookProvider(options) as Provider],
    ['X', createXProvider(options) as Provider],
    ['LINKEDIN', createLinkedInProvider(options) as Provider],
    ['PINTEREST', createPinterestProvider(options) as Provider],
    ['FACEBOOK', createFacebookProvider(options) as Provider],
    ['INSTAGRAM', createInstagramProvider(options) as Provider],
    ['THREADS', createThreadsProvider(options) as Provider],
    ['BLUESKY', createBlueskyProvider(options) as Provider],
    ['DISCORD', createDiscordProvider(options) as Provider],
    ['VK', createVkProvider(options) as Provider],
  ]);
  for (const [platform, provider] of providers) providers.set(platform, withBoundedMessages(provider));

  return {
    outbound: options.outbound,
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
