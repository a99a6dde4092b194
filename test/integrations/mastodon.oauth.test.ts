// Connecting a Mastodon account on any instance: PostFlow registers itself there (POST /api/v1/apps), sends the user
// to /oauth/authorize with a PKCE challenge, and exchanges the code (with the verifier) at /oauth/token.
import { describe, expect, it } from 'vitest';
import { ClassifiedError } from '../../src/integrations/http.js';
import { createMastodonProvider, type MastodonCredentials } from '../../src/integrations/mastodon.js';
import { pkcePair } from '../../src/integrations/oauth.js';
import type { OAuthApp } from '../../src/integrations/types.js';
import { sendText, startHttpServer } from '../fakes/httpFake.js';
import { startMastodonFake, type MastodonFake } from '../fakes/mastodonFake.js';
import { classifiedFailureOf, providerOptions, rejection, useStoppers } from '../helpers/integration.js';
import { approve, openAuthorize } from '../helpers/oauth.js';
import { publishRequest } from '../helpers/publishRequest.js';

const provider = createMastodonProvider(providerOptions(), { appWebsite: 'https://postflow.example' });
const oauth = provider.oauth!;
const redirectUri = 'https://app.postflow.example/connect/mastodon';
const stopAfterEach = useStoppers();

async function fake(): Promise<MastodonFake> {
  return stopAfterEach(await startMastodonFake({ username: 'carol' }));
}

/** PostFlow registered on the instance, and the user's approval on its authorize page. */
async function authorized(f: MastodonFake, state = 'state-123') {
  const app = await oauth.registerApp!(`${f.url}/`, redirectUri);
  const pkce = pkcePair();
  const url = oauth.authorizeUrl({ app, redirectUri, state, codeChallenge: pkce.challenge, instanceUrl: f.url });
  return { app, pkce, url: new URL(url), ...(await approve(url)) };
}

function finishRequest(f: MastodonFake, app: OAuthApp, code: string, codeVerifier: string) {
  return { app, redirectUri, code, codeVerifier, instanceUrl: f.url, account: {}, ownApp: false };
}

