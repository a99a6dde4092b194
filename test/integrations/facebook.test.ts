import { describe, expect, it } from 'vitest';
import { createFacebookProvider, type FacebookCredentials } from '../../src/integrations/facebook.js';
import { HttpFailure } from '../../src/integrations/http.js';
import { businessUseCaseWaitMs, classifyGraphFailure } from '../../src/integrations/metaGraph.js';
import { pkcePair } from '../../src/integrations/oauth.js';
import type { ProviderOptions } from '../../src/integrations/types.js';
import { serverError, startMetaGraphFake, type MetaGraphFake, type MetaGraphFakeOptions } from '../fakes/metaGraphFake.js';
import { classifiedFailureOf, providerOptions, trackedMediaHost, useStoppers } from '../helpers/integration.js';
import { approve } from '../helpers/oauth.js';
import { progressStore, publishRequest } from '../helpers/publishRequest.js';
import { describeProviderContract } from './providerContract.js';

function optionsFor(fake: MetaGraphFake, requestTimeoutMs = 2000): ProviderOptions {
  return providerOptions({ FACEBOOK: { apiUrl: fake.url, clientId: fake.appId, clientSecret: fake.appSecret } }, requestTimeoutMs);
}

const creds = (fake: MetaGraphFake, page = fake.pages[0]!): FacebookCredentials => ({ pageId: page.id, pageAccessToken: page.token });

describeProviderContract<FacebookCredentials>({
  platform: 'FACEBOOK',
  async start({ requestTimeoutMs }) {
    const fake = await startMetaGraphFake();
    return { fake: fake.contract('FACEBOOK'), provider: createFacebookProvider(optionsFor(fake, requestTimeoutMs)), credentials: creds(fake) };
  },
  renewal: { none: 'a Page token from a long-lived user token does not expire; reconnect when revoked' },
  idempotent: false,
});

const stopAfterEach = useStoppers();

async function setup(opts: MetaGraphFakeOptions = {}) {
  const fake = stopAfterEach(await startMetaGraphFake(opts));
  const host = await trackedMediaHost(stopAfterEach);
  return { fake, host, provider: createFacebookProvider(optionsFor(fake)) };
}

