import { describe, expect, it } from 'vitest';
import { pkcePair } from '../../src/integrations/oauth.js';
import { createPinterestProvider, pinLink, type PinterestCredentials } from '../../src/integrations/pinterest.js';
import type { PublishRequest } from '../../src/integrations/types.js';
import { startMediaHost } from '../fakes/httpFake.js';
import { startPinterestFake, type PinterestFake, type PinterestFakeOptions } from '../fakes/pinterestFake.js';
import { classifiedFailureOf, providerOptions, trackedMediaHost, useStoppers } from '../helpers/integration.js';
import { approve } from '../helpers/oauth.js';
import { publishRequest } from '../helpers/publishRequest.js';
import { describeProviderContract } from './providerContract.js';

function providerFor(fake: PinterestFake, requestTimeoutMs = 2000) {
  return createPinterestProvider(
    providerOptions({ PINTEREST: { apiUrl: fake.url, authUrl: fake.url, clientId: fake.clientId, clientSecret: fake.clientSecret } }, requestTimeoutMs),
  );
}

function credentialsFor(fake: PinterestFake, extra: Partial<PinterestCredentials> = {}): PinterestCredentials {
  return {
    accessToken: fake.accessToken,
    refreshToken: fake.refreshToken,
    expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    boardId: fake.boards[0]?.id ?? null,
    ...extra,
  };
}

describeProviderContract<PinterestCredentials>({
  platform: 'PINTEREST',
  renewal: 'refresh',
  idempotent: false,
  async start({ requestTimeoutMs }) {
    const fake = await startPinterestFake();
    const host = await startMediaHost();
    return { fake, provider: providerFor(fake, requestTimeoutMs), credentials: credentialsFor(fake), post: { mediaUrls: [host.urlFor('pin.png')] }, stop: () => host.stop() };
  },
});

const stopAfterEach = useStoppers();

async function fake(options: PinterestFakeOptions = {}): Promise<PinterestFake> {
  return stopAfterEach(await startPinterestFake(options));
}

/** A media host serving the named images, and their URLs. */
async function media(...names: string[]) {
  const host = await trackedMediaHost(stopAfterEach);
  return { host, mediaUrls: names.map((n) => host.urlFor(n)) };
}

function request(overrides: Partial<PublishRequest>): PublishRequest {
  return publishRequest({ text: 'Weeknight pasta', ...overrides });
}

describe('Pinterest publish', () => {
  it('creates a Pin on the board with the image URL, the text as description and its first URL as link', async () => {
    const f = await fake();
    const { host, mediaUrls } = await media('pasta.png');
    const text = 'Weeknight pasta, recipe at https://food.example/pasta?x=1. Also https://other.example';
    const result = await providerFor(f).publish(request({ text, mediaUrls }), { credentials: credentialsFor(f), settings: {} });
    expect(f.pins[0]?.body).toEqual({
      board_id: f.boards[0]!.id,
      description: text,
      link: 'https://food.example/pasta?x=1',
      media_source: { source_type: 'image_url', url: mediaUrls[0] },
    });
    expect(host.requests).toEqual(['/pasta.png']);
    expect(result).toEqual({ externalId: f.pins[0]?.id, externalUrl: `https://www.pinterest.com/pin/${f.pins[0]?.id}/`, responseCode: 201 });
  });

  it('sends 2-5 images as a multiple_image_urls carousel, and no link when the text has none', async () => {
    const f = await fake();
    const { mediaUrls } = await media('a.png', 'b.png', 'c.png');
    await providerFor(f).publish(request({ mediaUrls }), { credentials: credentialsFor(f), settings: {} });
    expect(f.pins[0]?.mediaSource).toEqual({ source_type: 'multiple_image_urls', items: mediaUrls.map((url) => ({ url })) });
    expect(f.pins[0]?.link).toBeNull();
  });

  it('uses the board recorded at connect time over the one in the credentials', async () => {
    const f = await fake();
    const { mediaUrls } = await media('a.png');
    await providerFor(f).publish(request({ mediaUrls }), { credentials: credentialsFor(f), settings: { boardId: f.boards[1]!.id } });
    expect(f.pins[0]?.boardId).toBe(f.boards[1]!.id);
  });

  it('skips a link Pinterest would refuse (over 2,048 characters)', () => {
    expect(pinLink(`see https://x.example/${'a'.repeat(2048)}`)).toBeNull();
    expect(pinLink('see https://x.example/ok).')).toBe('https://x.example/ok');
  });

  it('reports a used-up pins limit from the answer headers', async () => {
    const start = Date.now();
    const f = await fake({ pinsPerMinute: 1 });
    const { mediaUrls } = await media('a.png');
    const provider = providerFor(f);
    const result = await provider.publish(request({ mediaUrls }), { credentials: credentialsFor(f), settings: {} });
    expect(result.rateLimits).toHaveLength(1);
    expect(result.rateLimits?.[0]?.scope).toBe('ACCOUNT');
    const until = result.rateLimits![0]!.until.getTime();
    expect(until).toBeGreaterThan(start);
    expect(until).toBeLessThanOrEqual(Date.now() + 61_000);
    const failure = await classifiedFailureOf(provider, provider.publish(request({ mediaUrls }), { credentials: credentialsFor(f), settings: {} }));
    expect(failure.kind).toBe('RATE_LIMITED');
    expect(failure.retryAfterMs).toBeGreaterThan(0);
    expect(failure.retryAfterMs).toBeLessThanOrEqual(60_000);
  });
});

