// Generic signed webhook: PostFlow POSTs the post to a URL the user controls. Every attempt of one delivery
// carries the same Idempotency-Key and receivers are told to dedupe on it, which makes retries safe.
import { checkContentRules } from './contentRules.js';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { classifyFailure, genericPlatformMessage, httpRequest } from './http.js';
import type {
  ChannelAccess,
  ChannelSettings,
  ClassifiedFailure,
  ConnectedAccount,
  ContentVerdict,
  PostContent,
  Provider,
  ProviderOptions,
  PublishRequest,
  PublishResult,
} from './types.js';

export const webhookCredentialsSchema = z.object({
  url: z.url({ protocol: /^https?$/, error: 'url must be an http(s) URL' }),
  secret: z.string().min(16, 'secret must be at least 16 characters'),
});

export type WebhookCredentials = z.infer<typeof webhookCredentialsSchema>;

export const WEBHOOK_EVENT = 'post.publish';

/** "v1=" + hex HMAC-SHA256 over "<timestamp>.<raw body>", the value of X-PostFlow-Signature. */
export function signWebhook(secret: string, timestamp: number | string, rawBody: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`;
}

export interface VerifyWebhookSignatureInput {
  secret: string;
  /** X-PostFlow-Timestamp, unix seconds. */
  timestamp: string | number | null | undefined;
  /** The request body exactly as received: re-serialised JSON would not match. */
  rawBody: string | Buffer;
  /** X-PostFlow-Signature. */
  signature: string | null | undefined;
  /** How old (or how far in the future) a timestamp may be; stops replays of captured requests. */
  toleranceSeconds?: number;
  /** Current time in ms, for tests. */
  now?: number;
}

/** For receivers: true when the signature matches and the timestamp is fresh. */
export function verifyWebhookSignature(input: VerifyWebhookSignatureInput): boolean {
  const { secret, signature, toleranceSeconds = 300, now = Date.now() } = input;
  if (typeof signature !== 'string' || input.timestamp === null || input.timestamp === undefined) return false;
  const timestamp = String(input.timestamp);
  if (!/^\d+$/.test(timestamp)) return false;
  if (Math.abs(now / 1000 - Number(timestamp)) > toleranceSeconds) return false;
  const rawBody = typeof input.rawBody === 'string' ? input.rawBody : input.rawBody.toString('utf8');
  const expected = Buffer.from(signWebhook(secret, timestamp, rawBody));
  const given = Buffer.from(signature.trim());
  // Constant-time comparison so the signature cannot be guessed byte by byte from response timings.
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function createWebhookProvider(options: ProviderOptions): Provider<WebhookCredentials> {
  const timeoutMs = options.requestTimeoutMs;
  const outbound = options.outbound;

  return {
    platform: 'WEBHOOK',
    idempotent: true,
    credentialsSchema: webhookCredentialsSchema,
    userUrls: (credentials) => [{ field: 'url', url: credentials.url }],

    async connect(credentials: WebhookCredentials): Promise<ConnectedAccount<WebhookCredentials>> {
      // No call: the receiver may not exist yet when the channel is created, and a test event would be a
      // post it has to understand.
      return { accountHandle: new URL(credentials.url).host, settings: {} };
    },

    checkContent(content: PostContent, settings: ChannelSettings): ContentVerdict {
      return checkContentRules('WEBHOOK', content, settings);
    },

    async publish(request: PublishRequest, channel: ChannelAccess<WebhookCredentials>): Promise<PublishResult> {
      const { url, secret } = channel.credentials;
      const rawBody = JSON.stringify({
        event: WEBHOOK_EVENT,
        deliveryId: request.deliveryId,
        postId: request.postId,
        text: request.text,
        mediaUrls: request.mediaUrls,
        scheduledAt: request.scheduledAt.toISOString(),
      });
      // Signed per attempt: the timestamp is fresh on every retry, the Idempotency-Key is not.
      const timestamp = Math.floor(Date.now() / 1000);
      const res = await httpRequest<unknown>({
        method: 'POST',
        url,
        operation: 'Webhook POST',
        timeoutMs,
        outbound,
        headers: {
          'Content-Type': 'application/json',
          'Idempotency-Key': request.idempotencyKey,
          'X-PostFlow-Delivery': request.deliveryId,
          'X-PostFlow-Timestamp': String(timestamp),
          'X-PostFlow-Signature': signWebhook(secret, timestamp, rawBody),
        },
        body: rawBody,
      });
      const body = res.body && typeof res.body === 'object' ? (res.body as Record<string, unknown>) : {};
      return {
        externalId: typeof body.id === 'string' && body.id !== '' ? body.id : request.deliveryId,
        externalUrl: typeof body.url === 'string' && body.url !== '' ? body.url : null,
        responseCode: res.status,
      };
    },

    classifyFailure(error: unknown): ClassifiedFailure {
      return classifyFailure(error, {
        idempotent: true,
        platformMessage: (failure) => genericPlatformMessage(failure.body),
        authMessage: (message) => `The receiver rejected the signature${message ? ` (${message})` : ''}: check that it uses the channel's secret`,
      });
    },
  };
}
