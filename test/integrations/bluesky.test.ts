import { describe, expect, it } from 'vitest';
import { createBlueskyProvider, type BlueskyCredentials } from '../../src/integrations/bluesky.js';
import { detectFacets, jwtClaims, nextTid } from '../../src/integrations/blueskyRichText.js';
import type { PublishRequest } from '../../src/integrations/types.js';
import { TINY_PNG } from '../fakes/httpFake.js';
import { startBlueskyFake, type BlueskyFake, type BlueskyFakeOptions } from '../fakes/blueskyFake.js';
import { rejection, trackedMediaHost, useStoppers } from '../helpers/integration.js';
import { progressStore, publishRequest, type ProgressStore } from '../helpers/publishRequest.js';
import { describeProviderContract } from './providerContract.js';

const stopAfterEach = useStoppers();

function providerFor(f: BlueskyFake, requestTimeoutMs = 2000) {
  return createBlueskyProvider({ requestTimeoutMs, telegramApiUrl: 'http://127.0.0.1:1', platforms: { BLUESKY: { apiUrl: f.url } } });
}

/** A connected channel: the provider, and the credentials connect() stored (with the session). */
async function setup(opts: BlueskyFakeOptions = {}, requestTimeoutMs = 2000) {
  const f = stopAfterEach(await startBlueskyFake(opts));
  const provider = providerFor(f, requestTimeoutMs);
  const account = await provider.connect({ identifier: f.handle, appPassword: f.appPassword });
  const credentials = account.credentials!;
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
    const provider = providerFor(fake, requestTimeoutMs);
    const account = await provider.connect({ identifier: fake.handle, appPassword: fake.appPassword });
    return { fake, provider, credentials: account.credentials! };
  },
});

describe('Bluesky credentials and connect', () => {
  it('names the bad credential fields', () => {
    const provider = createBlueskyProvider({ requestTimeoutMs: 1000, telegramApiUrl: 'http://127.0.0.1:1' });
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
    const { provider, credentials } = await setup({ accessTokenSeconds: 600 });
    const exp = jwtClaims(credentials.accessJwt!)?.exp as number;
    expect(provider.credentialsExpireAt!(credentials)).toEqual(new Date(exp * 1000));
    expect(provider.credentialsExpireAt!(credentials)!.getTime() - Date.now()).toBeLessThanOrEqual(600_000);
    expect(provider.credentialsExpireAt!({ identifier: 'a', appPassword: 'b' })).toEqual(new Date(0));
    expect(provider.oauth).toBeUndefined();
  });

  it('a refused app password is AUTH and says what to do', async () => {
    const f = stopAfterEach(await startBlueskyFake());
    const error = await rejection(providerFor(f).connect({ identifier: f.handle, appPassword: 'wrong' }));
    expect(providerFor(f).classifyFailure(error)).toMatchObject({ kind: 'AUTH', errorClass: 'BLUESKY_LOGIN_REFUSED', responseCode: 401 });
    expect(providerFor(f).classifyFailure(error).message).toContain('Invalid identifier or password');
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
    const error = await rejection(provider.refresh!(credentials));
    expect(provider.classifyFailure(error)).toMatchObject({ kind: 'RETRYABLE', responseCode: 503 });
    expect(f.log.filter((l) => l.endsWith('createSession'))).toHaveLength(1);
  });

  it('an expired access token is a 400 ExpiredToken, read as AUTH', async () => {
    const { f, provider, publish } = await setup();
    f.expireAccessToken();
    const failure = provider.classifyFailure(await rejection(publish()));
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
    // connect uses one request, so the post leaves none; an hour-long window so both fall in the same one.
    const { publish } = await setup({ rateLimit: 2, rateLimitWindowSeconds: 3600 });
    const result = await publish();
    expect(result.rateLimits).toHaveLength(1);
    expect(result.rateLimits?.[0]?.scope).toBe('ACCOUNT');
    expect(result.rateLimits![0]!.until.getTime()).toBeGreaterThan(Date.now());
    expect(result.rateLimits![0]!.until.getTime()).toBeLessThanOrEqual(Date.now() + 3600_000);
  });

  it('a post over 300 graphemes is refused by checkContent and by the PDS alike', async () => {
    const { f, provider, publish } = await setup();
    const text = `${'é'.repeat(299)}🎉`;
    expect(provider.checkContent({ text, mediaUrls: [] }, {}).violations).toEqual([]);
    await publish({ text });
    const tooLong = `${text}x`;
    expect(provider.checkContent({ text: tooLong, mediaUrls: [] }, {}).violations.map((v) => v.rule)).toEqual(['maxLength']);
    const failure = provider.classifyFailure(await rejection(publish({ text: tooLong })));
    expect(failure).toMatchObject({ kind: 'PERMANENT', responseCode: 400, message: f.validationMessage });
  });
});
