// The one narrow interface between PostFlow and a social network. Everything a network does differently
// (URLs, auth, counting rules, error shapes, rate-limit headers) lives behind it, in src/integrations/.
import type { z } from 'zod';

export type PlatformName = 'MASTODON' | 'TELEGRAM' | 'WEBHOOK';

/** What the provider learnt about the account when it was connected, stored on the channel (not secret). */
export type ChannelSettings = Record<string, unknown>;

export interface ConnectedAccount {
  /** How the account is shown to people, e.g. "@alice@mastodon.social" or "@mychannel". */
  accountHandle: string;
  settings: ChannelSettings;
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
  /** Stable for every attempt of one delivery: a platform that honours it turns a retry into a no-op. */
  idempotencyKey: string;
  scheduledAt: Date;
}

export interface PublishResult {
  externalId: string;
  externalUrl: string | null;
  responseCode: number;
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
}

export interface ChannelAccess<Credentials> {
  credentials: Credentials;
  settings: ChannelSettings;
}

export interface Provider<Credentials = unknown> {
  readonly platform: PlatformName;
  /** Whether publishing the same request twice with one idempotencyKey yields one post. */
  readonly idempotent: boolean;
  /** Validates the credentials given to createChannel; issue paths name the credential fields. */
  readonly credentialsSchema: z.ZodType<Credentials>;
  /** Checks the credentials against the platform and reads what later calls need. Throws on failure. */
  connect(credentials: Credentials): Promise<ConnectedAccount>;
  checkContent(content: PostContent, settings: ChannelSettings): ContentVerdict;
  /** Publishes once. Throws whatever went wrong; classifyFailure turns that into a decision. */
  publish(request: PublishRequest, channel: ChannelAccess<Credentials>): Promise<PublishResult>;
  classifyFailure(error: unknown): ClassifiedFailure;
}

export interface ProviderOptions {
  /** Per-request time limit for calls to the platform. */
  requestTimeoutMs: number;
  /** Base URL of the Telegram Bot API (a self-hosted Bot API server, or a test fake). */
  telegramApiUrl: string;
}
