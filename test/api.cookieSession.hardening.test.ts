// What the session cookie must not allow (a review of the console's cookie sessions): a graphql-ws socket from any
// origin under POSTFLOW_CORS_ORIGINS=* signed in by it, a second cookie planted beside it, a Bearer token minted from
// it, two sessions opened into one answer, a stale cookie kept on a 429; and the request types that need the CSRF
// header with it (multipart, text/plain, SSE).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { startTestApp, TEST_SECRET_KEY, type GraphQLErrorShape, type TestApp } from './helpers/testApp.js';
import { LOGIN, PASSWORD, SIGNUP } from './helpers/http.js';
import { createSecrets } from '../src/security/secrets.js';
import { decodeKey } from '../src/config.js';
import { issueSessionToken, verifySessionToken } from '../src/security/credentials.js';

const EVIL = 'https://evil.example';
const CSRF = { 'x-graphql-yoga-csrf': '1' };
const LOGIN_COOKIE = `mutation($email: String!, $password: String!) { login(email: $email, password: $password, cookie: true) { token } }`;
const WHO = `{ me { email } workspace { id } }`;

let t: TestApp;
let star: TestApp;
let secure: TestApp;

beforeAll(async () => {
  [t, star, secure] = await Promise.all([
    startTestApp(),
    startTestApp({ env: { POSTFLOW_CORS_ORIGINS: '*' } }),
    // Two refused credentials from an address, and the third request from it is RATE_LIMITED (the last test here).
    startTestApp({ env: { POSTFLOW_PUBLIC_URL: 'https://postflow.example', POSTFLOW_THROTTLE_BAD_CREDENTIALS_IP: '2/900' } }),
  ]);
}, 60_000);
afterAll(async () => {
  await Promise.all([t?.stop(), star?.stop(), secure?.stop()]);
});

interface Answer {
  status: number;
  setCookies: string[];
  data?: any;
  errors?: GraphQLErrorShape[];
}

async function post(app: TestApp, query: string, variables: Record<string, unknown>, headers: Record<string, string>): Promise<Answer> {
  const response = await fetch(app.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
  const body = (await response.json()) as { data?: unknown; errors?: GraphQLErrorShape[] };
  return { status: response.status, setCookies: response.headers.getSetCookie(), ...body };
}

const codeOf = (answer: { errors?: readonly GraphQLErrorShape[] }) => answer.errors?.[0]?.extensions?.code ?? null;
const newEmail = () => `h${randomBytes(4).toString('hex')}@example.com`;
const asCookie = (value: string, name = 'postflow_session') => ({ cookie: `${name}=${value}`, ...CSRF });
/** name=value of each Set-Cookie line, and its attributes. */
const parsed = (line: string) => {
  const [pair, ...rest] = line.split(';').map((part) => part.trim());
  return { name: pair!.split('=')[0], value: pair!.slice(pair!.indexOf('=') + 1), attributes: rest.map((a) => a.toLowerCase()) };
};

async function signedIn(app: TestApp = t) {
  const email = newEmail();
  const { signup } = await app.ok(SIGNUP, { email, password: PASSWORD, workspaceName: 'Hardening' });
  const answer = await post(app, LOGIN_COOKIE, { email, password: PASSWORD }, {});
  expect(answer.errors).toBeUndefined();
  expect(answer.setCookies).toHaveLength(1);
  return { email, bearer: signup.token as string, cookie: parsed(answer.setCookies[0]!).value, answer };
}

/** One operation over graphql-ws from a browser-like socket: the upgrade carries the cookie and an Origin. */
async function overSocket(app: TestApp, cookie: string, origin: string, query: string) {
  class BrowserSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers: { cookie: `postflow_session=${cookie}`, origin } });
    }
  }
  const client = createClient({ url: app.url.replace(/^http/, 'ws'), webSocketImpl: BrowserSocket, retryAttempts: 0 });
  try {
    return await new Promise<{ data?: any; errors?: readonly GraphQLErrorShape[] }>((resolve, reject) => {
      let last = {};
      client.subscribe({ query }, { next: (value) => (last = value), error: reject, complete: () => resolve(last) });
    });
  } finally {
    await client.dispose();
  }
}

