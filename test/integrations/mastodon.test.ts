import { describe, expect, it } from 'vitest';
import { createMastodonProvider, type MastodonCredentials } from '../../src/integrations/mastodon.js';
import { unusedPort } from '../fakes/httpFake.js';
import { startMastodonFake, type MastodonFake, type MastodonFakeOptions } from '../fakes/mastodonFake.js';
import { classifiedFailureOf, providerOptions, trackedMediaHost, useStoppers } from '../helpers/integration.js';
import { publishRequest } from '../helpers/publishRequest.js';

const provider = createMastodonProvider(providerOptions(), { mediaPollIntervalMs: 5, mediaPollAttempts: 5 });
const stopAfterEach = useStoppers();

async function fake(opts: MastodonFakeOptions = {}): Promise<MastodonFake> {
  return stopAfterEach(await startMastodonFake(opts));
}

function creds(f: MastodonFake): MastodonCredentials {
  return { instanceUrl: f.url, accessToken: f.accessToken };
}

const settings = { maxCharacters: 500, maxMediaAttachments: 4 };
const longUrl = `https://example.com/${'a'.repeat(180)}`;

describe('Mastodon credentials', () => {
  it('accepts an http(s) instance URL and a token, and names the bad field otherwise', () => {
    expect(provider.credentialsSchema.safeParse({ instanceUrl: 'https://mastodon.social', accessToken: 't' }).success).toBe(true);
    const bad = provider.credentialsSchema.safeParse({ instanceUrl: 'ftp://mastodon.social', accessToken: '' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path.join('.')).sort()).toEqual(['accessToken', 'instanceUrl']);
  });
});

describe('Mastodon connect', () => {
  it('reads the handle and the instance limits from verify_credentials and /api/v2/instance', async () => {
    const f = await fake({ username: 'bob', maxCharacters: 1000, maxMediaAttachments: 6 });
    const account = await provider.connect(creds(f));
    expect(account.accountHandle).toBe(`@bob@${new URL(f.url).host}`);
    expect(account.settings).toEqual({ maxCharacters: 1000, maxMediaAttachments: 6, instanceUrl: f.url });
    expect(f.log).toContain('GET /api/v1/accounts/verify_credentials');
  });

  it('falls back to /api/v1/instance on instances without v2', async () => {
    const f = await fake({ instanceV2: false, maxCharacters: 5000 });
    const account = await provider.connect({ ...creds(f), instanceUrl: `${f.url}/` });
    expect(account.settings.maxCharacters).toBe(5000);
    expect(f.log).toEqual(expect.arrayContaining(['GET /api/v2/instance', 'GET /api/v1/instance']));
  });

  it('throws on a bad token, and the failure reads as AUTH', async () => {
    const f = await fake();
    const failure = await classifiedFailureOf(provider, provider.connect({ instanceUrl: f.url, accessToken: 'wrong' }));
    expect(failure.kind).toBe('AUTH');
    expect(failure.message).toContain('reconnect the channel');
    expect(failure.message).toContain('The access token is invalid');
  });
});

