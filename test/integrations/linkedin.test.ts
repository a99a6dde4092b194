import { describe, expect, it } from 'vitest';
import { LINKEDIN_VERSION, createLinkedInProvider, toLittleText, type LinkedInCredentials } from '../../src/integrations/linkedin.js';
import { pkcePair } from '../../src/integrations/oauth.js';
import type { AuthorizeRequest } from '../../src/integrations/types.js';
import { readLittle, startLinkedInFake, type LinkedInFake, type LinkedInFakeOptions } from '../fakes/linkedinFake.js';
import { classifiedFailureOf, providerOptions, trackedMediaHost, useStoppers } from '../helpers/integration.js';
import { approve } from '../helpers/oauth.js';
import { progressStore, publishRequest } from '../helpers/publishRequest.js';
import { describeProviderContract } from './providerContract.js';

function providerFor(fake: LinkedInFake, requestTimeoutMs = 2000) {
  return createLinkedInProvider(providerOptions({ LINKEDIN: { apiUrl: fake.url, authUrl: fake.url, clientId: fake.clientId, clientSecret: fake.clientSecret } }, requestTimeoutMs));
}

function credentialsFor(fake: LinkedInFake, extra: Partial<LinkedInCredentials> = {}): LinkedInCredentials {
  return { accessToken: fake.accessToken, refreshToken: fake.refreshToken, expiresAt: new Date(Date.now() + 86_400_000).toISOString(), memberId: fake.memberId, ...extra };
}

describeProviderContract<LinkedInCredentials>({
  platform: 'LINKEDIN',
  renewal: 'refresh',
  idempotent: false,
  async start({ requestTimeoutMs }) {
    const fake = await startLinkedInFake();
    return { fake, provider: providerFor(fake, requestTimeoutMs), credentials: credentialsFor(fake) };
  },
});

const stopAfterEach = useStoppers();

async function fake(options: LinkedInFakeOptions = {}): Promise<LinkedInFake> {
  return stopAfterEach(await startLinkedInFake(options));
}

describe('LinkedIn little text', () => {
  const tricky = 'Launch (beta) by @alice: 50% off *today* ~ [x] <y> a_b {z} | back\\slash #launch #2 see https://ex.com/a_b#frag';

  it('escapes every reserved character and turns #word into the hashtag template', () => {
    expect(toLittleText('a (b) @c')).toBe('a \\(b\\) \\@c');
    expect(toLittleText('#launch day')).toBe('{hashtag|\\#|launch} day');
    expect(toLittleText('#my_tag')).toBe('{hashtag|\\#|my\\_tag}');
    // Not hashtags: a number, a URL fragment, an entity.
    expect(toLittleText('#2 x.com/#a &#39;')).toBe('\\#2 x.com/\\#a &\\#39;');
  });

  it('reads back as the original text, with the hashtags as hashtags', () => {
    expect(readLittle(toLittleText(tricky))).toEqual({ text: tricky, hashtags: ['launch'] });
  });

  it('is needed: unescaped, LinkedIn cuts the post at the first reserved character', () => {
    expect(readLittle(tricky).text).toBe('Launch ');
  });
});

