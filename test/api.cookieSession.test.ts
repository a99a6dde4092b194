// The console's session in an HttpOnly cookie (src/server/sessionCookie.ts), over real HTTP and graphql-ws: login,
// signup, acceptInvitation and switchWorkspace with cookie: true set it (and answer no token), /graphql and the
// WebSocket upgrade accept it beside Bearer, a cookie request needs the CSRF header whatever its type, logout and a
// refused cookie clear it, and a foreign page gets neither CORS credentials nor an upgrade.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { collect, startTestApp, TEST_SECRET_KEY, type GraphQLErrorShape, type TestApp } from './helpers/testApp.js';
import { LOGIN, PASSWORD, SIGNUP } from './helpers/http.js';
import { createChannel, createPost, untilListening } from './helpers/scenario.js';
import { startWebhookReceiver, type WebhookReceiver } from './fakes/webhookReceiver.js';
import { createSecrets } from '../src/security/secrets.js';
import { decodeKey } from '../src/config.js';
import { issueSessionToken, verifySessionToken } from '../src/security/credentials.js';

const HOOK_SECRET = 'webhook-secret-of-the-channel';
const EVIL = 'https://evil.example';
const CSRF = { 'x-graphql-yoga-csrf': '1' };
const LOGIN_COOKIE = `mutation($email: String!, $password: String!) { login(email: $email, password: $password, cookie: true) { token } }`;
const SIGNUP_COOKIE = `mutation($email: String!, $name: String!) { signup(email: $email, password: "${PASSWORD}", workspaceName: $name, cookie: true) { token } }`;
const WHO = `{ me { email } workspace { id name } }`;

let t: TestApp;
let secure: TestApp;
let hooks: WebhookReceiver;

beforeAll(async () => {
  hooks = await startWebhookReceiver({ secret: HOOK_SECRET });
  [t, secure] = await Promise.all([
    // 0: an open subscription asks again about its credential before every event (and every second while idle).
    startTestApp({ env: { POSTFLOW_SUBSCRIPTION_AUTH_CHECK_MS: '0' } }),
    startTestApp({ env: { POSTFLOW_PUBLIC_URL: 'https://postflow.example' } }),
  ]);
});
afterAll(async () => {
  await Promise.all([t?.stop(), secure?.stop(), hooks?.stop()]);
});

interface Answer {
  status: number;
  headers: Headers;
  setCookies: string[];
  data?: any;
  errors?: GraphQLErrorShape[];
}