describe('Mastodon checkContent', () => {
  it('counts every http(s) URL as 23 characters', () => {
    const verdict = provider.checkContent({ text: `Read this: ${longUrl}`, mediaUrls: [] }, settings);
    expect(verdict.counted).toBe('Read this: '.length + 23);
    expect(verdict.violations).toEqual([]);
  });

  it('flags text over the instance limit with the counted length and the limit', () => {
    const text = `${'a'.repeat(477)} ${longUrl}`; // 477 + 1 + 23 = 501
    const verdict = provider.checkContent({ text, mediaUrls: [] }, settings);
    expect(verdict).toMatchObject({ counted: 501, limit: 500 });
    expect(verdict.violations).toHaveLength(1);
    expect(verdict.violations[0]).toMatchObject({ field: 'content', rule: 'maxLength' });
    expect(verdict.violations[0]?.message).toMatch(/501.*500/);
    expect(provider.checkContent({ text: text.slice(1), mediaUrls: [] }, settings).violations).toEqual([]);
  });

  it('counts grapheme clusters, not UTF-16 units', () => {
    const family = '👨‍👩‍👧‍👦'; // 11 UTF-16 units, one character on screen
    const verdict = provider.checkContent({ text: family.repeat(500), mediaUrls: [] }, settings);
    expect(verdict.counted).toBe(500);
    expect(verdict.violations).toEqual([]);
    expect(provider.checkContent({ text: 'e\u0301'.repeat(3), mediaUrls: [] }, settings).counted).toBe(3);
  });

  it('counts a remote mention without its domain, and leaves e-mail addresses alone', () => {
    expect(provider.checkContent({ text: 'hi @bob@example.social', mediaUrls: [] }, settings).counted).toBe('hi @bob'.length);
    expect(provider.checkContent({ text: 'bob@example.com', mediaUrls: [] }, settings).counted).toBe(15);
  });

  it('uses the limit stored at connect time and defaults to 500', () => {
    const text = 'x'.repeat(600);
    expect(provider.checkContent({ text, mediaUrls: [] }, { maxCharacters: 1000 }).violations).toEqual([]);
    expect(provider.checkContent({ text, mediaUrls: [] }, {}).limit).toBe(500);
  });

  it('flags too many media and an empty post', () => {
    const media = provider.checkContent({ text: 'x', mediaUrls: ['a', 'b', 'c', 'd', 'e'].map((n) => `https://m.test/${n}.png`) }, settings);
    expect(media.violations).toEqual([expect.objectContaining({ field: 'mediaUrls', rule: 'maxMedia' })]);
    const empty = provider.checkContent({ text: '  ', mediaUrls: [] }, settings);
    expect(empty.violations).toEqual([expect.objectContaining({ field: 'content', rule: 'required' })]);
  });

  it('agrees with the instance: what checkContent accepts is published, what it refuses gets a 422', async () => {
    const f = await fake();
    const ok = `${'a'.repeat(476)} ${longUrl}`;
    expect(provider.checkContent({ text: ok, mediaUrls: [] }, settings).violations).toEqual([]);
    await provider.publish(publishRequest({ text: ok }), { credentials: creds(f), settings });
    const tooLong = `a${ok}`;
    expect(provider.checkContent({ text: tooLong, mediaUrls: [] }, settings).violations).toHaveLength(1);
    expect(await classifiedFailureOf(provider, provider.publish(publishRequest({ text: tooLong, idempotencyKey: 'idem-2' }), { credentials: creds(f), settings }))).toMatchObject({
      kind: 'PERMANENT',
      responseCode: 422,
      message: 'Validation failed: Text character limit of 500 exceeded',
    });
    expect(f.statuses).toHaveLength(1);
  });
});