describe('LinkedIn publish', () => {
  it('posts with the version headers, the member author and the Posts API body', async () => {
    const f = await fake();
    const result = await providerFor(f).publish(publishRequest({ text: 'Ship it (today) #launch' }), { credentials: credentialsFor(f), settings: {} });
    const [post] = f.posts;
    expect(post?.headers['linkedin-version']).toBe(LINKEDIN_VERSION);
    expect(post?.headers['x-restli-protocol-version']).toBe('2.0.0');
    expect(post?.headers.authorization).toBe(`Bearer ${f.accessToken}`);
    expect(post?.body).toEqual({
      author: `urn:li:person:${f.memberId}`,
      commentary: 'Ship it \\(today\\) {hashtag|\\#|launch}',
      visibility: 'PUBLIC',
      distribution: { feedDistribution: 'MAIN_FEED', targetEntities: [], thirdPartyDistributionChannels: [] },
      lifecycleState: 'PUBLISHED',
      isReshareDisabledByAuthor: false,
    });
    expect(post).toMatchObject({ text: 'Ship it (today) #launch', hashtags: ['launch'] });
    expect(result).toEqual({ externalId: post?.urn, externalUrl: `https://www.linkedin.com/feed/update/${post?.urn}/`, responseCode: 201 });
  });

  it('posts as the organization when one is chosen, and asks userinfo only when the member id is unknown', async () => {
    const f = await fake();
    const provider = providerFor(f);
    await provider.publish(publishRequest(), { credentials: credentialsFor(f, { organizationId: '2414183' }), settings: {} });
    expect(f.posts[0]?.author).toBe('urn:li:organization:2414183');
    expect(f.log).not.toContain('GET /v2/userinfo');
    await provider.publish(publishRequest(), { credentials: credentialsFor(f, { memberId: null }), settings: {} });
    expect(f.posts[1]?.author).toBe(`urn:li:person:${f.memberId}`);
    expect(f.log).toContain('GET /v2/userinfo');
  });

  it('uploads one image through the Images API and attaches it as media', async () => {
    const f = await fake();
    const host = await trackedMediaHost(stopAfterEach);
    await providerFor(f).publish(publishRequest({ mediaUrls: [host.urlFor('one.png')] }), { credentials: credentialsFor(f), settings: {} });
    expect(f.images).toEqual([expect.objectContaining({ owner: `urn:li:person:${f.memberId}`, contentType: 'image/png', uploaded: true })]);
    expect(f.images[0]?.bytes).toBeGreaterThan(0);
    expect(f.posts[0]?.content).toEqual({ media: { id: f.images[0]?.urn } });
  });

  it('posts several images as a multiImage post, owned by the organization when it is the author', async () => {
    const f = await fake();
    const host = await trackedMediaHost(stopAfterEach);
    const mediaUrls = ['a.png', 'b.png', 'c.png'].map((n) => host.urlFor(n));
    await providerFor(f).publish(publishRequest({ mediaUrls }), { credentials: credentialsFor(f, { organizationId: 'urn:li:organization:2414183' }), settings: {} });
    expect(host.requests).toEqual(['/a.png', '/b.png', '/c.png']);
    expect(f.images.map((i) => i.owner)).toEqual(Array(3).fill('urn:li:organization:2414183'));
    expect(f.posts[0]?.content).toEqual({ multiImage: { images: f.images.map((i) => ({ id: i.urn })) } });
  });

  it('checkpoints uploaded images so a retry after a failed post does not upload them again', async () => {
    const f = await fake();
    const host = await trackedMediaHost(stopAfterEach);
    const provider = providerFor(f);
    const store = progressStore();
    const mediaUrls = [host.urlFor('a.png'), host.urlFor('b.png')];
    f.failNext(1, { status: 503, body: { status: 503, message: 'Service Unavailable' } });
    expect((await classifiedFailureOf(provider, provider.publish(publishRequest({ mediaUrls }, store), { credentials: credentialsFor(f), settings: {} }))).kind).toBe('RETRYABLE');
    expect(store.value).toEqual({ author: `urn:li:person:${f.memberId}`, images: f.images.map((i) => i.urn) });
    await provider.publish(publishRequest({ mediaUrls }, store), { credentials: credentialsFor(f), settings: {} });
    expect(f.images).toHaveLength(2);
    expect(host.requests).toHaveLength(2);
    expect(f.posts[0]?.content).toEqual({ multiImage: { images: f.images.map((i) => ({ id: i.urn })) } });
  });

  it('a failure while uploading is retryable: nothing was posted', async () => {
    const f = await fake();
    const host = await trackedMediaHost(stopAfterEach);
    const provider = providerFor(f);
    f.failNext(1, { status: 500 }, 'upload');
    expect(
      await classifiedFailureOf(provider, provider.publish(publishRequest({ mediaUrls: [host.urlFor('a.png')] }), { credentials: credentialsFor(f), settings: {} })),
    ).toMatchObject({ kind: 'RETRYABLE', responseCode: 500 });
    expect(f.posts).toEqual([]);
  });
});