/** A JSON POST with the given headers, as a browser's fetch would send it (cookies are sent by hand here). */
async function post(app: TestApp, query: string, variables: Record<string, unknown>, headers: Record<string, string>): Promise<Answer> {
  const response = await fetch(app.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
  const body = (await response.json()) as { data?: unknown; errors?: GraphQLErrorShape[] };
  return { status: response.status, headers: response.headers, setCookies: response.headers.getSetCookie(), ...body };
}

const cookieHeader = (value: string) => ({ cookie: `theme=dark; postflow_session=${value}` });
const asCookie = (value: string) => ({ ...cookieHeader(value), ...CSRF });

/** The one Set-Cookie of postflow_session: its value and attributes (names lower-cased). */
function sessionCookieIn(answer: Answer) {
  const lines = answer.setCookies.filter((line) => line.startsWith('postflow_session='));
  expect(lines).toHaveLength(1);
  const [pair, ...rest] = lines[0].split(';').map((part) => part.trim());
  const attributes = new Map(rest.map((part) => [part.split('=')[0].toLowerCase(), part.split('=')[1] ?? true] as const));
  return { value: pair.slice('postflow_session='.length), attributes };
}

const codeOf = (answer: { errors?: GraphQLErrorShape[] }) => answer.errors?.[0]?.extensions?.code ?? null;
const newEmail = () => `c${randomBytes(4).toString('hex')}@example.com`;

/** A person signed up with a Bearer token, then logged in with cookie: true. */
async function signedIn(app: TestApp = t) {
  const email = newEmail();
  const { signup } = await app.ok(SIGNUP, { email, password: PASSWORD, workspaceName: 'Bearer workspace' });
  const answer = await post(app, LOGIN_COOKIE, { email, password: PASSWORD }, {});
  expect(answer.errors).toBeUndefined();
  return { email, bearer: signup.token as string, cookie: sessionCookieIn(answer).value, answer };
}

describe('opening a session into the cookie', () => {
  it('login with cookie: true sets postflow_session with each attribute, and answers no token', async () => {
    const { answer, cookie } = await signedIn();
    expect(answer.data).toEqual({ login: { token: null } });
    const { attributes } = sessionCookieIn(answer);
    expect(attributes.get('httponly')).toBe(true);
    expect(attributes.get('samesite')).toBe('Strict');
    expect(attributes.get('path')).toBe('/');
    expect(attributes.get('max-age')).toBe(String(t.config.sessionTtlSeconds));
    expect(attributes.has('secure')).toBe(false);
    // The cookie holds a real session token of this server, with the session's lifetime.
    const key = createSecrets(decodeKey(TEST_SECRET_KEY)!).sessionSigningKey;
    expect(verifySessionToken(cookie, key)).not.toBeNull();
  });

  it('without cookie, login answers the token in the body and sets no cookie', async () => {
    const email = newEmail();
    await t.ok(SIGNUP, { email, password: PASSWORD, workspaceName: 'W' });
    const answer = await post(t, LOGIN, { email, password: PASSWORD }, {});
    expect(typeof answer.data.login.token).toBe('string');
    expect(answer.setCookies).toEqual([]);
  });

  it('adds Secure, and the __Host- prefix, when POSTFLOW_PUBLIC_URL is https', async () => {
    const email = newEmail();
    await secure.ok(SIGNUP, { email, password: PASSWORD, workspaceName: 'W' });
    const answer = await post(secure, LOGIN_COOKIE, { email, password: PASSWORD }, {});
    const [line] = answer.setCookies;
    expect(line).toMatch(/^__Host-postflow_session=[\w-]+\.[\w-]+\.[\w-]+;/);
    expect(line!.split(';').map((part) => part.trim().toLowerCase())).toEqual(expect.arrayContaining(['secure', 'path=/', 'httponly']));
  });

  it('signup with cookie: true signs the new account in through the cookie', async () => {
    const email = newEmail();
    const answer = await post(t, SIGNUP_COOKIE, { email, name: 'Cookie shop' }, {});
    expect(answer.data).toEqual({ signup: { token: null } });
    const { value } = sessionCookieIn(answer);
    const who = await post(t, WHO, {}, asCookie(value));
    expect(who.data.me.email).toBe(email);
    expect(who.data.workspace.name).toBe('Cookie shop');
  });

  it('is refused over graphql-ws, before any account is made: a socket has no answer to carry a cookie', async () => {
    const email = newEmail();
    const client = createClient({ url: t.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, lazy: true });
    try {
      const result = await new Promise<{ errors?: GraphQLErrorShape[] }>((resolve, reject) => {
        let last: { errors?: GraphQLErrorShape[] } = {};
        client.subscribe({ query: SIGNUP_COOKIE, variables: { email, name: 'W' } }, { next: (value) => (last = value as never), error: reject, complete: () => resolve(last) });
      });
      expect(codeOf(result)).toBe('VALIDATION_FAILED');
      expect(result.errors?.[0]?.extensions?.issues?.[0]).toMatchObject({ path: ['cookie'], rule: 'http' });
    } finally {
      await client.dispose();
    }
    const login = await post(t, LOGIN, { email, password: PASSWORD }, {});
    expect(codeOf(login)).toBe('UNAUTHENTICATED');
  });
});

describe('requests signed in by the cookie', () => {
  it('a query with only the cookie and the CSRF header acts as its person', async () => {
    const { email, cookie } = await signedIn();
    const answer = await post(t, WHO, {}, asCookie(cookie));
    expect(answer.errors).toBeUndefined();
    expect(answer.data.me.email).toBe(email);
    expect(answer.setCookies).toEqual([]);
    const get = await fetch(`${t.url}?query=${encodeURIComponent('{ me { email } }')}`, { headers: asCookie(cookie) });
    expect(((await get.json()) as any).data.me.email).toBe(email);
  });

  it('without the CSRF header the cookie is refused, a JSON POST and a GET alike', async () => {
    const { cookie } = await signedIn();
    const json = await post(t, WHO, {}, cookieHeader(cookie));
    const get = await fetch(`${t.url}?query=${encodeURIComponent('{ me { email } }')}`, { headers: cookieHeader(cookie) });
    for (const answer of [json, { status: get.status, ...((await get.json()) as { errors?: GraphQLErrorShape[] }) }]) {
      expect(answer.status).toBe(403);
      expect(codeOf(answer)).toBe('CSRF_HEADER_REQUIRED');
    }
    expect(json.errors?.[0]?.message).toContain('x-graphql-yoga-csrf');
  });

  it('a Bearer token still works without the header, and wins over a cookie sent beside it', async () => {
    const first = await signedIn();
    const other = await signedIn();
    const answer = await post(t, WHO, {}, { authorization: `Bearer ${first.bearer}`, ...cookieHeader(other.cookie) });
    expect(answer.errors).toBeUndefined();
    expect(answer.data.me.email).toBe(first.email);
  });

  it('a foreign page sending the cookie gets no CORS credentials, preflight or not', async () => {
    const { cookie } = await signedIn();
    const preflight = await fetch(t.url, {
      method: 'OPTIONS',
      headers: { origin: EVIL, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, x-graphql-yoga-csrf', ...cookieHeader(cookie) },
    });
    const answer = await post(t, WHO, {}, { origin: EVIL, ...asCookie(cookie) });
    for (const headers of [preflight.headers, answer.headers]) {
      expect(headers.get('access-control-allow-origin')).toBeNull();
      expect(headers.get('access-control-allow-credentials')).toBeNull();
    }
    // Our own origin (the console's) is answered with credentials.
    const own = await post(t, WHO, {}, { origin: new URL(t.url).origin, ...asCookie(cookie) });
    expect(own.headers.get('access-control-allow-credentials')).toBe('true');
  });

  it('a cookie that holds no session token (an API key, say) is refused and cleared', async () => {
    const answer = await post(t, WHO, {}, asCookie(`pf_${'a'.repeat(32)}`));
    expect(codeOf(answer)).toBe('UNAUTHENTICATED');
    expect(sessionCookieIn(answer)).toMatchObject({ value: '' });
  });

  it("an expired session's cookie is UNAUTHENTICATED, and the answer clears it", async () => {
    const { cookie } = await signedIn();
    const key = createSecrets(decodeKey(TEST_SECRET_KEY)!).sessionSigningKey;
    const claims = verifySessionToken(cookie, key)!;
    const expired = issueSessionToken(claims, key, new Date(Date.now() - 1000));
    const answer = await post(t, WHO, {}, asCookie(expired));
    expect(codeOf(answer)).toBe('UNAUTHENTICATED');
    const cleared = sessionCookieIn(answer);
    expect(cleared.value).toBe('');
    expect(cleared.attributes.get('max-age')).toBe('0');
  });
});

describe('switching workspace and accepting an invitation through the cookie', () => {
  it('acceptInvitation and switchWorkspace move the cookie to the workspace asked for; the replaced session ends', async () => {
    const owner = await signedIn();
    const member = await signedIn();
    const own = (await post(t, WHO, {}, asCookie(member.cookie))).data.workspace;
    const { inviteMember } = await t.ok(`mutation($email: String!) { inviteMember(email: $email, role: EDITOR) { link } }`, { email: member.email }, owner.bearer);
    const invitation = new URL(inviteMember.link).pathname.split('/').at(-1)!;

    const accepted = await post(t, `mutation($token: String!) { acceptInvitation(token: $token, cookie: true) { token } }`, { token: invitation }, asCookie(member.cookie));
    expect(accepted.data).toEqual({ acceptInvitation: { token: null } });
    const joined = sessionCookieIn(accepted).value;
    const there = (await post(t, WHO, {}, asCookie(joined))).data.workspace;
    expect(there.name).toBe('Bearer workspace');
    expect(there.id).not.toBe(own.id);
    expect(codeOf(await post(t, WHO, {}, asCookie(member.cookie)))).toBe('UNAUTHENTICATED');

    const switched = await post(t, `mutation($id: ID!) { switchWorkspace(id: $id, cookie: true) { token } }`, { id: own.id }, asCookie(joined));
    expect(switched.data).toEqual({ switchWorkspace: { token: null } });
    const back = sessionCookieIn(switched);
    expect(back.attributes.get('max-age')).toBe(String(t.config.sessionTtlSeconds));
    expect((await post(t, WHO, {}, asCookie(back.value))).data.workspace.id).toBe(own.id);
    expect(codeOf(await post(t, WHO, {}, asCookie(joined)))).toBe('UNAUTHENTICATED');
    // The person's Bearer session is not the cookie's: it stays as it was.
    expect((await post(t, WHO, {}, { authorization: `Bearer ${member.bearer}` })).data.workspace.id).toBe(own.id);
  });
});

describe('logout', () => {
  it('ends the cookie session, clears the cookie with the same attributes, and the old value is refused after', async () => {
    const { cookie, bearer } = await signedIn();
    const answer = await post(t, `mutation { logout }`, {}, asCookie(cookie));
    expect(answer.data).toEqual({ logout: true });
    const cleared = sessionCookieIn(answer);
    expect(cleared.value).toBe('');
    expect(cleared.attributes.get('max-age')).toBe('0');
    expect(cleared.attributes.get('httponly')).toBe(true);
    expect(cleared.attributes.get('samesite')).toBe('Strict');
    expect(cleared.attributes.get('path')).toBe('/');

    const after = await post(t, WHO, {}, asCookie(cookie));
    expect(codeOf(after)).toBe('UNAUTHENTICATED');
    expect(sessionCookieIn(after).value).toBe('');
    // Another session of the person (the Bearer one) is not touched.
    expect((await post(t, WHO, {}, { authorization: `Bearer ${bearer}` })).errors).toBeUndefined();
  });

  it('with a Bearer token, sets no cookie', async () => {
    const { bearer } = await signedIn();
    const answer = await post(t, `mutation { logout }`, {}, { authorization: `Bearer ${bearer}` });
    expect(answer.data).toEqual({ logout: true });
    expect(answer.setCookies).toEqual([]);
  });
});

/** A graphql-ws client whose upgrade carries the cookie (and an Origin), as a browser's would; no connectionParams. */
function cookieClient(cookie: string, origin?: string) {
  class BrowserSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers: { cookie: `postflow_session=${cookie}`, ...(origin && { origin }) } });
    }
  }
  return createClient({ url: t.url.replace(/^http/, 'ws'), webSocketImpl: BrowserSocket, lazy: false, retryAttempts: 0 });
}

