import { describe, expect, it } from 'vitest';
import { createBlueskyProvider, type BlueskyCredentials } from '../../src/integrations/bluesky.js';
import { detectFacets, jwtClaims, nextTid } from '../../src/integrations/blueskyRichText.js';
import type { PublishRequest } from '../../src/integrations/types.js';
import { TINY_PNG } from '../fakes/httpFake.js';
import { startBlueskyFake, type BlueskyFake, type BlueskyFakeOptions } from '../fakes/blueskyFake.js';
import { classifiedFailureOf, providerOptions, trackedMediaHost, useStoppers } from '../helpers/integration.js';
import { progressStore, publishRequest, type ProgressStore } from '../helpers/publishRequest.js';
import { describeProviderContract } from './providerContract.js';

const stopAfterEach = useStoppers();

function providerFor(f: BlueskyFake, requestTimeoutMs = 2000) {
  return createBlueskyProvider(providerOptions({ BLUESKY: { apiUrl: f.url } }, requestTimeoutMs));
}

/** A channel connected to the fake: the provider, and what connect() answered (the credentials carry the session). */
async function connected(f: BlueskyFake, requestTimeoutMs = 2000) {
  const provider = providerFor(f, requestTimeoutMs);
  const account = await provider.connect({ identifier: f.handle, appPassword: f.appPassword });
  return { provider, account, credentials: account.credentials! };
}

/** A connected channel on a fake stopped after the test, and a publish through it. */
async function setup(opts: BlueskyFakeOptions = {}) {
  const f = stopAfterEach(await startBlueskyFake(opts));
  const { provider, account, credentials } = await connected(f);
  const publish = (overrides: Partial<PublishRequest> = {}, store: ProgressStore = progressStore(), creds: BlueskyCredentials = credentials) =>
    provider.publish(publishRequest({ text: 'Hello Bluesky', ...overrides }, store), { credentials: creds, settings: account.settings });
  return { f, provider, account, credentials, publish };
}

describeProviderContract<BlueskyCredentials>({
  platform: 'BLUESKY',
  renewal: 'refresh',
  idempotent: true,
  async start({ requestTimeoutMs }) {
    const fake = await startBlueskyFake();
    const { provider, credentials } = await connected(fake, requestTimeoutMs);
    return { fake, provider, credentials };
  },
});

describe('Bluesky credentials and connect', () => {
  it('names the bad credential fields', () => {
    const provider = createBlueskyProvider(providerOptions());
    expect(provider.credentialsSchema.safeParse({ identifier: 'alice.bsky.social', appPassword: 'xxxx-xxxx-xxxx-xxxx' }).success).toBe(true);
    const bad = provider.credentialsSchema.safeParse({ identifier: ' ', appPassword: '', service: 'ftp://pds.example', did: 'alice' });
    expect(bad.error?.issues.map((i) => i.path.join('.')).sort()).toEqual(['appPassword', 'did', 'identifier', 'service']);
  });

  it('opens a session with the app password and stores it with the credentials', async () => {
    const { f, account, credentials } = await setup({ handle: 'bob.test' });
    expect(account.accountHandle).toBe('@bob.test');
    expect(account.settings).toEqual({ did: f.did, handle: 'bob.test' });
    expect(credentials).toMatchObject({ identifier: 'bob.test', appPassword: f.appPassword, did: f.did });
    expect(credentials.accessJwt).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(f.log).toEqual(['POST com.atproto.server.createSession']);
  });

  it('reads when the session ends from the access JWT, and has no OAuth', async () => {
    const before = Date.now();
    const { provider, credentials } = await setup({ accessTokenSeconds: 600 });
    const after = Date.now();
    const exp = jwtClaims(credentials.accessJwt!)?.exp as number;
    const expiresAt = provider.credentialsExpireAt!(credentials)!;
    expect(expiresAt).toEqual(new Date(exp * 1000));
    // The session was opened during setup and lasts 600 s (exp is in whole seconds, so up to 1 s earlier).
    expect(expiresAt.getTime()).toBeGreaterThan(before + 600_000 - 1000);
    expect(expiresAt.getTime()).toBeLessThanOrEqual(after + 600_000);
    expect(provider.credentialsExpireAt!({ identifier: 'a', appPassword: 'b' })).toEqual(new Date(0));
    expect(provider.oauth).toBeUndefined();
  });

  it('a refused app password is AUTH and says what to do', async () => {
    const f = stopAfterEach(await startBlueskyFake());
    const provider = providerFor(f);
    const failure = await classifiedFailureOf(provider, provider.connect({ identifier: f.handle, appPassword: 'wrong' }));
    expect(failure).toMatchObject({ kind: 'AUTH', errorClass: 'BLUESKY_LOGIN_REFUSED', responseCode: 401 });
    expect(failure.message).toContain('Invalid identifier or password');
  });
});