describe('LinkedIn classifyFailure', () => {
  const DAY_MS = 24 * 60 * 60 * 1000;

  async function failWith(response: Parameters<LinkedInFake['failNext']>[1]) {
    const f = await fake();
    const provider = providerFor(f);
    f.failNext(1, response);
    return classifiedFailureOf(provider, provider.publish(publishRequest(), { credentials: credentialsFor(f), settings: {} }));
  }

  it('a 429 without Retry-After waits for the daily reset at midnight UTC', async () => {
    const before = Date.now();
    const failure = await failWith({ status: 429, body: { status: 429, message: 'Resource level throttle limit for calls to this resource is reached.' } });
    const after = Date.now();
    expect(failure).toMatchObject({ kind: 'RATE_LIMITED', rateLimitScope: 'ACCOUNT' });
    const wait = failure.retryAfterMs!;
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(DAY_MS);
    // The wait ends on a UTC midnight, counted from some instant of the call (which may cross midnight itself).
    const lastMidnight = (t: number) => Math.floor(t / DAY_MS) * DAY_MS;
    expect(lastMidnight(after + wait)).toBeGreaterThanOrEqual(before + wait);
  });

  it('the application day limit is counted against the app', async () => {
    const failure = await failWith({ status: 429, body: { status: 429, message: 'Resource level throttle APPLICATION DAY limit for calls to this resource is reached.' } });
    expect(failure).toMatchObject({ kind: 'RATE_LIMITED', rateLimitScope: 'APP' });
  });

  it('an expired token is AUTH with LinkedIn’s message; a missing permission is AUTH too', async () => {
    const f = await fake();
    const provider = providerFor(f);
    f.expireAccessToken();
    const expired = await classifiedFailureOf(provider, provider.publish(publishRequest(), { credentials: credentialsFor(f), settings: {} }));
    expect(expired).toMatchObject({ kind: 'AUTH', responseCode: 401 });
    expect(expired.message).toContain('The token used in the request has expired');
    const memberOnly = { ...credentialsFor(f), accessToken: f.issueToken(['openid', 'profile', 'w_member_social']), organizationId: '2414183' };
    const forbidden = await classifiedFailureOf(provider, provider.publish(publishRequest(), { credentials: memberOnly, settings: {} }));
    expect(forbidden).toMatchObject({ kind: 'AUTH', responseCode: 403 });
  });

  it('422 and an inactive version are PERMANENT with LinkedIn’s message', async () => {
    expect(await failWith({ status: 422, body: { status: 422, message: 'Content is a duplicate of urn:li:share:1' } })).toMatchObject({
      kind: 'PERMANENT',
      message: 'Content is a duplicate of urn:li:share:1',
    });
    expect(await failWith({ status: 426, body: { status: 426, code: 'NONEXISTENT_VERSION', message: 'Requested version 202101 is not active' } })).toMatchObject({
      kind: 'PERMANENT',
      responseCode: 426,
    });
  });
});

describe('LinkedIn connect', () => {
  it('names the member, records the author and fills in the member id', async () => {
    const f = await fake({ memberName: 'Bob Builder' });
    const account = await providerFor(f).connect(credentialsFor(f, { memberId: null }));
    expect(account.accountHandle).toBe('Bob Builder');
    expect(account.settings).toMatchObject({ authorUrn: `urn:li:person:${f.memberId}` });
    expect(account.credentials?.memberId).toBe(f.memberId);
  });

  it('names the organization from /rest/organizations, or by its id when that is not readable', async () => {
    const f = await fake({ organizations: [{ id: '42', name: 'Acme' }] });
    const account = await providerFor(f).connect(credentialsFor(f, { organizationId: '42' }));
    expect(account).toMatchObject({ accountHandle: 'Acme (organization 42)', settings: { authorUrn: 'urn:li:organization:42', organizationId: '42' } });
    const hidden = await fake({ organizations: [{ id: '42', name: 'Acme' }], organizationLookup: false });
    expect((await providerFor(hidden).connect(credentialsFor(hidden, { organizationId: '42' }))).accountHandle).toBe('organization 42');
    const missing = providerFor(f);
    expect(await classifiedFailureOf(missing, missing.connect(credentialsFor(f, { organizationId: '7' })))).toMatchObject({
      kind: 'PERMANENT',
      errorClass: 'ORGANIZATION_NOT_FOUND',
    });
  });

  it('checks credentials: organizationId must be numeric or an organization URN', () => {
    const provider = createLinkedInProvider(providerOptions());
    expect(provider.credentialsSchema.safeParse({ accessToken: 't', organizationId: 'urn:li:organization:5' }).success).toBe(true);
    const bad = provider.credentialsSchema.safeParse({ accessToken: '', organizationId: 'acme' });
    expect(bad.error?.issues.map((i) => i.path.join('.')).sort()).toEqual(['accessToken', 'organizationId']);
  });
});