describe('Facebook publish', () => {
  it('posts text to /{page-id}/feed with the first link, and links the post', async () => {
    const { fake, provider } = await setup();
    const result = await provider.publish(publishRequest({ text: 'New beans: https://acme.test/beans today' }), { credentials: creds(fake), settings: {} });
    expect(fake.posts).toEqual([expect.objectContaining({ message: 'New beans: https://acme.test/beans today', link: 'https://acme.test/beans', photoIds: [] })]);
    expect(result).toMatchObject({ externalId: fake.posts[0]!.id, externalUrl: `https://www.facebook.com/${fake.posts[0]!.id}`, responseCode: 200 });
    expect(fake.log).toEqual([`POST /${fake.pages[0]!.id}/feed`]);
  });

  it('posts one image through /{page-id}/photos and answers the post id, not the photo id', async () => {
    const { fake, host, provider } = await setup();
    const result = await provider.publish(publishRequest({ text: 'Latte art', mediaUrls: [host.urlFor('latte.png')] }), { credentials: creds(fake), settings: {} });
    expect(fake.photos).toEqual([expect.objectContaining({ url: host.urlFor('latte.png'), published: true })]);
    expect(result.externalId).toBe(fake.posts[0]!.id);
    expect(result.externalId).not.toBe(fake.photos[0]!.id);
    expect(host.requests).toEqual(['/latte.png']);
  });

  it('uploads several images unpublished, checkpoints them, and attaches them to one feed post', async () => {
    const { fake, host, provider } = await setup();
    const store = progressStore();
    const mediaUrls = ['a.png', 'b.png', 'c.png'].map((n) => host.urlFor(n));
    const result = await provider.publish(publishRequest({ text: 'Three cups', mediaUrls }, store), { credentials: creds(fake), settings: {} });
    expect(fake.photos.map((p) => [p.url, p.published])).toEqual(mediaUrls.map((u) => [u, false]));
    expect(fake.posts).toEqual([expect.objectContaining({ message: 'Three cups', photoIds: fake.photos.map((p) => p.id) })]);
    expect(store.saves.at(-1)).toEqual({ photoIds: fake.photos.map((p) => p.id) });
    expect(result.externalId).toBe(fake.posts[0]!.id);
  });

  it('a retry after the feed call failed reuses the checkpointed photos', async () => {
    const { fake, host, provider } = await setup();
    const store = progressStore();
    const mediaUrls = [host.urlFor('a.png'), host.urlFor('b.png')];
    fake.failNext('fb_publish', serverError());
    const failure = await classifiedFailureOf(provider, provider.publish(publishRequest({ text: 'Two', mediaUrls }, store), { credentials: creds(fake), settings: {} }));
    expect(failure).toMatchObject({ kind: 'RETRYABLE', errorClass: 'META_2' });
    await provider.publish(publishRequest({ text: 'Two', mediaUrls }, store), { credentials: creds(fake), settings: {} });
    expect(fake.photos).toHaveLength(2);
    expect(fake.posts).toHaveLength(1);
  });

  it('an image Facebook cannot fetch is refused with its message', async () => {
    const { fake, host, provider } = await setup();
    const failure = await classifiedFailureOf(provider, provider.publish(publishRequest({ mediaUrls: [host.urlFor('missing.png')] }), { credentials: creds(fake), settings: {} }));
    expect(failure).toMatchObject({ kind: 'PERMANENT', errorClass: 'META_324', message: '(#324) Missing or invalid image file' });
  });

  it('reports the app limit as an APP hint when X-App-Usage reaches 100%, then honours code 4', async () => {
    const { fake, provider } = await setup({ appCallBudget: 1 });
    const before = Date.now();
    const result = await provider.publish(publishRequest(), { credentials: creds(fake), settings: {} });
    const after = Date.now();
    expect(result.rateLimits).toEqual([{ scope: 'APP', until: expect.any(Date) }]);
    // X-App-Usage names no reset: the app's hour-long window is assumed to start with the answer.
    expect(result.rateLimits![0]!.until.getTime()).toBeGreaterThanOrEqual(before + 3_600_000);
    expect(result.rateLimits![0]!.until.getTime()).toBeLessThanOrEqual(after + 3_600_000);
    const failure = await classifiedFailureOf(provider, provider.publish(publishRequest({ text: 'again' }), { credentials: creds(fake), settings: {} }));
    expect(failure).toMatchObject({ kind: 'RATE_LIMITED', rateLimitScope: 'APP', errorClass: 'META_4', retryAfterMs: 3_600_000 });
    expect(fake.posts).toHaveLength(1);
  });
});

describe('Facebook connect and login', () => {
  it('reads the Page name with the Page token; a bad token is AUTH', async () => {
    const { fake, provider } = await setup();
    expect(await provider.connect(creds(fake))).toEqual({ accountHandle: 'Acme Coffee', settings: { pageId: fake.pages[0]!.id, pageName: 'Acme Coffee' } });
    const failure = await classifiedFailureOf(provider, provider.connect({ ...creds(fake), pageAccessToken: 'nope' }));
    expect(failure).toMatchObject({ kind: 'AUTH', errorClass: 'META_190' });
    expect(failure.message).toContain('reconnect the channel');
  });

  it('authorizes with PKCE and finishes with the Page named in account, read with a long-lived user token', async () => {
    const { fake, provider } = await setup();
    const pkce = pkcePair();
    const app = provider.oauth!.configuredApp()!;
    const url = new URL(provider.oauth!.authorizeUrl({ app, redirectUri: 'https://postflow.test/cb', state: 'st4te', codeChallenge: pkce.challenge, instanceUrl: null }));
    expect(url.pathname).toBe('/v21.0/dialog/oauth');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: fake.appId,
      redirect_uri: 'https://postflow.test/cb',
      state: 'st4te',
      response_type: 'code',
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
    });
    expect(url.searchParams.get('scope')).toContain('pages_manage_posts');
    const { code, state } = await approve(url.href);
    expect(state).toBe('st4te');
    const second = fake.pages[1]!;
    const credentials = await provider.oauth!.finish({
      app,
      redirectUri: 'https://postflow.test/cb',
      code,
      codeVerifier: pkce.verifier,
      instanceUrl: null,
      account: { pageId: second.id },
      ownApp: false,
    });
    expect(credentials).toEqual({ pageId: second.id, pageAccessToken: second.token, appId: fake.appId });
    expect(fake.accountsReadWith).toEqual(['long']);
    expect(provider.credentialsExpireAt!(credentials)).toBeNull();
    expect(provider.appKey!(credentials)).toBe(`META:${fake.appId}`);
    expect(provider.refresh).toBeUndefined();
  });

  it('refuses a wrong PKCE verifier (AUTH) and a Page the login does not manage (PERMANENT)', async () => {
    const { fake, provider } = await setup();
    const app = provider.oauth!.configuredApp()!;
    const start = async () => {
      const pkce = pkcePair();
      const url = provider.oauth!.authorizeUrl({ app, redirectUri: 'https://postflow.test/cb', state: 's', codeChallenge: pkce.challenge, instanceUrl: null });
      const { code } = await approve(url);
      return { code, verifier: pkce.verifier };
    };
    const a = await start();
    const bad = await classifiedFailureOf(
      provider,
      provider.oauth!.finish({ app, redirectUri: 'https://postflow.test/cb', code: a.code, codeVerifier: 'wrong', instanceUrl: null, account: {}, ownApp: false }),
    );
    expect(bad).toMatchObject({ kind: 'AUTH', errorClass: 'LOGIN_REFUSED', message: expect.stringContaining('code_verifier') });
    const b = await start();
    const failure = await classifiedFailureOf(
      provider,
      provider.oauth!.finish({ app, redirectUri: 'https://postflow.test/cb', code: b.code, codeVerifier: b.verifier, instanceUrl: null, account: { pageId: '42' }, ownApp: false }),
    );
    expect(failure).toMatchObject({ kind: 'PERMANENT', errorClass: 'PAGE_NOT_FOUND' });
    expect(failure.message).toContain(`Acme Coffee (${fake.pages[0]!.id})`);
  });

  it('names the credential fields at fault', () => {
    const provider = createFacebookProvider(providerOptions());
    const bad = provider.credentialsSchema.safeParse({ pageId: 'acme', pageAccessToken: '' });
    expect(bad.error?.issues.map((i) => i.path.join('.')).sort()).toEqual(['pageAccessToken', 'pageId']);
  });
});