describe('Bluesky session renewal', () => {
  it('refreshes with the refresh JWT (rotating it) without using the app password', async () => {
    const { f, provider, credentials } = await setup();
    const renewed = await provider.refresh!(credentials);
    expect(renewed.accessJwt).not.toBe(credentials.accessJwt);
    expect(renewed.refreshJwt).not.toBe(credentials.refreshJwt);
    expect(f.log.slice(1)).toEqual(['POST com.atproto.server.refreshSession']);
    // The old refresh token was used up; the new one works.
    await expect(provider.refresh!(renewed)).resolves.toMatchObject({ did: f.did });
  });

  it('opens a new session with the app password when the refresh JWT is refused', async () => {
    const { f, provider, credentials, publish } = await setup();
    f.expireAccessToken();
    f.expireRefreshTokens();
    const renewed = await provider.refresh!(credentials);
    expect(f.log.slice(1)).toEqual(['POST com.atproto.server.refreshSession', 'POST com.atproto.server.createSession']);
    await publish({}, progressStore(), renewed);
    expect(f.createdTexts()).toEqual(['Hello Bluesky']);
  });

  it('does not fall back to the app password when the PDS is down', async () => {
    const { f, provider, credentials } = await setup();
    f.failNext(1, { status: 503 }, 'refreshSession');
    const failure = await classifiedFailureOf(provider, provider.refresh!(credentials));
    expect(failure).toMatchObject({ kind: 'RETRYABLE', responseCode: 503 });
    expect(f.log.filter((l) => l.endsWith('createSession'))).toHaveLength(1);
  });

  it('an expired access token is a 400 ExpiredToken, read as AUTH', async () => {
    const { f, provider, publish } = await setup();
    f.expireAccessToken();
    const failure = await classifiedFailureOf(provider, publish());
    expect(failure).toMatchObject({ kind: 'AUTH', errorClass: 'BLUESKY_TOKEN_EXPIRED', responseCode: 400 });
  });
});

describe('Bluesky facets', () => {
  it('gives link facets UTF-8 byte offsets, after emoji and accents', () => {
    const text = 'Café 🎉 déjà vu: https://example.com/é?q=1 and #PostFlow!';
    const facets = detectFacets(text);
    const bytes = Buffer.from(text, 'utf8');
    expect(facets.map((f) => bytes.subarray(f.index.byteStart, f.index.byteEnd).toString('utf8'))).toEqual(['https://example.com/é?q=1', '#PostFlow']);
    // "Café 🎉 déjà vu: " is 17 UTF-16 units but 22 bytes (é 2, 🎉 4, é 2, à 2).
    expect(facets[0]?.index).toEqual({ byteStart: 22, byteEnd: 22 + Buffer.byteLength('https://example.com/é?q=1') });
    expect(facets[0]?.features).toEqual([{ $type: 'app.bsky.richtext.facet#link', uri: 'https://example.com/é?q=1' }]);
    expect(facets[1]?.features).toEqual([{ $type: 'app.bsky.richtext.facet#tag', tag: 'PostFlow' }]);
  });

  it('leaves numbers and mid-word "#" alone', () => {
    expect(detectFacets('Issue #42 and C# and a#b')).toEqual([]);
  });

  it('sends the facets with the post, and the PDS highlights exactly the link', async () => {
    const { f, publish } = await setup();
    await publish({ text: '👩‍👩‍👧 naïve read: https://bsky.app/profile/x then https://example.org.' });
    expect(f.posts[0]?.facetTexts).toEqual(['https://bsky.app/profile/x', 'https://example.org']);
  });
});

