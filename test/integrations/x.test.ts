import { describe, expect, it } from 'vitest';
import { pkcePair } from '../../src/integrations/oauth.js';
import { X_SCOPES, createXProvider, type XCredentials } from '../../src/integrations/x.js';
import { startXFake, type XFake, type XFakeOptions } from '../fakes/xFake.js';
import { classifiedFailureOf, providerOptions, trackedMediaHost, useStoppers } from '../helpers/integration.js';
import { approve, openAuthorize } from '../helpers/oauth.js';
import { progressStore, publishRequest } from '../helpers/publishRequest.js';
import { describeProviderContract } from './providerContract.js';

function providerFor(fake: XFake, requestTimeoutMs = 2000, app: 'configured' | 'none' = 'configured') {
  const x = app === 'configured' ? { apiUrl: fake.url, clientId: fake.clientId, clientSecret: fake.clientSecret } : { apiUrl: fake.url };
  return createXProvider(providerOptions({ X: x }, requestTimeoutMs));
}

function credentialsOf(fake: XFake, options?: Parameters<XFake['issueTokens']>[0]): XCredentials {
  const { accessToken, refreshToken, expiresAt } = fake.issueTokens(options);
  return { accessToken, refreshToken, expiresAt };
}

describeProviderContract<XCredentials>({
  platform: 'X',
  renewal: 'refresh',
  idempotent: false,
  async start({ requestTimeoutMs }) {
    const fake = await startXFake();
    return { fake, provider: providerFor(fake, requestTimeoutMs), credentials: credentialsOf(fake) };
  },
});

const stopAfterEach = useStoppers();

async function fake(options: XFakeOptions = {}): Promise<XFake> {
  return stopAfterEach(await startXFake(options));
}

const settings = { userId: '1466796521412771840', username: 'alice' };

describe('X checkContent (weighted counting)', () => {
  const provider = createXProvider(providerOptions());
  const verdict = (text: string) => provider.checkContent({ text, mediaUrls: [] }, settings);

  it('counts a URL as 23 whatever its length, CJK as 2, an emoji sequence as 2', () => {
    expect(verdict(`Read https://example.com/${'a'.repeat(200)}`).counted).toBe(5 + 23);
    expect(verdict('日本語').counted).toBe(6);
    expect(verdict('😀').counted).toBe(2);
    expect(verdict('👨‍👩‍👧‍👦').counted).toBe(2);
    expect(verdict('héllo').counted).toBe(5);
  });

  it('allows 280 and refuses 281, with the counted length and the limit', () => {
    expect(verdict('a'.repeat(280)).violations).toEqual([]);
    expect(verdict('日'.repeat(140)).violations).toEqual([]);
    const over = verdict('日'.repeat(141));
    expect(over).toMatchObject({ counted: 282, limit: 280 });
    expect(over.violations).toEqual([expect.objectContaining({ field: 'content', rule: 'maxLength' })]);
    expect(verdict('a'.repeat(281)).violations.map((v) => v.rule)).toEqual(['maxLength']);
  });

  it('counts each post of a thread on its own', () => {
    expect(verdict(`${'a'.repeat(250)}\n---\n${'b'.repeat(250)}`).violations).toEqual([]);
    const bad = verdict(`short\n---\n${'b'.repeat(281)}`);
    expect(bad.violations).toHaveLength(1);
    expect(bad.violations[0]?.message).toMatch(/^Post 2 of the thread is 281/);
  });

  it('agrees with the fake: 140 CJK characters post, 141 are refused as PERMANENT', async () => {
    const f = await fake();
    const p = providerFor(f);
    await p.publish(publishRequest({ text: '日'.repeat(140) }), { credentials: credentialsOf(f), settings });
    expect(await classifiedFailureOf(p, p.publish(publishRequest({ text: '日'.repeat(141) }), { credentials: credentialsOf(f), settings }))).toMatchObject({
      kind: 'PERMANENT',
      responseCode: 403,
    });
    expect(f.tweets).toHaveLength(1);
  });
});

