// The one list of networks PostFlow publishes to (the database enum Platform matches it, test/architecture.test.ts).
export const PLATFORM_NAMES = ['MASTODON', 'TELEGRAM', 'WEBHOOK', 'X', 'LINKEDIN', 'INSTAGRAM', 'FACEBOOK', 'THREADS', 'BLUESKY', 'DISCORD', 'PINTEREST', 'VK'] as const;

export type PlatformName = (typeof PLATFORM_NAMES)[number];

/** Where a network is and PostFlow's app there, from the environment (src/config.ts). */
export interface PlatformSettings {
  /** Base URL of the platform's API (a test fake, or a proxy), without a trailing slash. */
  apiUrl?: string;
  /** Base URL of the platform's authorization page host, when it differs from the API's. */
  authUrl?: string;
  /** PostFlow's app at the platform (OAuth client), used by connectChannelStart and refresh. */
  clientId?: string;
  clientSecret?: string;
}
