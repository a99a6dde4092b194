// Connecting accounts through the network's authorization page, end to end: PostFlow's API, a browser following the
// redirects, and the network's fake authorize and token endpoints, which check PKCE.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startXFake, type XFake } from './fakes/xFake.js';
import { startMastodonFake } from './fakes/mastodonFake.js';
import { signUp, startTestApp, type TestApp } from './helpers/testApp.js';
import { createPost, waitForDelivery } from './helpers/scenario.js';
import { issuesOf, storedCredentials, xEnv } from './helpers/api.js';
import { approve, connectThroughOAuth, FINISH, REDIRECT_URI, START } from './helpers/oauth.js';

let t: TestApp;
let x: XFake;

beforeAll(async () => {
  x = await startXFake();
  t = await startTestApp({ env: xEnv(x) });
});
afterAll(async () => {
  await t?.stop();
  await x?.stop();
});

const issues = (result: Awaited<ReturnType<TestApp['gql']>>) => issuesOf(result).map((i) => [i.path, i.rule]);

describe('connectChannelStart / connectChannelFinish', () => {
  it('connects an X account through its authorization page, PKCE checked by the network, and publishes with it', async () => {
    const token = await signUp(t);
    const { connectChannelStart: started } = await t.ok(START, { input: { platform: 'X', redirectUri: REDIRECT_URI, name: 'Brand on X', timezone: 'Europe/Berlin' } }, token);
    const authorize = new URL(started.authorizeUrl);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${x.url}/i/oauth2/authorize`);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: x.clientId,
      redirect_uri: REDIRECT_URI,
      state: started.state,
      code_challenge_method: 'S256',
    });
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const { code, state, redirect } = await approve(started.authorizeUrl);
    expect(`${redirect.origin}${redirect.pathname}`).toBe(REDIRECT_URI);
    expect(state).toBe(started.state);
    const { connectChannelFinish: channel } = await t.ok(FINISH, { state, code }, token);
    expect(channel).toMatchObject({ platform: 'X', name: 'Brand on X', accountHandle: `@${x.username}`, timezone: 'Europe/Berlin', needsReconnect: false });
    expect(Date.parse(channel.accessExpiresAt) - Date.now()).toBeGreaterThan(3_600_000);

    // The network saw the verifier whose challenge was in the URL, and the tokens are only stored sealed.
    const exchange = x.tokenRequests.at(-1)!;
    expect(exchange).toMatchObject({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_auth: 'basic', status: 200 });
    expect(exchange.code_verifier).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
    const { row, credentials } = await storedCredentials(t, channel.id);
    expect(credentials).toMatchObject({ accessToken: expect.any(String), refreshToken: expect.any(String) });
    expect(row.credentialsEncrypted).not.toContain(credentials.accessToken as string);
    expect(row.appKey).toBe(`X:${x.clientId}`);
    expect(await t.app.database.prisma.oAuthState.count({ where: { state } })).toBe(0);

    const post = await createPost(t, token, { content: 'Hello from an OAuth channel', channelIds: [channel.id], publishNow: true });
    expect((await waitForDelivery(t, token, post.id, ['PUBLISHED', 'FAILED'])).status).toBe('PUBLISHED');
    expect(x.tweets.map((tw) => tw.text)).toContain('Hello from an OAuth channel');
  });

  it('uses a state once, and only in the workspace that started it', async () => {
    const token = await signUp(t);
    const stranger = await signUp(t);
    const { connectChannelStart } = await t.ok(START, { input: { platform: 'X', redirectUri: REDIRECT_URI } }, token);
    const { code, state } = await approve(connectChannelStart.authorizeUrl);
    expect(issues(await t.gql(FINISH, { state, code }, stranger))).toEqual([[['state'], 'unknown']]);
    await t.ok(FINISH, { state, code }, token);
    expect(issues(await t.gql(FINISH, { state, code }, token))).toEqual([[['state'], 'unknown']]);
  });

  it('reports a code the network refuses on the code field, with its reason', async () => {
    const token = await signUp(t);
    const { connectChannelStart } = await t.ok(START, { input: { platform: 'X', redirectUri: REDIRECT_URI } }, token);
    const result = await t.gql(FINISH, { state: connectChannelStart.state, code: 'not-a-code-the-network-issued' }, token);
    expect(issues(result)).toEqual([[['code'], 'exchange']]);
    expect(issuesOf(result)[0]!.message).toMatch(/X refused the authorization/);
    expect((await t.ok(`{ channels { id } }`, {}, token)).channels).toEqual([]);
  });

  it('refuses a start that cannot work, naming each field', async () => {
    const token = await signUp(t);
    const other = await signUp(t);
    const { connectChannelStart } = await t.ok(START, { input: { platform: 'X', redirectUri: REDIRECT_URI } }, other);
    const { code, state } = await approve(connectChannelStart.authorizeUrl);
    const { connectChannelFinish: foreign } = await t.ok(FINISH, { state, code }, other);
    expect(issues(await t.gql(START, { input: { platform: 'TELEGRAM', redirectUri: REDIRECT_URI } }, token))).toEqual([[['input', 'platform'], 'oauth']]);
    expect(issues(await t.gql(START, { input: { platform: 'X', redirectUri: 'not a url', timezone: 'Mars/Base' } }, token))).toEqual([
      [['input', 'redirectUri'], 'url'],
      [['input', 'timezone'], 'timezone'],
    ]);
    expect(issues(await t.gql(START, { input: { platform: 'MASTODON', redirectUri: REDIRECT_URI } }, token))).toEqual([[['input', 'instanceUrl'], 'required']]);
    expect(issues(await t.gql(START, { input: { platform: 'X', redirectUri: REDIRECT_URI, channelId: foreign.id } }, token))).toEqual([[['input', 'channelId'], 'exists']]);
  });

  it('reconnects the channel of an account connected again, and a reconnect keeps the refresh token', async () => {
    const token = await signUp(t);
    const first = await connectThroughOAuth(t, token, { platform: 'X' });
    const again = await connectThroughOAuth(t, token, { platform: 'X', name: 'ignored on reconnect' });
    expect(again.id).toBe(first.id);
    expect(again.name).toBe(first.name);
    const { credentials: before } = await storedCredentials(t, first.id);

    // New credentials without a refresh token (pasted by hand, say) must not lose the one the channel has.
    const fresh = x.issueTokens();
    await t.ok(
      `mutation($id: ID!, $input: UpdateChannelInput!) { updateChannel(id: $id, input: $input) { id } }`,
      { id: first.id, input: { credentials: { accessToken: fresh.accessToken, expiresAt: fresh.expiresAt } } },
      token,
    );
    const { credentials: after } = await storedCredentials(t, first.id);
    expect(after.accessToken).toBe(fresh.accessToken);
    expect(after.refreshToken).toBe(before.refreshToken);
  });

  it("connects through the channel's own app when the server has none, and counts that app's limits apart", async () => {
    const own = { clientId: 'brand-own-app', clientSecret: 'brand-own-secret' };
    x.addApp(own);
    const bare = await startTestApp({ env: xEnv(x, false) });
    try {
      const token = await signUp(bare);
      expect(issues(await bare.gql(START, { input: { platform: 'X', redirectUri: REDIRECT_URI } }, token))).toEqual([[['input', 'app'], 'required']]);
      const channel = await connectThroughOAuth(bare, token, { platform: 'X', app: own });
      expect(x.authorizations.at(-1)!.get('client_id')).toBe(own.clientId);
      expect(x.tokenRequests.at(-1)).toMatchObject({ client_id: own.clientId, grant_type: 'authorization_code', status: 200 });
      const { row, credentials } = await storedCredentials(bare, channel.id);
      expect(row.appKey).toBe(`X:${own.clientId}`);
      expect(credentials).toMatchObject({ clientId: own.clientId, clientSecret: own.clientSecret });
    } finally {
      await bare.stop();
    }
  });

  it('connects a Mastodon account on the instance the user names, registering PostFlow there first', async () => {
    const mastodon = await startMastodonFake({ username: 'shop' });
    try {
      const token = await signUp(t);
      const channel = await connectThroughOAuth(t, token, { platform: 'MASTODON', instanceUrl: `${mastodon.url}/` });
      expect(channel).toMatchObject({ platform: 'MASTODON', accountHandle: `@shop@${new URL(mastodon.url).host}`, accessExpiresAt: null });
      expect(mastodon.oauth.apps).toEqual([expect.objectContaining({ name: 'PostFlow', redirectUris: [REDIRECT_URI] })]);
      const exchange = mastodon.oauth.requests.find((r) => r.path === '/oauth/token')!;
      expect(exchange).toMatchObject({ status: 200, params: expect.objectContaining({ grant_type: 'authorization_code', code_verifier: expect.any(String) }) });
      const post = await createPost(t, token, { content: 'Hello fediverse', channelIds: [channel.id], publishNow: true });
      expect((await waitForDelivery(t, token, post.id, ['PUBLISHED', 'FAILED'])).status).toBe('PUBLISHED');
      expect(mastodon.statuses.map((st) => st.text)).toEqual(['Hello fediverse']);
    } finally {
      await mastodon.stop();
    }
  });

  it('registers PostFlow once per Mastodon server and redirect URI, and registers again when the server forgot the app', async () => {
    const mastodon = await startMastodonFake({ username: 'shop' });
    const otherRedirect = 'https://other.example.com/back';
    const clientIdIn = (authorizeUrl: string) => new URL(authorizeUrl).searchParams.get('client_id');
    try {
      const [first, second] = [await signUp(t), await signUp(t)];
      const channel = await connectThroughOAuth(t, first, { platform: 'MASTODON', instanceUrl: mastodon.url });
      await connectThroughOAuth(t, second, { platform: 'MASTODON', instanceUrl: `${mastodon.url}//` });
      expect(mastodon.oauth.apps).toHaveLength(1);
      const [app] = mastodon.oauth.apps;
      const onThisServer = { where: { instanceUrl: mastodon.url } };
      const stored = await t.app.database.prisma.registeredOAuthApp.findMany(onThisServer);
      expect(stored).toEqual([expect.objectContaining({ platform: 'MASTODON', instanceUrl: mastodon.url, redirectUri: REDIRECT_URI, clientId: app!.clientId })]);
      expect(stored[0]!.clientSecretSealed).not.toContain(app!.clientSecret);

      const { connectChannelStart: elsewhere } = await t.ok(START, { input: { platform: 'MASTODON', instanceUrl: mastodon.url, redirectUri: otherRedirect } }, first);
      expect(mastodon.oauth.apps.map((a) => a.redirectUris)).toEqual([[REDIRECT_URI], [otherRedirect]]);
      expect(clientIdIn(elsewhere.authorizeUrl)).toBe(mastodon.oauth.apps[1]!.clientId);

      // The server's admin removes the app while a user is approving: that connection fails saying why, the next registers anew.
      const { connectChannelStart: started } = await t.ok(START, { input: { platform: 'MASTODON', instanceUrl: mastodon.url, redirectUri: REDIRECT_URI } }, first);
      expect(clientIdIn(started.authorizeUrl)).toBe(app!.clientId);
      const { code, state } = await approve(started.authorizeUrl);
      mastodon.oauth.apps.splice(0, 1);
      const refused = await t.gql(FINISH, { state, code }, first);
      expect(issues(refused)).toEqual([[['code'], 'exchange']]);
      expect(issuesOf(refused)[0]!.message).toMatch(/no longer knows PostFlow's app .* start again/);

      const reconnected = await connectThroughOAuth(t, first, { platform: 'MASTODON', instanceUrl: mastodon.url });
      expect(reconnected.id).toBe(channel.id);
      expect(mastodon.oauth.apps.map((a) => a.redirectUris)).toEqual([[otherRedirect], [REDIRECT_URI]]);
      expect(await t.app.database.prisma.registeredOAuthApp.count(onThisServer)).toBe(2);
    } finally {
      await mastodon.stop();
    }
  });
});