describe('X connect', () => {
  it('reads the user from /2/users/me', async () => {
    const f = await fake({ username: 'postflow_test' });
    const account = await providerFor(f).connect(credentialsOf(f));
    expect(account).toEqual({ accountHandle: '@postflow_test', settings: { userId: f.userId, username: 'postflow_test' } });
  });

  it('a bad token is AUTH', async () => {
    const f = await fake();
    const p = providerFor(f);
    const failure = await classifiedFailureOf(p, p.connect({ accessToken: 'nope' }));
    expect(failure).toMatchObject({ kind: 'AUTH', responseCode: 401 });
    expect(failure.message).toMatch(/reconnect the channel/);
  });
});

describe('X publish', () => {
  it('posts one tweet with the Bearer token and links to it under the username', async () => {
    const f = await fake();
    const credentials = credentialsOf(f);
    const result = await providerFor(f).publish(publishRequest({ text: 'Hello X' }), { credentials, settings });
    const [tweet] = f.tweets;
    expect(tweet).toMatchObject({ text: 'Hello X', reply_to: null, media_ids: [], authorization: `Bearer ${credentials.accessToken}` });
    expect(result).toEqual({ externalId: tweet?.id, externalUrl: `https://x.com/alice/status/${tweet?.id}`, responseCode: 201 });
    const anonymous = await providerFor(f).publish(publishRequest({ text: 'No username' }), { credentials, settings: {} });
    expect(anonymous.externalUrl).toBe(`https://x.com/i/web/status/${anonymous.externalId}`);
  });

  it('posts a 3-part thread as a reply chain, checkpointing each tweet', async () => {
    const f = await fake();
    const store = progressStore();
    const result = await providerFor(f).publish(publishRequest({ text: 'One\n---\nTwo\n---\nThree' }, store), { credentials: credentialsOf(f), settings });
    const [one, two, three] = f.tweets;
    expect(f.tweets.map((t) => [t.text, t.reply_to])).toEqual([
      ['One', null],
      ['Two', one?.id],
      ['Three', two?.id],
    ]);
    expect(result.externalId).toBe(one?.id);
    expect(store.saves).toEqual([{ tweetIds: [one?.id] }, { tweetIds: [one?.id, two?.id] }, { tweetIds: [one?.id, two?.id, three?.id] }]);
  });

  it('a thread interrupted after part 1 resumes on retry without reposting part 1', async () => {
    const f = await fake();
    const p = providerFor(f);
    const store = progressStore();
    const text = 'One\n---\nTwo\n---\nThree';
    f.failNext(1, { status: 503 }, 'tweets', (body) => body.text === 'Two');
    const failure = await classifiedFailureOf(p, p.publish(publishRequest({ text }, store), { credentials: credentialsOf(f), settings }));
    expect(failure).toMatchObject({ kind: 'RETRYABLE', responseCode: 503 });
    expect(failure.message).toMatch(/post 2 of the thread/);
    const first = f.tweets[0]!;
    expect(f.tweets).toHaveLength(1);
    expect(store.value).toEqual({ tweetIds: [first.id] });

    const result = await p.publish(publishRequest({ text }, store), { credentials: credentialsOf(f), settings });
    expect(result.externalId).toBe(first.id);
    expect(f.tweets.map((t) => t.text)).toEqual(['One', 'Two', 'Three']);
    expect(f.tweets[1]?.reply_to).toBe(first.id);
  });

  it('uploads images with POST /2/media/upload and attaches them to the first tweet only', async () => {
    const f = await fake();
    const host = await trackedMediaHost(stopAfterEach);
    const mediaUrls = [host.urlFor('one.png'), host.urlFor('two.png')];
    await providerFor(f).publish(publishRequest({ text: 'Pics\n---\nMore', mediaUrls }), { credentials: credentialsOf(f), settings });
    expect(host.requests).toEqual(['/one.png', '/two.png']);
    expect(f.media.map((m) => [m.contentType, m.media_category, m.size > 0])).toEqual([
      ['image/png', 'tweet_image', true],
      ['image/png', 'tweet_image', true],
    ]);
    expect(f.tweets[0]?.media_ids).toEqual(f.media.map((m) => m.id));
    expect(f.tweets[1]?.media_ids).toEqual([]);
  });

  it('an upload whose answer is lost is RETRYABLE, not UNKNOWN: no tweet was sent yet', async () => {
    const f = await fake();
    const host = await trackedMediaHost(stopAfterEach);
    const quick = providerFor(f, 300);
    f.failNext(1, { status: 0, noAnswer: true }, 'media');
    expect(await classifiedFailureOf(quick, quick.publish(publishRequest({ mediaUrls: [host.urlFor('slow.png')] }), { credentials: credentialsOf(f), settings }))).toMatchObject({
      kind: 'RETRYABLE',
      errorClass: 'TIMEOUT',
    });
    expect(f.tweets).toEqual([]);
  });

  it('a missing image is PERMANENT and posts nothing', async () => {
    const f = await fake();
    const host = await trackedMediaHost(stopAfterEach);
    const p = providerFor(f);
    expect(await classifiedFailureOf(p, p.publish(publishRequest({ mediaUrls: [host.urlFor('missing.png')] }), { credentials: credentialsOf(f), settings }))).toMatchObject({
      kind: 'PERMANENT',
      errorClass: 'MEDIA_FETCH_FAILED',
    });
    expect(f.tweets).toEqual([]);
  });
});