describe('graphql-ws under POSTFLOW_CORS_ORIGINS=*', () => {
  it("a foreign origin's socket is not signed in by the cookie: no query, no mutation acts as its person", async () => {
    const { cookie } = await signedIn(star);
    expect(codeOf(await overSocket(star, cookie, EVIL, `{ me { email } }`))).toBe('UNAUTHENTICATED');
    expect(codeOf(await overSocket(star, cookie, EVIL, `mutation { logout }`))).toBe('UNAUTHENTICATED');
    // The session is untouched: the cookie still signs in over HTTP.
    expect((await post(star, WHO, {}, asCookie(cookie))).errors).toBeUndefined();
  });

  it('a mutation signed in by the cookie works from our own origin', async () => {
    const { cookie } = await signedIn(star);
    const own = new URL(star.url).origin;
    expect((await overSocket(star, cookie, own, `{ me { email } }`)).data?.me).toBeTruthy();
    expect((await overSocket(star, cookie, own, `mutation { logout }`)).data).toEqual({ logout: true });
    expect(codeOf(await post(star, WHO, {}, asCookie(cookie)))).toBe('UNAUTHENTICATED');
  });
});

describe('the cookie itself', () => {
  it('over https is __Host-postflow_session (Secure, Path=/, no Domain); the plain name signs nothing in there', async () => {
    const { answer, cookie } = await signedIn(secure);
    const set = parsed(answer.setCookies[0]!);
    expect(set.name).toBe('__Host-postflow_session');
    expect(set.attributes).toEqual(expect.arrayContaining(['secure', 'path=/', 'httponly', 'samesite=strict']));
    expect(set.attributes.some((a) => a.startsWith('domain='))).toBe(false);
    expect((await post(secure, WHO, {}, asCookie(cookie, '__Host-postflow_session'))).errors).toBeUndefined();
    expect(codeOf(await post(secure, WHO, {}, asCookie(cookie)))).toBe('UNAUTHENTICATED');
  });

  it('sent twice (a sibling page planted a second one), it is refused and cleared, whichever comes first', async () => {
    const victim = await signedIn();
    const planted = await signedIn();
    const answer = await post(t, WHO, {}, { cookie: `postflow_session=${planted.cookie}; postflow_session=${victim.cookie}`, ...CSRF });
    expect(codeOf(answer)).toBe('UNAUTHENTICATED');
    expect(answer.setCookies.map(parsed)).toEqual([expect.objectContaining({ name: 'postflow_session', value: '' })]);
  });
});