describe('Mastodon publish', () => {
  it('posts a public status with the Bearer token and the Idempotency-Key', async () => {
    const f = await fake();
    const result = await provider.publish(publishRequest(), { credentials: creds(f), settings });
    expect(f.statuses).toHaveLength(1);
    const [status] = f.statuses;
    expect(status).toMatchObject({ text: 'Hello from PostFlow', idempotencyKey: 'idem-1', visibility: 'public', mediaIds: [] });
    expect(f.requests[0]?.authorization).toBe(`Bearer ${f.accessToken}`);
    expect(result).toEqual({ externalId: status?.id, externalUrl: `${f.url}/@alice/${status?.id}`, responseCode: 200 });
  });

  it('uploads each media file as multipart and attaches the ids', async () => {
    const f = await fake();
    const host = await trackedMediaHost(stopAfterEach);
    const mediaUrls = [host.urlFor('one.png'), host.urlFor('two.png')];
    await provider.publish(publishRequest({ mediaUrls }), { credentials: creds(f), settings });
    expect(host.requests).toEqual(['/one.png', '/two.png']);
    expect(f.media.map((m) => [m.filename, m.contentType, m.size > 0])).toEqual([
      ['one.png', 'image/png', true],
      ['two.png', 'image/png', true],
    ]);
    expect(f.statuses[0]?.mediaIds).toEqual(f.media.map((m) => m.id));
  });

  it('waits for media the instance is still processing (202, then 206 until ready)', async () => {
    const f = await fake({ mediaProcessing: 'async', mediaPollsUntilReady: 2 });
    const host = await trackedMediaHost(stopAfterEach);
    await provider.publish(publishRequest({ mediaUrls: [host.urlFor('slow.png')] }), { credentials: creds(f), settings });
    expect(f.log.filter((line) => line.startsWith('GET /api/v1/media/'))).toHaveLength(3);
    expect(f.statuses).toHaveLength(1);
  });

  it('gives up on media that never finishes processing with a RETRYABLE failure and posts nothing', async () => {
    const f = await fake({ mediaProcessing: 'async', mediaPollsUntilReady: 100 });
    const host = await trackedMediaHost(stopAfterEach);
    expect(await classifiedFailureOf(provider, provider.publish(publishRequest({ mediaUrls: [host.urlFor('stuck.png')] }), { credentials: creds(f), settings }))).toMatchObject({
      kind: 'RETRYABLE',
      errorClass: 'MEDIA_PROCESSING',
    });
    expect(f.requests).toHaveLength(0);
  });

  it('treats a missing media file as PERMANENT, not as a channel problem', async () => {
    const f = await fake();
    const host = await trackedMediaHost(stopAfterEach);
    expect(await classifiedFailureOf(provider, provider.publish(publishRequest({ mediaUrls: [host.urlFor('missing.png')] }), { credentials: creds(f), settings }))).toMatchObject({
      kind: 'PERMANENT',
      errorClass: 'MEDIA_FETCH_FAILED',
      responseCode: 404,
    });
    expect(f.statuses).toHaveLength(0);
  });

  it('creates one status for the same Idempotency-Key sent twice, and a new one for a new key', async () => {
    const f = await fake();
    const first = await provider.publish(publishRequest(), { credentials: creds(f), settings });
    const again = await provider.publish(publishRequest(), { credentials: creds(f), settings });
    expect(again.externalId).toBe(first.externalId);
    expect(f.requests).toHaveLength(2);
    expect(f.statuses).toHaveLength(1);
    await provider.publish(publishRequest({ idempotencyKey: 'idem-other' }), { credentials: creds(f), settings });
    expect(f.statuses).toHaveLength(2);
  });

  it('reports the account window as used up when X-RateLimit-Remaining reaches 0, until X-RateLimit-Reset', async () => {
    const f = await fake({ rateLimit: 1 });
    const result = await provider.publish(publishRequest(), { credentials: creds(f), settings });
    expect(result.rateLimits).toHaveLength(1);
    const [hint] = result.rateLimits ?? [];
    expect(hint?.scope).toBe('ACCOUNT');
    const until = hint?.until.getTime() ?? 0;
    expect(until % (5 * 60 * 1000)).toBe(0);
    expect(until).toBeGreaterThan(Date.now());
    expect(until).toBeLessThanOrEqual(Date.now() + 5 * 60 * 1000);
  });

  it('forgets an Idempotency-Key after an hour, as Mastodon does', async () => {
    const f = await fake();
    await provider.publish(publishRequest(), { credentials: creds(f), settings });
    f.advanceClock(61 * 60 * 1000);
    await provider.publish(publishRequest(), { credentials: creds(f), settings });
    expect(f.statuses).toHaveLength(2);
  });

  it('a timeout after the instance created the status is RETRYABLE, and the retry does not double-post', async () => {
    const f = await fake();
    f.holdStatuses();
    const quick = createMastodonProvider(providerOptions({}, 150));
    expect(await classifiedFailureOf(quick, quick.publish(publishRequest(), { credentials: creds(f), settings }))).toMatchObject({
      kind: 'RETRYABLE',
      errorClass: 'TIMEOUT',
      responseCode: null,
    });
    expect(f.statuses).toHaveLength(1);
    await f.releaseStatuses();
    const retry = await quick.publish(publishRequest(), { credentials: creds(f), settings });
    expect(retry.externalId).toBe(f.statuses[0]?.id);
    expect(f.statuses).toHaveLength(1);
    expect(f.requests).toHaveLength(2);
  });
});