describe('X rate limits', () => {
  it('a 429 with the app limit exhausted is RATE_LIMITED with APP scope until its reset', async () => {
    const f = await fake();
    const p = providerFor(f);
    f.failNext(1, { status: 429, appLimit: true, resetInSeconds: 3600 });
    const failure = await classifiedFailureOf(p, p.publish(publishRequest(), { credentials: credentialsOf(f), settings }));
    expect(failure).toMatchObject({ kind: 'RATE_LIMITED', rateLimitScope: 'APP' });
    expect(failure.retryAfterMs).toBeGreaterThan(3_500_000);
    expect(failure.retryAfterMs).toBeLessThanOrEqual(3_601_000);
  });

  it('the app budget is shared: the last tweet it allows returns an APP hint, another channel on the app gets a 429 APP', async () => {
    const f = await fake({ appDailyLimit: 1 });
    const p = providerFor(f);
    const alice = credentialsOf(f); // two channels (token sets) on the operator's app
    const bob = credentialsOf(f);
    expect(p.appKey!(alice)).toBe(`X:${f.clientId}`);
    expect(p.appKey!(bob)).toBe(p.appKey!(alice));
    const result = await p.publish(publishRequest({ text: 'first' }), { credentials: alice, settings });
    expect(result.rateLimits).toEqual([{ scope: 'APP', until: expect.any(Date) }]);
    expect(result.rateLimits![0]!.until.getTime()).toBeGreaterThan(Date.now());
    const failure = await classifiedFailureOf(p, p.publish(publishRequest({ text: 'second' }), { credentials: bob, settings }));
    expect(failure).toMatchObject({ kind: 'RATE_LIMITED', rateLimitScope: 'APP' });
    expect(f.tweets).toHaveLength(1);
  });

  it('the user window used up returns an ACCOUNT hint until x-rate-limit-reset', async () => {
    const start = Date.now();
    const f = await fake({ userTweetLimit: 1 });
    const result = await providerFor(f).publish(publishRequest(), { credentials: credentialsOf(f), settings });
    expect(result.rateLimits).toEqual([{ scope: 'ACCOUNT', until: expect.any(Date) }]);
    const until = result.rateLimits![0]!.until.getTime();
    expect(until).toBeGreaterThan(start);
    expect(until).toBeLessThanOrEqual(Date.now() + 15 * 60 * 1000 + 1000);
  });

  it('names the app a channel brings, or the configured one, or default', async () => {
    const f = await fake();
    expect(providerFor(f).appKey!({ accessToken: 't', clientId: 'own-app', clientSecret: 's' })).toBe('X:own-app');
    expect(providerFor(f, 2000, 'none').appKey!({ accessToken: 't' })).toBe('X:default');
  });
});

