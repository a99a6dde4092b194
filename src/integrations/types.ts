// The one narrow interface between PostFlow and a social network. Everything a network does differently
// (URLs, auth, counting rules, error shapes, rate-limit headers) lives behind it, in src/integrations/.
import type { z } from 'zod';
import type { OutboundPolicy } from '../security/outbound/policy.js';

export { PLATFORM_NAMES, type PlatformName, type PlatformSettings } from '../domain/platforms.js';
import type { PlatformName, PlatformSettings } from '../domain/platforms.js';

/** What the provider learnt about the account when it was connected, stored on the channel (not secret). */
export type ChannelSettings = Record<string, unknown>;

export interface ConnectedAccount<Credentials = unknown> {
  /** How the account is shown to people, e.g. "@alice@mastodon.social" or "@mychannel". */
  accountHandle: string;
  settings: ChannelSettings;
  /**
   * The credentials to store, when connecting changed them (a Page token read with a user token, a session opened
   * with an app password); the given ones are stored otherwise.
   */
  credentials?: Credentials;
}

export interface PostContent {
  text: string;
  mediaUrls: string[];
}

export interface ContentViolation {
  /** The input field at fault, relative to the post: "content" or "mediaUrls". */
  field: 'content' | 'mediaUrls';
  /** A stable rule name clients can switch on, e.g. "maxLength", "maxMedia". */
  rule: string;
  message: string;
}

export interface ContentVerdict {
  /** The length as this platform counts it (URLs at 23 on Mastodon, UTF-16 units on Telegram...). */
  counted: number;
  /** The limit that applies to this content (a caption limit when media is attached, say). */
  limit: number;
  violations: ContentViolation[];
}

export interface PublishRequest {
  deliveryId: string;
  postId: string;
  text: string;
  mediaUrls: string[];
  /**
   * The preview of the post's link, for networks that build none from a URL in the text (Bluesky, LinkedIn); the
   * others ignore it. Set on posts made from a source item.
   */
  linkCard?: LinkCard | null;
  /** Stable for every attempt of one delivery: a platform that honours it turns a retry into a no-op. */
  idempotencyKey: string;
  scheduledAt: Date;
  /** What an earlier attempt of this delivery saved with checkpoint(), null on the first attempt. */
  progress: PublishProgress | null;
  /**
   * Saves how far this publish got, committed before it resolves, so a retry after a crash or a failure continues
   * instead of repeating what the platform already did (the tweets of a thread already out, a Bluesky record key
   * chosen before the call, an Instagram container already made).
   */
  checkpoint(progress: PublishProgress): Promise<void>;
}

export type PublishProgress = Record<string, unknown>;

/** A link's preview: the page's URL, its title and description, and an image (fetched through the outbound policy). */
export interface LinkCard {
  url: string;
  title: string;
  description: string;
  image: string | null;
}

/** Per account (this channel) or per app (every channel using the same platform app, see Provider.appKey). */
export type RateLimitScope = 'ACCOUNT' | 'APP';

/** The platform said no more calls until `until` (its remaining count reached zero, or it answered 429). */
export interface RateLimitHint {
  scope: RateLimitScope;
  until: Date;
}

export interface PublishResult {
  externalId: string;
  externalUrl: string | null;
  responseCode: number;
  /** Limits the answer's headers say are used up: later publishes on the same account or app wait for them. */
  rateLimits?: RateLimitHint[];
}

export type FailureKind =
  /** Try again later (network error before sending, timeout on an idempotent call, 5xx). */
  | 'RETRYABLE'
  /** Try again, not before retryAfterMs. */
  | 'RATE_LIMITED'
  /** The credentials no longer work: the channel needs reconnecting. */
  | 'AUTH'
  /** The platform refused this content or request: retrying cannot help. */
  | 'PERMANENT'
  /** The request may or may not have been published and the platform has no idempotency: never retry blindly. */
  | 'UNKNOWN';

export interface ClassifiedFailure {
  kind: FailureKind;
  /** A short, stable name of the cause: "HTTP_503", "TIMEOUT", "NETWORK", "TELEGRAM_CHAT_NOT_FOUND"... */
  errorClass: string;
  /** A sentence for people, with the platform's own message where there is one. */
  message: string;
  responseCode: number | null;
  retryAfterMs: number | null;
  /** For RATE_LIMITED: whose limit ran out (ACCOUNT when absent). */
  rateLimitScope?: RateLimitScope;
}

export interface ChannelAccess<Credentials> {
  credentials: Credentials;
  settings: ChannelSettings;
}

/** An OAuth client at a platform: the operator's (from config), or one a channel brings (X limits per app). */
export interface OAuthApp {
  clientId: string;
  clientSecret: string | null;
}