describe('Pinterest classifyFailure', () => {
  async function failWith(response: Parameters<PinterestFake['failNext']>[1]) {
    const f = await fake();
    const { mediaUrls } = await media('a.png');
    const provider = providerFor(f);
    f.failNext(1, response);
    const failure = await classifiedFailureOf(provider, provider.publish(request({ mediaUrls }), { credentials: credentialsFor(f), settings: {} }));
    expect(f.pins).toEqual([]);
    return failure;
  }

  it('an image Pinterest could not fetch is retryable (no Pin was made)', async () => {
    const f = await fake();
    const { mediaUrls } = await media('missing.png');
    const provider = providerFor(f);
    expect(await classifiedFailureOf(provider, provider.publish(request({ mediaUrls }), { credentials: credentialsFor(f), settings: {} }))).toMatchObject({
      kind: 'RETRYABLE',
      errorClass: 'MEDIA_FETCH_FAILED',
      responseCode: 400,
    });
  });

  it('a 429 prefers Retry-After; a spam block is PERMANENT', async () => {
    expect(await failWith({ status: 429, headers: { 'Retry-After': '9', 'x-ratelimit-reset': '600' }, body: { code: 8, message: 'Rate limited' } })).toMatchObject({
      kind: 'RATE_LIMITED',
      retryAfterMs: 9000,
    });
    expect(await failWith({ status: 429, body: { code: 2726, message: 'Your request was identified as spam.' } })).toMatchObject({
      kind: 'PERMANENT',
      errorClass: 'PINTEREST_SPAM',
    });
  });

  it('an expired token is AUTH with Pinterest’s message; a missing board is PERMANENT', async () => {
    expect(await failWith({ status: 401, body: { code: 2, message: 'Authentication failed.' } })).toMatchObject({
      kind: 'AUTH',
      message: expect.stringContaining('Authentication failed.'),
    });
    const f = await fake();
    const { mediaUrls } = await media('a.png');
    const provider = providerFor(f);
    expect(await classifiedFailureOf(provider, provider.publish(request({ mediaUrls }), { credentials: credentialsFor(f, { boardId: '1' }), settings: {} }))).toMatchObject({
      kind: 'PERMANENT',
      responseCode: 404,
      message: 'Board not found.',
    });
  });
});

