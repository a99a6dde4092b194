import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../../src/integrations/http.js';
import { createProviderRegistry } from '../../src/integrations/registry.js';
import type { PlatformName, PublishRequest } from '../../src/integrations/types.js';
import { createWebhookProvider, signWebhook, verifyWebhookSignature, type WebhookCredentials } from '../../src/integrations/webhook.js';
import { unusedPort } from '../fakes/httpFake.js';
import { startWebhookReceiver, type WebhookReceiver, type WebhookScriptedResponse } from '../fakes/webhookReceiver.js';
import { classifiedFailureOf, providerOptions, useStoppers } from '../helpers/integration.js';
import { publishRequest } from '../helpers/publishRequest.js';
import { PLATFORM_NAMES } from '../../src/integrations/types.js';

const secret = 'a-very-secret-value-123';
const provider = createWebhookProvider(providerOptions());
const stopAfterEach = useStoppers();

async function receiver(receiverSecret = secret): Promise<{ r: WebhookReceiver; creds: WebhookCredentials }> {
  const r = stopAfterEach(await startWebhookReceiver({ secret: receiverSecret }));
  return { r, creds: { url: r.hookUrl, secret } };
}

function request(overrides: Partial<PublishRequest> = {}): PublishRequest {
  return publishRequest({ text: 'Hello hook', mediaUrls: ['https://cdn.example.com/a.png'], ...overrides });
}

describe('Webhook credentials and connect', () => {
  it('requires an http(s) URL and a secret of at least 16 characters', () => {
    expect(provider.credentialsSchema.safeParse({ url: 'https://hooks.example.com/x', secret }).success).toBe(true);
    const bad = provider.credentialsSchema.safeParse({ url: 'mailto:me@example.com', secret: 'short' });
    expect(bad.error?.issues.map((i) => i.path[0]).sort()).toEqual(['secret', 'url']);
  });

  it('connects without calling the receiver; the handle is the host', async () => {
    const { r, creds } = await receiver();
    expect(await provider.connect(creds)).toEqual({ accountHandle: new URL(r.url).host, settings: {} });
    expect(r.requests).toHaveLength(0);
  });
});

describe('Webhook checkContent', () => {
  it('allows 63,206 characters and 20 media URLs', () => {
    expect(provider.checkContent({ text: 'x'.repeat(63_206), mediaUrls: [] }, {}).violations).toEqual([]);
    expect(provider.checkContent({ text: 'x'.repeat(63_207), mediaUrls: [] }, {}).violations).toEqual([expect.objectContaining({ field: 'content', rule: 'maxLength' })]);
    const media = Array.from({ length: 21 }, (_, i) => `https://cdn.example.com/${i}.png`);
    expect(provider.checkContent({ text: 'x', mediaUrls: media }, {}).violations).toEqual([expect.objectContaining({ field: 'mediaUrls', rule: 'maxMedia' })]);
    expect(provider.checkContent({ text: 'x', mediaUrls: media.slice(1) }, {}).violations).toEqual([]);
  });
});

describe('Webhook publish', () => {
  it('POSTs the signed JSON event with the delivery headers', async () => {
    const { r, creds } = await receiver();
    const before = Math.floor(Date.now() / 1000);
    const result = await provider.publish(request(), { credentials: creds, settings: {} });
    expect(r.deliveries).toHaveLength(1);
    const [delivery] = r.deliveries;
    expect(delivery?.body).toEqual({
      event: 'post.publish',
      deliveryId: 'dlv_1',
      postId: 'post_1',
      text: 'Hello hook',
      mediaUrls: ['https://cdn.example.com/a.png'],
      scheduledAt: '2030-01-01T10:00:00.000Z',
    });
    expect(delivery).toMatchObject({ idempotencyKey: 'idem-1', deliveryId: 'dlv_1' });
    expect(Number(delivery?.timestamp)).toBeGreaterThanOrEqual(before);
    // Computed here from the documented recipe, not with signWebhook, so a change to the format is caught.
    const expected = createHmac('sha256', secret).update(`${delivery?.timestamp}.${delivery?.rawBody}`).digest('hex');
    expect(delivery?.signature).toBe(`v1=${expected}`);
    expect(delivery?.signature).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(r.requests[0]?.headers['content-type']).toBe('application/json');
    expect(result).toEqual({ externalId: 'rcv_1', externalUrl: `${r.url}/posts/rcv_1`, responseCode: 200 });
  });

  it('falls back to the delivery id when the receiver answers without JSON', async () => {
    const { r, creds } = await receiver();
    r.failNext(1, { status: 202, body: 'accepted' });
    expect(await provider.publish(request(), { credentials: creds, settings: {} })).toEqual({
      externalId: 'dlv_1',
      externalUrl: null,
      responseCode: 202,
    });
  });

  it('sends the same Idempotency-Key on a retry and the receiver keeps one delivery', async () => {
    const { r, creds } = await receiver();
    const first = await provider.publish(request(), { credentials: creds, settings: {} });
    const again = await provider.publish(request(), { credentials: creds, settings: {} });
    expect(again).toEqual(first);
    expect(r.requests.map((q) => [q.idempotencyKey, q.duplicate])).toEqual([
      ['idem-1', false],
      ['idem-1', true],
    ]);
    expect(r.deliveries).toHaveLength(1);
  });
});