export interface AuthorizeRequest {
  app: OAuthApp;
  redirectUri: string;
  state: string;
  /** S256 PKCE challenge of the verifier kept server-side. */
  codeChallenge: string;
  /** The user's server, for platforms without one central server (Mastodon). */
  instanceUrl: string | null;
  /** The account chosen at start (a LinkedIn organization needs more scopes than a member). */
  account?: Record<string, unknown>;
}

export interface FinishRequest {
  app: OAuthApp;
  redirectUri: string;
  code: string;
  codeVerifier: string;
  instanceUrl: string | null;
  /** Which of the user's accounts to post as, where one login reaches several (a Facebook Page, a LinkedIn organization). */
  account: Record<string, unknown>;
  /** The app is the channel's own (stored with the credentials, used to refresh), not the operator's. */
  ownApp: boolean;
}

/** Connecting an account by sending the user to the platform (OAuth 2.0 authorization code with PKCE). */
export interface ProviderOAuth<Credentials> {
  /** The operator's app from config, or null when none is configured (connectChannelStart must then bring one). */
  configuredApp(): OAuthApp | null;
  /** Whether connectChannelStart needs the user's server (Mastodon). */
  readonly needsInstanceUrl: boolean;
  /** Registers PostFlow as an app on the user's server (Mastodon); platforms with a central app have none. */
  registerApp?(instanceUrl: string, redirectUri: string): Promise<OAuthApp>;
  authorizeUrl(request: AuthorizeRequest): string;
  /** Exchanges the code for tokens and returns credentials ready for connect(). */
  finish(request: FinishRequest): Promise<Credentials>;
}

export interface Provider<Credentials = unknown> {
  readonly platform: PlatformName;
  /** Whether publishing the same request twice with one idempotencyKey yields one post. */
  readonly idempotent: boolean;
  /** Validates the credentials given to createChannel; issue paths name the credential fields. */
  readonly credentialsSchema: z.ZodType<Credentials>;
  /**
   * The URLs in these credentials that the user chose (a server, a webhook), by credential field: checked against
   * the outbound policy before connect() is called, so that a refused one is reported under its field.
   */
  userUrls?(credentials: Credentials): { field: string; url: string }[];
  /** Checks the credentials against the platform and reads what later calls need. Throws on failure. */
  connect(credentials: Credentials): Promise<ConnectedAccount<Credentials>>;
  checkContent(content: PostContent, settings: ChannelSettings): ContentVerdict;
  /** Publishes once. Throws whatever went wrong; classifyFailure turns that into a decision. */
  publish(request: PublishRequest, channel: ChannelAccess<Credentials>): Promise<PublishResult>;
  classifyFailure(error: unknown): ClassifiedFailure;
  /** Present when accounts can be connected through the platform's authorization page. */
  readonly oauth?: ProviderOAuth<Credentials>;
  /**
   * Renews the credentials (a refresh-token grant, a new session). Throws a ClassifiedError: AUTH when the platform
   * refused (the channel must be reconnected), RETRYABLE when it could not be reached. Absent: nothing to renew.
   */
  refresh?(credentials: Credentials): Promise<Credentials>;
  /** When the credentials stop working, so they are renewed before; null when they do not expire. */
  credentialsExpireAt?(credentials: Credentials): Date | null;
  /** How long before expiry to renew, when the platform needs more than TOKEN_REFRESH_AHEAD_MINUTES (Threads renews only a valid token). */
  readonly renewAheadMs?: number;
  /** Names the platform app these credentials use, for limits the platform counts per app ("X:<client id>"). */
  appKey?(credentials: Credentials): string | null;
  /**
   * Looks the account's own recent posts up for this delivery's text, published at or after `since`: how an
   * unknown outcome on a network without idempotency is settled. Null when it is not there. Absent: the network
   * gives no way to look (a person settles it).
   */
  findPublished?(lookup: PublishedLookup, channel: ChannelAccess<Credentials>): Promise<PublishResult | null>;
}

export interface PublishedLookup {
  text: string;
  since: Date;
}

/** Operator settings for one platform; each provider module has the real defaults. */

export interface ProviderOptions {
  /** Per-request time limit for calls to the platform. */
  requestTimeoutMs: number;
  /** Where calls may go: every request a provider makes is held to it. */
  outbound: OutboundPolicy;
  /** Base URL of the Telegram Bot API (a self-hosted Bot API server, or a test fake). */
  telegramApiUrl: string;
  /** Per platform: where its servers are and PostFlow's app there. */
  platforms?: Partial<Record<PlatformName, PlatformSettings>>;
}