describe('Mastodon OAuth', () => {
  it('has no operator app and asks for the instance; its tokens never expire and have no refresh', () => {
    expect(oauth.configuredApp()).toBeNull();
    expect(oauth.needsInstanceUrl).toBe(true);
    expect(provider.refresh).toBeUndefined();
    expect(provider.credentialsExpireAt!({ instanceUrl: 'https://mastodon.social', accessToken: 't' })).toBeNull();
  });

  it('registers PostFlow on the instance with its redirect URI and the read write scopes', async () => {
    const f = await fake();
    const app = await oauth.registerApp!(f.url, redirectUri);
    expect(f.oauth.requests[0]).toMatchObject({
      method: 'POST',
      path: '/api/v1/apps',
      params: { client_name: 'PostFlow', redirect_uris: redirectUri, scopes: 'read write', website: 'https://postflow.example' },
      status: 200,
    });
    const [registered] = f.oauth.apps;
    expect(app).toEqual({ clientId: registered?.clientId, clientSecret: registered?.clientSecret });
    expect(registered?.scopes).toEqual(['read', 'write']);
  });

  it('sends the user to /oauth/authorize with the scopes, state and an S256 challenge', async () => {
    const f = await fake();
    const { app, pkce, url } = await authorized(f);
    expect(`${url.origin}${url.pathname}`).toBe(`${f.url}/oauth/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: app.clientId,
      redirect_uri: redirectUri,
      scope: 'read write',
      state: 'state-123',
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
    });
  });

  it('follows the approval back with code and state, exchanges the code, then connects and publishes with the token', async () => {
    const f = await fake();
    const { app, pkce, redirect, state, code } = await authorized(f, 'opaque-state');
    expect(`${redirect.origin}${redirect.pathname}`).toBe(redirectUri);
    expect(state).toBe('opaque-state');
    expect(code).toBeTruthy();

    const credentials = await oauth.finish(finishRequest(f, app, code, pkce.verifier));
    expect(credentials).toEqual({ instanceUrl: f.url, accessToken: f.oauth.tokens[0]?.token });
    expect(provider.credentialsSchema.safeParse(credentials).success).toBe(true);
    const tokenRequest = f.oauth.requests.find((r) => r.path === '/oauth/token');
    expect(tokenRequest?.params).toMatchObject({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      client_id: app.clientId,
      client_secret: app.clientSecret,
      code_verifier: pkce.verifier,
    });

    const account = await provider.connect(credentials);
    expect(account.accountHandle).toBe(`@carol@${new URL(f.url).host}`);
    const result = await provider.publish(publishRequest({ text: 'Hello via OAuth' }), { credentials, settings: account.settings });
    expect(f.statuses.map((s) => [s.id, s.text])).toEqual([[result.externalId, 'Hello via OAuth']]);
    expect(f.requests[0]?.authorization).toBe(`Bearer ${credentials.accessToken}`);
  });

  it('refuses the code with a wrong verifier: the failure says so, and no token is issued', async () => {
    const f = await fake();
    const { app, code } = await authorized(f);
    const error = await rejection(oauth.finish(finishRequest(f, app, code, pkcePair().verifier)));
    expect(error).toBeInstanceOf(ClassifiedError);
    const failure = provider.classifyFailure(error);
    expect(failure).toMatchObject({ kind: 'AUTH', errorClass: 'MASTODON_CODE_REFUSED', responseCode: 400 });
    expect(failure.message).toMatch(/^Mastodon refused the authorization code \(The provided authorization grant is invalid/);
    expect(f.oauth.tokens).toEqual([]);
  });

  it('a code works once', async () => {
    const f = await fake();
    const { app, pkce, code } = await authorized(f);
    await oauth.finish(finishRequest(f, app, code, pkce.verifier));
    const failure = await classifiedFailureOf(provider, oauth.finish(finishRequest(f, app, code, pkce.verifier)));
    expect(failure).toMatchObject({ kind: 'AUTH', errorClass: 'MASTODON_CODE_REFUSED' });
    expect(f.oauth.tokens).toHaveLength(1);
  });

  it('a token from OAuth stops working when the user revokes access', async () => {
    const f = await fake();
    const { app, pkce, code } = await authorized(f);
    const credentials = await oauth.finish(finishRequest(f, app, code, pkce.verifier));
    f.revokeToken();
    const failure = await classifiedFailureOf(provider, provider.publish(publishRequest(), { credentials, settings: {} }));
    expect(failure).toMatchObject({ kind: 'AUTH', responseCode: 401 });
    expect(f.statuses).toEqual([]);
  });
});

describe('Mastodon OAuth fake refusals', () => {
  it('answers 400 for an unknown client, an unregistered redirect_uri, and a missing or non-S256 challenge', async () => {
    const f = await fake();
    const { url } = await authorized(f);
    const variant = (change: (q: URLSearchParams) => void) => {
      const copy = new URL(url);
      change(copy.searchParams);
      return openAuthorize(copy.toString());
    };
    const refusals = [
      await variant((q) => q.set('client_id', 'nobody')),
      await variant((q) => q.set('redirect_uri', 'https://evil.example/steal')),
      await variant((q) => q.delete('code_challenge')),
      await variant((q) => q.set('code_challenge_method', 'plain')),
    ];
    expect(refusals.map((r) => [r.status, r.location])).toEqual(Array(4).fill([400, null]));
    expect(refusals[1]?.body).toContain("doesn't match client redirect URI");
  });

  it('sends the user back with error=invalid_scope for scopes the app was not registered with', async () => {
    const f = await fake();
    const { url } = await authorized(f);
    url.searchParams.set('scope', 'read write admin:write');
    const { redirect, code } = await approve(url.toString());
    expect(redirect.searchParams.get('error')).toBe('invalid_scope');
    expect(code).toBeNull();
  });

  it('a token granted only "read" cannot post: 403 outside the authorized scopes, read as AUTH', async () => {
    const f = await fake();
    const registered = await fetch(`${f.url}/api/v1/apps`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_name: 'Reader', redirect_uris: redirectUri, scopes: 'read' }),
    });
    const body = (await registered.json()) as { client_id: string; client_secret: string };
    const app = { clientId: body.client_id, clientSecret: body.client_secret };
    const pkce = pkcePair();
    const url = new URL(oauth.authorizeUrl({ app, redirectUri, state: 's', codeChallenge: pkce.challenge, instanceUrl: f.url }));
    url.searchParams.set('scope', 'read');
    const { code } = await approve(url.toString());
    const credentials: MastodonCredentials = await oauth.finish(finishRequest(f, app, code, pkce.verifier));
    await provider.connect(credentials);
    const failure = await classifiedFailureOf(provider, provider.publish(publishRequest(), { credentials, settings: {} }));
    expect(failure).toMatchObject({ kind: 'AUTH', responseCode: 403 });
    expect(failure.message).toContain('outside the authorized scopes');
  });
});

describe('Mastodon app registration failures', () => {
  it('names the instance and Mastodon’s reason when it refuses the app', async () => {
    const f = await fake();
    const failure = await classifiedFailureOf(provider, oauth.registerApp!(f.url, 'not a uri'));
    expect(failure).toMatchObject({ kind: 'PERMANENT', errorClass: 'MASTODON_APP_REFUSED', responseCode: 422 });
    expect(failure.message).toBe(`${new URL(f.url).host} refused to register PostFlow (HTTP 422: Validation failed: Redirect URI must be an absolute URI.)`);
  });

  it('asks whether the server is Mastodon at all when it answers with a web page', async () => {
    const site = stopAfterEach(await startHttpServer((_req, res) => sendText(res, 404, '<html><body>Not here</body></html>')));
    const failure = await classifiedFailureOf(provider, oauth.registerApp!(site.url, redirectUri));
    expect(failure).toMatchObject({ kind: 'PERMANENT', errorClass: 'MASTODON_APP_REFUSED', responseCode: 404 });
    expect(failure.message).toContain('is it a Mastodon server?');
  });
});