describe('Graph error classification', () => {
  const failure = (status: number, error: Record<string, unknown>, headers: Record<string, string> = {}) =>
    classifyGraphFailure(new HttpFailure('POST /{page-id}/feed', status, new Headers(headers), { error: { type: 'OAuthException', ...error } }), {
      label: 'Facebook',
      idempotent: false,
    });

  it('follows error.code, whatever the HTTP status', () => {
    expect(failure(400, { code: 190, error_subcode: 460, message: 'password changed' }).kind).toBe('AUTH');
    expect(failure(403, { code: 200, message: '(#200) Requires pages_manage_posts' }).kind).toBe('AUTH');
    expect(failure(400, { code: 17, message: 'User request limit reached' })).toMatchObject({ kind: 'RATE_LIMITED', rateLimitScope: 'ACCOUNT' });
    expect(failure(400, { code: 613, message: 'Calls to this api have exceeded the rate limit.' })).toMatchObject({ kind: 'RATE_LIMITED', rateLimitScope: 'ACCOUNT' });
    expect(failure(400, { code: 1, message: 'An unknown error occurred' }).kind).toBe('RETRYABLE');
    expect(failure(400, { code: 368, message: 'temporarily blocked' }).kind).toBe('RETRYABLE');
    expect(failure(400, { code: 100, message: '(#100) Invalid parameter' })).toMatchObject({ kind: 'PERMANENT', message: '(#100) Invalid parameter', errorClass: 'META_100' });
    expect(failure(400, { code: 9004, error_subcode: 2207052, message: 'The media could not be fetched from this uri' }).kind).toBe('RETRYABLE');
    expect(failure(400, { code: 4, error_subcode: 2207051, message: 'spam' }).kind).toBe('PERMANENT');
  });

  it('takes the wait from X-Business-Use-Case-Usage (minutes), else Retry-After', () => {
    const usage = JSON.stringify({ '1': [{ type: 'pages', call_count: 100, estimated_time_to_regain_access: 3 }], '2': [{ type: 'pages', estimated_time_to_regain_access: 7 }] });
    expect(businessUseCaseWaitMs(new Headers({ 'x-business-use-case-usage': usage }))).toBe(7 * 60_000);
    expect(failure(400, { code: 80001, message: 'too many calls' }, { 'x-business-use-case-usage': usage }).retryAfterMs).toBe(7 * 60_000);
    expect(failure(400, { code: 32, message: 'Page request limit reached' }, { 'retry-after': '30' }).retryAfterMs).toBe(30_000);
    expect(failure(400, { code: 32, message: 'Page request limit reached' }).retryAfterMs).toBeNull();
  });
});