describe('X classifyFailure', () => {
  it('duplicate content is PERMANENT with X’s message; an invalid request names the bad field', async () => {
    const f = await fake();
    const p = providerFor(f);
    await p.publish(publishRequest({ text: 'same' }), { credentials: credentialsOf(f), settings });
    const duplicate = await classifiedFailureOf(p, p.publish(publishRequest({ text: 'same' }), { credentials: credentialsOf(f), settings }));
    expect(duplicate).toMatchObject({ kind: 'PERMANENT', errorClass: 'X_DUPLICATE_CONTENT', message: f.validationMessage });
    f.failNext(1, {
      status: 400,
      body: {
        errors: [{ message: 'The `text` field is invalid.' }],
        title: 'Invalid Request',
        detail: 'One or more parameters to your request was invalid.',
        type: 'https://api.twitter.com/2/problems/invalid-request',
      },
    });
    const invalid = await classifiedFailureOf(p, p.publish(publishRequest({ text: 'x' }), { credentials: credentialsOf(f), settings }));
    expect(invalid).toMatchObject({ kind: 'PERMANENT', responseCode: 400, message: 'The `text` field is invalid.' });
  });

  it('a token without tweet.write is AUTH only when X says so; a plain 403 stays PERMANENT', async () => {
    const f = await fake();
    const p = providerFor(f);
    f.failNext(1, {
      status: 403,
      body: {
        title: 'Unsupported Authentication',
        detail: 'Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.',
        type: 'https://api.twitter.com/2/problems/unsupported-authentication',
        status: 403,
      },
    });
    expect((await classifiedFailureOf(p, p.publish(publishRequest(), { credentials: credentialsOf(f), settings }))).kind).toBe('AUTH');
    const readOnly = credentialsOf(f, { scopes: ['tweet.read', 'users.read'] });
    expect((await classifiedFailureOf(p, p.publish(publishRequest(), { credentials: readOnly, settings }))).kind).toBe('PERMANENT');
  });
});