describe('graphql-ws with the cookie of the upgrade', () => {
  type Update = { deliveryUpdated: { postId: string } };
  const DELIVERIES = `subscription { deliveryUpdated { postId } }`;

  it('a subscription authenticated by the cookie hears its workspace, and ends once the cookie session is logged out', async () => {
    const { cookie, bearer } = await signedIn();
    const channel = await createChannel(t, bearer, 'WEBHOOK', { url: hooks.hookUrl, secret: HOOK_SECRET });
    const client = cookieClient(cookie, new URL(t.url).origin);
    try {
      const updates = collect<Update>(client, DELIVERIES);
      await untilListening(t, bearer, channel.id, updates);
      const post1 = await createPost(t, bearer, { content: 'heard through the cookie', channelIds: [channel.id], draft: true });
      await updates.until((items) => items.some((i) => i.deliveryUpdated.postId === post1.id));
      expect(updates.errors).toEqual([]);

      expect((await post(t, `mutation { logout }`, {}, asCookie(cookie))).data).toEqual({ logout: true });
      await createPost(t, bearer, { content: 'after logout', channelIds: [channel.id], draft: true });
      await updates.ended;
      expect(updates.errors.map((e) => (Array.isArray(e) ? e.map((g) => g.extensions?.code) : e))).toEqual([['UNAUTHENTICATED']]);
    } finally {
      await client.dispose();
    }
  });

  it('refuses an upgrade from a foreign Origin, cookie or not', async () => {
    const { cookie } = await signedIn();
    const refused = await new Promise<string>((resolve) => {
      const socket = new WebSocket(t.url.replace(/^http/, 'ws'), 'graphql-transport-ws', { headers: { cookie: `postflow_session=${cookie}`, origin: EVIL } });
      socket.on('open', () => {
        socket.close();
        resolve('open');
      });
      socket.on('error', (error) => resolve(error.message));
    });
    expect(refused).toContain('403');
  });

  it('connectionParams authorization wins over the cookie of the upgrade', async () => {
    const first = await signedIn();
    const other = await signedIn();
    class BrowserSocket extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { headers: { cookie: `postflow_session=${other.cookie}` } });
      }
    }
    const client = createClient({ url: t.url.replace(/^http/, 'ws'), webSocketImpl: BrowserSocket, connectionParams: { authorization: `Bearer ${first.bearer}` } });
    try {
      const result = await new Promise<any>((resolve, reject) => {
        let last: unknown;
        client.subscribe({ query: `{ me { email } }` }, { next: (value) => (last = value), error: reject, complete: () => resolve(last) });
      });
      expect(result.data.me.email).toBe(first.email);
    } finally {
      await client.dispose();
    }
  });
});