describe('Bluesky publish', () => {
  it('creates an app.bsky.feed.post under a TID it chose and saved first', async () => {
    const { f, publish } = await setup();
    const store = progressStore();
    const result = await publish({}, store);
    const [body] = f.createRequests;
    const rkey = store.saves[0]?.rkey as string;
    expect(store.saves).toEqual([{ rkey: expect.stringMatching(/^[2-7a-z]{13}$/) }]);
    expect(body).toMatchObject({ repo: f.did, collection: 'app.bsky.feed.post', rkey, record: { $type: 'app.bsky.feed.post', text: 'Hello Bluesky' } });
    expect(Date.parse((body?.record as { createdAt: string }).createdAt)).not.toBeNaN();
    expect(result).toMatchObject({ externalId: `at://${f.did}/app.bsky.feed.post/${rkey}`, externalUrl: `https://bsky.app/profile/${f.handle}/post/${rkey}`, responseCode: 200 });
  });

  it('generates sortable, distinct TIDs', () => {
    const keys = [nextTid(1_700_000_000_000), nextTid(1_700_000_000_000), nextTid(1_700_000_000_001)];
    expect(new Set(keys).size).toBe(3);
    expect([...keys].sort()).toEqual(keys);
  });

  it('a retry reuses the saved key and answers the post an earlier attempt made', async () => {
    const { f, publish } = await setup();
    const store = progressStore();
    const first = await publish({}, store);
    const again = await publish({}, store);
    expect(again.externalId).toBe(first.externalId);
    expect(f.posts).toHaveLength(1);
    expect(f.createRequests).toHaveLength(1);
    expect(f.log.filter((l) => l.endsWith('getRecord'))).toHaveLength(1);
  });

  it('a retry whose key is still free creates the post under that key', async () => {
    const { f, publish } = await setup();
    const store = progressStore();
    store.value = { rkey: '3kabcdefghij2' };
    const result = await publish({}, store);
    expect(result.externalId).toMatch(/\/3kabcdefghij2$/);
    expect(store.saves).toEqual([]);
    expect(f.posts.map((p) => p.rkey)).toEqual(['3kabcdefghij2']);
  });

  it('answers a duplicate key (the PDS’s 500) with the post already there', async () => {
    const { f, publish } = await setup();
    const store = progressStore();
    await publish({}, store);
    // getRecord missing it once (a lagging read), so the create runs into the existing record.
    f.failNext(1, { status: 400, body: { error: 'RecordNotFound', message: 'Could not locate record' } }, 'getRecord');
    const again = await publish({}, store);
    expect(f.createRequests).toHaveLength(2);
    expect(f.posts).toHaveLength(1);
    expect(again.externalId).toBe(f.posts[0]?.uri);
  });

  it('uploads images as raw bytes and embeds them', async () => {
    const { f, publish } = await setup();
    const host = await trackedMediaHost(stopAfterEach);
    await publish({ mediaUrls: [host.urlFor('one.png'), host.urlFor('two.png')] });
    expect(f.blobs.map((b) => [b.mimeType, b.bytes.equals(TINY_PNG)])).toEqual([
      ['image/png', true],
      ['image/png', true],
    ]);
    expect(f.posts[0]?.record.embed).toEqual({
      $type: 'app.bsky.embed.images',
      images: f.blobs.map((b) => ({ alt: '', image: { $type: 'blob', ref: { $link: b.cid }, mimeType: 'image/png', size: TINY_PNG.length } })),
    });
  });

  it('hints the limit when ratelimit-remaining reaches 0', async () => {
    // connect uses one request, so the post leaves none. The fake's windows follow a clock stopped at the start of
    // the next hour, so both requests fall in one window, which resets an hour after that (ahead of the real clock).
    const windowMs = 3600_000;
    const windowStart = Math.ceil(Date.now() / windowMs) * windowMs;
    const reset = windowStart + windowMs;
    const { publish } = await setup({ rateLimit: 2, rateLimitWindowSeconds: windowMs / 1000, rateLimitClock: () => windowStart });
    const before = Date.now();
    const result = await publish();
    const after = Date.now();
    expect(result.rateLimits).toEqual([{ scope: 'ACCOUNT', until: expect.any(Date) }]);
    // The announced reset, turned into a wait and back on the real clock while the answer was read.
    expect(result.rateLimits![0]!.until.getTime()).toBeGreaterThanOrEqual(reset);
    expect(result.rateLimits![0]!.until.getTime()).toBeLessThanOrEqual(reset + (after - before));
  });

  it('a post over 300 graphemes is refused by checkContent and by the PDS alike', async () => {
    const { f, provider, publish } = await setup();
    const text = `${'é'.repeat(299)}🎉`;
    expect(provider.checkContent({ text, mediaUrls: [] }, {}).violations).toEqual([]);
    await publish({ text });
    const tooLong = `${text}x`;
    expect(provider.checkContent({ text: tooLong, mediaUrls: [] }, {}).violations.map((v) => v.rule)).toEqual(['maxLength']);
    const failure = await classifiedFailureOf(provider, publish({ text: tooLong }));
    expect(failure).toMatchObject({ kind: 'PERMANENT', responseCode: 400, message: f.validationMessage });
  });
});