describe('LinkedIn OAuth', () => {
  const redirectUri = 'https://postflow.example/oauth/callback';

  async function authorize(f: LinkedInFake, extra: Partial<AuthorizeRequest> & { account?: Record<string, unknown> } = {}) {
    const provider = providerFor(f);
    const pkce = pkcePair();
    const url = provider.oauth!.authorizeUrl({
      app: provider.oauth!.configuredApp()!,
      redirectUri,
      state: 'st-1',
      codeChallenge: pkce.challenge,
      instanceUrl: null,
      ...extra,
    } as AuthorizeRequest);
    return { provider, pkce, url: new URL(url), ...(await approve(url)) };
  }

  it('sends the member to the authorization page with the scopes and a PKCE challenge', async () => {
    const f = await fake();
    const { url, state, pkce } = await authorize(f);
    expect(`${url.origin}${url.pathname}`).toBe(`${f.url}/oauth/v2/authorization`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: f.clientId,
      redirect_uri: redirectUri,
      state: 'st-1',
      scope: 'openid profile w_member_social',
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
    });
    expect(state).toBe('st-1');
  });

  it('asks for the organization scopes when the chosen account is an organization', async () => {
    const f = await fake();
    const { url } = await authorize(f, { account: { organizationId: '2414183' } });
    expect(url.searchParams.get('scope')).toBe('openid profile w_member_social w_organization_social r_organization_social');
  });

  it('exchanges the code with the verifier for credentials that connect and publish', async () => {
    const f = await fake();
    const { provider, pkce, code } = await authorize(f);
    const credentials = await provider.oauth!.finish({
      app: provider.oauth!.configuredApp()!,
      redirectUri,
      code,
      codeVerifier: pkce.verifier,
      instanceUrl: null,
      account: {},
      ownApp: false,
    });
    expect(f.tokenRequests[0]?.form.get('client_secret')).toBe(f.clientSecret);
    expect(credentials.refreshToken).toBeTruthy();
    expect(Date.parse(credentials.expiresAt ?? '') - Date.now()).toBeGreaterThan(59 * 86_400_000);
    expect(credentials.clientId).toBeUndefined();
    const account = await provider.connect(credentials);
    await provider.publish(publishRequest(), { credentials: account.credentials!, settings: account.settings });
    expect(f.posts).toHaveLength(1);
  });

  it('keeps the chosen organization and the channel’s own app', async () => {
    const f = await fake();
    const { provider, pkce, code } = await authorize(f);
    const app = { clientId: f.clientId, clientSecret: f.clientSecret };
    const credentials = await provider.oauth!.finish({
      app,
      redirectUri,
      code,
      codeVerifier: pkce.verifier,
      instanceUrl: null,
      account: { organizationId: 2414183 },
      ownApp: true,
    });
    expect(credentials).toMatchObject({ organizationId: '2414183', clientId: f.clientId, clientSecret: f.clientSecret });
    expect(provider.appKey!(credentials)).toBe(`LINKEDIN:${f.clientId}`);
  });

  it('refuses a code presented with the wrong verifier', async () => {
    const f = await fake();
    const { provider, code } = await authorize(f);
    expect(
      await classifiedFailureOf(
        provider,
        provider.oauth!.finish({ app: provider.oauth!.configuredApp()!, redirectUri, code, codeVerifier: pkcePair().verifier, instanceUrl: null, account: {}, ownApp: false }),
      ),
    ).toMatchObject({ kind: 'AUTH', responseCode: 400 });
  });

  it('cannot renew without a refresh token (LinkedIn issues them to approved apps only)', async () => {
    const f = await fake();
    const provider = providerFor(f);
    expect(await classifiedFailureOf(provider, provider.refresh!(credentialsFor(f, { refreshToken: null })))).toMatchObject({ kind: 'AUTH', errorClass: 'NO_REFRESH_TOKEN' });
    const renewed = await provider.refresh!(credentialsFor(f));
    expect(renewed.refreshToken).toBe(f.refreshToken);
    expect(provider.credentialsExpireAt!(renewed)?.toISOString()).toBe(renewed.expiresAt);
  });
});