describe('verifyWebhookSignature', () => {
  const now = 1_900_000_000_000;
  const timestamp = now / 1000;
  const rawBody = '{"event":"post.publish"}';
  const signature = signWebhook(secret, timestamp, rawBody);

  it('accepts the signature PostFlow sends', () => {
    expect(verifyWebhookSignature({ secret, timestamp, rawBody, signature, now })).toBe(true);
    expect(verifyWebhookSignature({ secret, timestamp: String(timestamp), rawBody: Buffer.from(rawBody), signature, now })).toBe(true);
  });

  it('rejects a changed body, another secret, a stale timestamp and a missing signature', () => {
    expect(verifyWebhookSignature({ secret, timestamp, rawBody: rawBody.replace('publish', 'delete'), signature, now })).toBe(false);
    expect(verifyWebhookSignature({ secret: `${secret}x`, timestamp, rawBody, signature, now })).toBe(false);
    expect(verifyWebhookSignature({ secret, timestamp, rawBody, signature, now: now + 301_000 })).toBe(false);
    expect(verifyWebhookSignature({ secret, timestamp, rawBody, signature, now: now + 301_000, toleranceSeconds: 600 })).toBe(true);
    expect(verifyWebhookSignature({ secret, timestamp, rawBody, signature: signature.slice(3), now })).toBe(false);
    expect(verifyWebhookSignature({ secret, timestamp, rawBody, signature: null, now })).toBe(false);
  });
});

describe('Webhook classifyFailure', () => {
  async function failWith(response: WebhookScriptedResponse) {
    const { r, creds } = await receiver();
    r.failNext(1, response);
    const failure = await classifiedFailureOf(provider, provider.publish(request(), { credentials: creds, settings: {} }));
    expect(r.deliveries).toHaveLength(0);
    return failure;
  }

  it('5xx is RETRYABLE', async () => {
    expect(await failWith({ status: 500 })).toMatchObject({ kind: 'RETRYABLE', errorClass: 'HTTP_500', responseCode: 500 });
  });

  it('429 is RATE_LIMITED for Retry-After, in seconds or as an HTTP-date', async () => {
    expect(await failWith({ status: 429, retryAfter: 30 })).toMatchObject({ kind: 'RATE_LIMITED', retryAfterMs: 30_000 });
    const date = new Date(Date.now() + 60_000).toUTCString();
    const failure = await failWith({ status: 429, retryAfter: date });
    expect(failure.kind).toBe('RATE_LIMITED');
    expect(failure.retryAfterMs).toBeGreaterThan(55_000);
    expect(failure.retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  it('400 is PERMANENT with the receiver’s message', async () => {
    expect(await failWith({ status: 400, body: { message: 'Unknown account for this post' } })).toMatchObject({
      kind: 'PERMANENT',
      errorClass: 'HTTP_400',
      message: 'Unknown account for this post',
    });
  });

  it('a signature the receiver rejects (wrong secret) is AUTH', async () => {
    const { r, creds } = await receiver('another-secret-entirely');
    const failure = await classifiedFailureOf(provider, provider.publish(request(), { credentials: creds, settings: {} }));
    expect(failure).toMatchObject({ kind: 'AUTH', responseCode: 401 });
    expect(failure.message).toContain('Invalid signature');
    expect(r.requests[0]?.signatureValid).toBe(false);
  });

  it('a timeout is RETRYABLE (the Idempotency-Key makes the retry safe) and the retry is deduplicated', async () => {
    const { r, creds } = await receiver();
    r.hold();
    const quick = createWebhookProvider(providerOptions({}, 150));
    const failure = await classifiedFailureOf(quick, quick.publish(request(), { credentials: creds, settings: {} }));
    expect(failure).toMatchObject({ kind: 'RETRYABLE', errorClass: 'TIMEOUT' });
    await r.release();
    const retry = await quick.publish(request(), { credentials: creds, settings: {} });
    expect(retry.externalId).toBe('rcv_1');
    expect(r.deliveries).toHaveLength(1);
  });

  it('connection refused is RETRYABLE NETWORK', async () => {
    const port = await unusedPort();
    const creds = { url: `http://127.0.0.1:${port}/hook`, secret };
    const failure = await classifiedFailureOf(provider, provider.publish(request(), { credentials: creds, settings: {} }));
    expect(failure).toMatchObject({ kind: 'RETRYABLE', errorClass: 'NETWORK', responseCode: null });
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP-dates, and ignores garbage', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Tue, 01 Jan 2030 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Mon, 31 Dec 2029 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});

describe('createProviderRegistry', () => {
  it('returns each platform’s provider and refuses unknown platforms', () => {
    const registry = createProviderRegistry(providerOptions());
    expect(registry.platforms().sort()).toEqual([...PLATFORM_NAMES].sort());
    for (const platform of registry.platforms()) expect(registry.get(platform).platform).toBe(platform);
    expect(registry.get('MASTODON').idempotent).toBe(true);
    expect(registry.get('TELEGRAM').idempotent).toBe(false);
    expect(() => registry.get('TWITTER' as PlatformName)).toThrow(/Unknown platform "TWITTER"/);
  });
});