describe('sessions opened from a cookie session', () => {
  it('switchWorkspace and acceptInvitation signed in by the cookie refuse cookie: false, and nothing is spent', async () => {
    const owner = await signedIn();
    const member = await signedIn();
    const { inviteMember } = await t.ok(`mutation($email: String!) { inviteMember(email: $email, role: EDITOR) { link } }`, { email: member.email }, owner.bearer);
    const invitation = new URL(inviteMember.link).pathname.split('/').at(-1)!;
    const ACCEPT = `mutation($token: String!, $cookie: Boolean) { acceptInvitation(token: $token, cookie: $cookie) { token } }`;
    const refused = await post(t, ACCEPT, { token: invitation }, asCookie(member.cookie));
    expect(codeOf(refused)).toBe('VALIDATION_FAILED');
    expect(refused.errors?.[0]?.extensions?.issues).toEqual([expect.objectContaining({ path: ['cookie'], rule: 'cookieSession' })]);
    expect(JSON.stringify(refused.data ?? null)).not.toMatch(/eyJ/);
    // The invitation was not taken: with cookie: true it still works.
    const accepted = await post(t, ACCEPT, { token: invitation, cookie: true }, asCookie(member.cookie));
    expect(accepted.errors).toBeUndefined();
    const joined = parsed(accepted.setCookies[0]!).value;

    const { workspaces } = await t.ok(`{ workspaces { id } }`, {}, member.bearer);
    const other = workspaces.map((w: any) => w.id);
    const SWITCH = `mutation($id: ID!) { switchWorkspace(id: $id) { token } }`;
    const switched = await post(t, SWITCH, { id: other[0] }, asCookie(joined));
    expect(codeOf(switched)).toBe('VALIDATION_FAILED');
    expect(switched.errors?.[0]?.extensions?.issues?.[0]?.path).toEqual(['cookie']);
    // A Bearer session may still ask for a token.
    expect(typeof (await t.ok(SWITCH, { id: other[0] }, member.bearer)).switchWorkspace.token).toBe('string');
  });

  it('login(cookie: true) sent with an Authorization header ends the session of the cookie it replaces', async () => {
    const { email, bearer, cookie } = await signedIn();
    const answer = await post(t, LOGIN_COOKIE, { email, password: PASSWORD }, { authorization: `Bearer ${bearer}`, cookie: `postflow_session=${cookie}` });
    expect(answer.errors).toBeUndefined();
    expect(codeOf(await post(t, WHO, {}, asCookie(cookie)))).toBe('UNAUTHENTICATED');
    expect((await post(t, WHO, {}, asCookie(parsed(answer.setCookies[0]!).value))).errors).toBeUndefined();
    expect((await post(t, WHO, {}, { authorization: `Bearer ${bearer}` })).errors).toBeUndefined();
  });

  it('one request opens at most one session into the cookie', async () => {
    const { email } = await signedIn();
    const twice = `mutation($email: String!, $password: String!) {
      a: login(email: $email, password: $password, cookie: true) { token }
      b: login(email: $email, password: $password, cookie: true) { token } }`;
    const answer = await post(t, twice, { email, password: PASSWORD }, {});
    expect(answer.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([[['b'], 'VALIDATION_FAILED']]);
    expect(answer.setCookies).toHaveLength(1);
    expect((await post(t, WHO, {}, asCookie(parsed(answer.setCookies[0]!).value))).data.me.email).toBe(email);
  });
});

describe('requests signed in by the cookie need the CSRF header whatever their type', () => {
  const query = '{ me { email } }';
  const refusedBody = async (response: Response) => {
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('CSRF_HEADER_REQUIRED');
  };

  it('multipart, text/plain and an SSE GET without it are refused', async () => {
    const { cookie } = await signedIn();
    const form = new FormData();
    form.set('operations', JSON.stringify({ query }));
    form.set('map', '{}');
    await refusedBody(await fetch(t.url, { method: 'POST', headers: { cookie: `postflow_session=${cookie}` }, body: form }));
    await refusedBody(await fetch(t.url, { method: 'POST', headers: { cookie: `postflow_session=${cookie}`, 'content-type': 'text/plain' }, body: JSON.stringify({ query }) }));
    await refusedBody(await fetch(`${t.url}?query=${encodeURIComponent(query)}`, { headers: { cookie: `postflow_session=${cookie}`, accept: 'text/event-stream' } }));
    // With the header, the same multipart request is answered.
    const allowed = await fetch(t.url, { method: 'POST', headers: { cookie: `postflow_session=${cookie}`, ...CSRF }, body: form });
    expect(((await allowed.json()) as any).data.me).toBeTruthy();
  });

  it('logoutEverywhere clears the cookie and ends the Bearer session too', async () => {
    const { cookie, bearer } = await signedIn();
    const answer = await post(t, `mutation { logoutEverywhere }`, {}, asCookie(cookie));
    expect(answer.data.logoutEverywhere).toBe(2);
    expect(answer.setCookies.map(parsed)).toEqual([expect.objectContaining({ value: '', attributes: expect.arrayContaining(['max-age=0']) })]);
    expect(codeOf(await post(t, WHO, {}, { authorization: `Bearer ${bearer}` }))).toBe('UNAUTHENTICATED');
  });
});

describe('a request refused as a whole', () => {
  it('RATE_LIMITED still clears an expired cookie', async () => {
    const { cookie } = await signedIn(secure);
    for (let i = 0; i < 3; i++) await post(secure, WHO, {}, { authorization: `Bearer ${'x'.repeat(20)}.${'y'.repeat(20)}.z` });
    const key = createSecrets(decodeKey(TEST_SECRET_KEY)!).sessionSigningKey;
    const expired = issueSessionToken(verifySessionToken(cookie, key)!, key, new Date(Date.now() - 1000));
    const answer = await post(secure, WHO, {}, asCookie(expired, '__Host-postflow_session'));
    expect(answer.status).toBe(429);
    expect(codeOf(answer)).toBe('RATE_LIMITED');
    expect(answer.setCookies.map(parsed)).toEqual([expect.objectContaining({ name: '__Host-postflow_session', value: '' })]);
  });
});

// The login without a cookie answers a token in the body (unchanged for API clients).
it('login without cookie still answers its token', async () => {
  const email = newEmail();
  await t.ok(SIGNUP, { email, password: PASSWORD, workspaceName: 'W' });
  expect(typeof (await post(t, LOGIN, { email, password: PASSWORD }, {})).data.login.token).toBe('string');
});