describe('X OAuth 2.0 with PKCE', () => {
  it('authorizeUrl sends the user to /i/oauth2/authorize; finish trades the code and verifier for refreshable credentials', async () => {
    const f = await fake();
    const p = providerFor(f);
    const app = p.oauth!.configuredApp()!;
    expect(app).toEqual({ clientId: f.clientId, clientSecret: f.clientSecret });
    const pkce = pkcePair();
    const redirectUri = 'https://postflow.example/oauth/callback';
    const url = new URL(p.oauth!.authorizeUrl({ app, redirectUri, state: 'st-1', codeChallenge: pkce.challenge, instanceUrl: null }));
    expect(url.origin + url.pathname).toBe(`${f.url}/i/oauth2/authorize`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: f.clientId,
      redirect_uri: redirectUri,
      state: 'st-1',
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
      scope: X_SCOPES.join(' '),
    });

    const { code, state, redirect } = await approve(url.toString());
    expect(redirect.origin + redirect.pathname).toBe(redirectUri);
    expect(state).toBe('st-1');

    const credentials = await p.oauth!.finish({ app, redirectUri, code, codeVerifier: pkce.verifier, instanceUrl: null, account: {}, ownApp: false });
    expect(credentials).toEqual({ accessToken: expect.any(String), refreshToken: expect.any(String), expiresAt: expect.any(String) });
    expect(p.credentialsExpireAt!(credentials)!.getTime() - Date.now()).toBeGreaterThan(7_000_000);
    expect(f.tokenRequests).toEqual([
      expect.objectContaining({ grant_type: 'authorization_code', code_verifier: pkce.verifier, client_auth: 'basic', client_id: f.clientId, status: 200 }),
    ]);
    expect((await p.connect(credentials)).accountHandle).toBe('@alice');
  });

  it('finish is refused (AUTH) with a verifier that does not match the challenge', async () => {
    const f = await fake();
    const p = providerFor(f);
    const app = p.oauth!.configuredApp()!;
    const redirectUri = 'https://postflow.example/cb';
    const { code } = await approve(p.oauth!.authorizeUrl({ app, redirectUri, state: 's', codeChallenge: pkcePair().challenge, instanceUrl: null }));
    expect(
      await classifiedFailureOf(p, p.oauth!.finish({ app, redirectUri, code, codeVerifier: pkcePair().verifier, instanceUrl: null, account: {}, ownApp: false })),
    ).toMatchObject({ kind: 'AUTH', responseCode: 400 });
    expect(f.tokenRequests[0]?.status).toBe(400);
  });

  it('the authorize page refuses an unknown client, a plain challenge and a missing challenge', async () => {
    const f = await fake();
    const base = `${f.url}/i/oauth2/authorize?response_type=code&redirect_uri=https%3A%2F%2Fa.example%2Fcb&scope=tweet.read&state=s`;
    const { challenge } = pkcePair();
    expect((await openAuthorize(`${base}&client_id=${f.clientId}&code_challenge=${challenge}&code_challenge_method=S256`)).status).toBe(302);
    expect((await openAuthorize(`${base}&client_id=stranger&code_challenge=${challenge}&code_challenge_method=S256`)).status).toBe(400);
    expect((await openAuthorize(`${base}&client_id=${f.clientId}&code_challenge=${challenge}&code_challenge_method=plain`)).status).toBe(400);
    expect((await openAuthorize(`${base}&client_id=${f.clientId}&code_challenge_method=S256`)).status).toBe(400);
  });

  it('a channel’s own public app: client_id in the form, and the app kept with the credentials', async () => {
    const f = await fake({ apps: [{ clientId: 'own-public', clientSecret: null }] });
    const p = providerFor(f);
    const app = { clientId: 'own-public', clientSecret: null };
    const pkce = pkcePair();
    const redirectUri = 'https://postflow.example/cb';
    const { code } = await approve(p.oauth!.authorizeUrl({ app, redirectUri, state: 's', codeChallenge: pkce.challenge, instanceUrl: null }));
    const credentials = await p.oauth!.finish({ app, redirectUri, code, codeVerifier: pkce.verifier, instanceUrl: null, account: {}, ownApp: true });
    expect(credentials).toMatchObject({ clientId: 'own-public', clientSecret: null });
    expect(f.tokenRequests[0]).toMatchObject({ client_auth: 'body', client_id: 'own-public' });
    expect(p.appKey!(credentials)).toBe('X:own-public');
    const renewed = await p.refresh!(credentials);
    expect(f.tokenRequests[1]).toMatchObject({ grant_type: 'refresh_token', client_auth: 'body', client_id: 'own-public', status: 200 });
    await p.publish(publishRequest(), { credentials: renewed, settings });
    expect(f.tweets[0]?.clientId).toBe('own-public');
  });

  it('refresh rotates the refresh token: the old one stops working, the new one works', async () => {
    const f = await fake();
    const p = providerFor(f);
    const original = credentialsOf(f);
    const renewed = await p.refresh!(original);
    expect(renewed.refreshToken).not.toBe(original.refreshToken);
    expect(renewed.accessToken).not.toBe(original.accessToken);
    expect(f.tokenRequests[0]).toMatchObject({ grant_type: 'refresh_token', client_auth: 'basic', refresh_token: original.refreshToken });
    const reused = await classifiedFailureOf(p, p.refresh!(original));
    expect(reused).toMatchObject({ kind: 'AUTH', responseCode: 400 });
    const again = await p.refresh!(renewed);
    await p.publish(publishRequest(), { credentials: again, settings });
    expect(f.tweets).toHaveLength(1);
  });
});