describe('Pinterest connect', () => {
  it('reads the username and takes the first board when none is chosen', async () => {
    const f = await fake({ username: 'cook' });
    const account = await providerFor(f).connect(credentialsFor(f, { boardId: null }));
    expect(account.accountHandle).toBe('@cook/Recipes');
    expect(account.settings).toEqual({ username: 'cook', boardId: f.boards[0]!.id, boardName: 'Recipes' });
    expect(account.credentials?.boardId).toBe(f.boards[0]!.id);
    expect(f.log).toEqual(['GET /v5/user_account', 'GET /v5/boards']);
  });

  it('checks a chosen board, and refuses one the account does not have', async () => {
    const f = await fake();
    const provider = providerFor(f);
    expect((await provider.connect(credentialsFor(f, { boardId: f.boards[1]!.id }))).accountHandle).toBe('@alicepins/Travel');
    expect(await classifiedFailureOf(provider, provider.connect(credentialsFor(f, { boardId: '99' })))).toMatchObject({ kind: 'PERMANENT', errorClass: 'PINTEREST_NO_BOARD' });
  });

  it('refuses an account without boards', async () => {
    const f = await fake({ boards: [] });
    const provider = providerFor(f);
    expect(await classifiedFailureOf(provider, provider.connect(credentialsFor(f, { boardId: null })))).toMatchObject({ kind: 'PERMANENT', errorClass: 'PINTEREST_NO_BOARD' });
  });

  it('checks credentials: boardId must be numeric', () => {
    const bad = providerFor({ url: 'http://127.0.0.1:1' } as PinterestFake).credentialsSchema.safeParse({ accessToken: 't', boardId: 'recipes' });
    expect(bad.error?.issues.map((i) => i.path.join('.'))).toEqual(['boardId']);
  });
});

describe('Pinterest OAuth', () => {
  const redirectUri = 'https://postflow.example/oauth/callback';

  async function authorize(f: PinterestFake) {
    const provider = providerFor(f);
    const pkce = pkcePair();
    const url = provider.oauth!.authorizeUrl({ app: provider.oauth!.configuredApp()!, redirectUri, state: 'st-9', codeChallenge: pkce.challenge, instanceUrl: null });
    return { provider, pkce, url: new URL(url), ...(await approve(url)) };
  }

  it('sends the user to www.pinterest.com/oauth/ with comma-separated scopes and a PKCE challenge', async () => {
    const f = await fake();
    const { url, state, pkce } = await authorize(f);
    expect(`${url.origin}${url.pathname}`).toBe(`${f.url}/oauth/`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: f.clientId,
      redirect_uri: redirectUri,
      state: 'st-9',
      scope: 'boards:read,pins:read,pins:write,user_accounts:read',
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
    });
    expect(state).toBe('st-9');
  });

  it('exchanges the code with HTTP Basic client auth and the verifier, keeping the chosen board', async () => {
    const f = await fake();
    const { provider, pkce, code } = await authorize(f);
    const credentials = await provider.oauth!.finish({
      app: provider.oauth!.configuredApp()!,
      redirectUri,
      code,
      codeVerifier: pkce.verifier,
      instanceUrl: null,
      account: { boardId: f.boards[1]!.id },
      ownApp: false,
    });
    expect(f.tokenRequests[0]?.authorization).toBe(`Basic ${Buffer.from(`${f.clientId}:${f.clientSecret}`).toString('base64')}`);
    expect(f.tokenRequests[0]?.form.get('client_secret')).toBeNull();
    expect(credentials.boardId).toBe(f.boards[1]!.id);
    expect(Date.parse(credentials.expiresAt ?? '') - Date.now()).toBeGreaterThan(29 * 86_400_000);
    const account = await provider.connect(credentials);
    expect(account.accountHandle).toBe('@alicepins/Travel');
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

  it('stores the rotated refresh token, and the spent one no longer works', async () => {
    const f = await fake();
    const provider = providerFor(f);
    const first = await provider.refresh!(credentialsFor(f));
    expect(first.refreshToken).not.toBe(f.refreshToken);
    const second = await provider.refresh!(first);
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(await classifiedFailureOf(provider, provider.refresh!(credentialsFor(f)))).toMatchObject({ kind: 'AUTH', errorClass: 'REFRESH_REFUSED' });
  });
});