describe('Mastodon classifyFailure', () => {
  async function failWith(response: Parameters<MastodonFake['failNext']>[1]) {
    const f = await fake();
    f.failNext(1, response);
    const failure = await classifiedFailureOf(provider, provider.publish(publishRequest(), { credentials: creds(f), settings }));
    expect(f.statuses).toHaveLength(0);
    expect(f.requests[0]?.responseStatus).toBe(response.status);
    return failure;
  }

  it('5xx is RETRYABLE', async () => {
    expect(await failWith({ status: 500 })).toMatchObject({ kind: 'RETRYABLE', errorClass: 'HTTP_500', responseCode: 500 });
    expect(await failWith({ status: 503 })).toMatchObject({ kind: 'RETRYABLE', errorClass: 'HTTP_503' });
  });

  it('429 is RATE_LIMITED until X-RateLimit-Reset', async () => {
    const failure = await failWith({ status: 429, resetInSeconds: 2 });
    expect(failure.kind).toBe('RATE_LIMITED');
    expect(failure.retryAfterMs).toBeGreaterThan(1000);
    expect(failure.retryAfterMs).toBeLessThanOrEqual(2000);
  });

  it('429 prefers Retry-After when the instance sends one', async () => {
    const failure = await failWith({ status: 429, resetInSeconds: 120, retryAfter: 7 });
    expect(failure).toMatchObject({ kind: 'RATE_LIMITED', retryAfterMs: 7000 });
  });

  it('a real throttle (the window is used up) reads as RATE_LIMITED too', async () => {
    const f = await fake({ rateLimit: 1 });
    await provider.publish(publishRequest(), { credentials: creds(f), settings });
    const failure = await classifiedFailureOf(provider, provider.publish(publishRequest({ idempotencyKey: 'idem-2' }), { credentials: creds(f), settings }));
    expect(failure.kind).toBe('RATE_LIMITED');
    expect(failure.retryAfterMs).toBeGreaterThan(0);
    expect(failure.retryAfterMs).toBeLessThanOrEqual(5 * 60 * 1000);
  });

  it('401 is AUTH and says to reconnect', async () => {
    const failure = await failWith({ status: 401 });
    expect(failure.kind).toBe('AUTH');
    expect(failure.message).toMatch(/^The access token was revoked or is invalid: reconnect the channel/);
  });

  it('a revoked token is AUTH', async () => {
    const f = await fake();
    f.revokeToken();
    expect(await classifiedFailureOf(provider, provider.publish(publishRequest(), { credentials: { instanceUrl: f.url, accessToken: 'test-token' }, settings }))).toMatchObject({
      kind: 'AUTH',
      responseCode: 401,
    });
  });

  it('422 is PERMANENT with Mastodon’s own message', async () => {
    const failure = await failWith({ status: 422, body: { error: 'Validation failed: Text character limit of 500 exceeded' } });
    expect(failure).toMatchObject({ kind: 'PERMANENT', errorClass: 'HTTP_422', message: 'Validation failed: Text character limit of 500 exceeded' });
  });

  it('the 422 for media still being processed is RETRYABLE', async () => {
    const failure = await failWith({ status: 422, body: { error: 'Cannot attach files that have not finished processing. Try again in a moment!' } });
    expect(failure).toMatchObject({ kind: 'RETRYABLE', errorClass: 'MEDIA_PROCESSING' });
  });

  it('403 is AUTH only when the token lacks rights', async () => {
    expect(await failWith({ status: 403, body: { error: 'This action is outside the authorized scopes' } })).toMatchObject({ kind: 'AUTH' });
    expect(await failWith({ status: 403 })).toMatchObject({ kind: 'PERMANENT', message: 'This action is not allowed' });
  });

  it('a connection dropped after sending is RETRYABLE NETWORK (the Idempotency-Key makes it safe)', async () => {
    const f = await fake();
    f.holdStatuses();
    const pending = classifiedFailureOf(provider, provider.publish(publishRequest(), { credentials: creds(f), settings }));
    await f.waitForHeld(1);
    await f.stop();
    expect(await pending).toMatchObject({ kind: 'RETRYABLE', errorClass: 'NETWORK' });
  });

  it('connection refused is RETRYABLE NETWORK', async () => {
    const port = await unusedPort();
    expect(
      await classifiedFailureOf(provider, provider.publish(publishRequest(), { credentials: { instanceUrl: `http://127.0.0.1:${port}`, accessToken: 't' }, settings })),
    ).toMatchObject({ kind: 'RETRYABLE', errorClass: 'NETWORK', responseCode: null });
  });
});

describe('Mastodon fake wire contract', () => {
  it('sends X-RateLimit-* headers on every answer, errors included', async () => {
    const f = await fake();
    for (const [path, token] of [
      ['/api/v1/accounts/verify_credentials', f.accessToken],
      ['/api/v1/accounts/verify_credentials', 'bad'],
    ] as const) {
      const res = await fetch(`${f.url}${path}`, { headers: { Authorization: `Bearer ${token}` } });
      expect(res.headers.get('x-ratelimit-limit')).toBe('300');
      expect(Number(res.headers.get('x-ratelimit-remaining'))).toBeLessThan(300);
      expect(Number.isNaN(Date.parse(res.headers.get('x-ratelimit-reset') ?? ''))).toBe(false);
    }
  });

  it('accepts form-encoded statuses like the real API', async () => {
    const f = await fake();
    const res = await fetch(`${f.url}/api/v1/statuses`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${f.accessToken}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ status: 'form post' }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { content: string }).content).toBe('<p>form post</p>');
  });
});
