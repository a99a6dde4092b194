// What a browser and an anonymous caller get from /graphql (src/server/crossOrigin.ts, graphqlLimits.ts): GraphiQL
// with nothing from a CDN, introspection and "Did you mean" only when signed in, CORS for our own origin and the
// configured ones only, and no request a page of another site can send without a preflight.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { getIntrospectionQuery } from 'graphql';
import { signUp, startTestApp, type TestApp } from './helpers/testApp.js';
import { errorOf } from './helpers/api.js';

const CONSOLE = 'https://console.example.com';
const EVIL = 'https://evil.example';

let t: TestApp;
let locked: TestApp;
let token: string;
let lockedToken: string;

beforeAll(async () => {
  [t, locked] = await Promise.all([
    startTestApp(),
    startTestApp({ env: { POSTFLOW_GRAPHIQL: 'false', POSTFLOW_INTROSPECTION: 'off', POSTFLOW_CORS_ORIGINS: `${CONSOLE}, http://localhost:5173` } }),
  ]);
  [token, lockedToken] = await Promise.all([signUp(t), signUp(locked)]);
});
afterAll(async () => {
  await Promise.all([t?.stop(), locked?.stop()]);
});

const own = () => new URL(t.url).origin;
const post = (app: TestApp, headers: Record<string, string>, body: string) => fetch(app.url, { method: 'POST', headers, body });
const jsonPost = (app: TestApp, origin: string) => post(app, { 'content-type': 'application/json', origin }, JSON.stringify({ query: '{ __typename }' }));
const preflight = (app: TestApp, origin: string) =>
  fetch(app.url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' } });

describe('GraphiQL', () => {
  it('is served with its scripts and styles inline: nothing from another host', async () => {
    const response = await fetch(t.url, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('<title>PostFlow</title>');
    // Only the page's own markup, not the text of its inline scripts (which mention URLs in strings).
    const markup = html.replace(/<script>[\s\S]*?<\/script>/g, '').replace(/<style>[\s\S]*?<\/style>/g, '');
    const references = [...markup.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
    expect(references.length).toBeGreaterThan(0);
    for (const ref of references) expect(ref.startsWith('data:') || ref.startsWith('/') || ref.startsWith(own()), ref.slice(0, 60)).toBe(true);
    expect(markup).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/unpkg\.com|jsdelivr\.net|cdnjs|esm\.sh|fonts\.googleapis/);
    // Every one it fetches from us is there.
    for (const ref of references.filter((r) => !r.startsWith('data:'))) expect((await fetch(new URL(ref, t.url))).status, ref).toBe(200);
  });

  it('is not served with POSTFLOW_GRAPHIQL=false', async () => {
    const response = await fetch(locked.url, { headers: { accept: 'text/html' } });
    expect(await response.text()).not.toContain('<title>PostFlow</title>');
  });
});

describe('introspection and suggestions', () => {
  it('refuses introspection to anonymous callers and answers signed-in ones, GraphiQL’s whole query included', async () => {
    const anonymous = errorOf(await t.gql(`{ __schema { types { name } } }`));
    expect(anonymous.extensions?.code).toBe('UNAUTHENTICATED');
    expect(errorOf(await t.gql(`{ __type(name: "Post") { name } }`)).extensions?.code).toBe('UNAUTHENTICATED');
    const full = await t.gql(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }), {}, token);
    expect(full.errors).toBeUndefined();
    expect(full.data.__schema.types.map((type: { name: string }) => type.name)).toContain('Post');
    // __typename is not introspection.
    expect((await t.gql(`{ __typename }`)).data).toEqual({ __typename: 'Query' });
  });

  it('refuses introspection that nests lists to multiply rows, even signed in', async () => {
    // graphql-js' own rule refuses the cycles through __Type.fields ...
    const cycle = errorOf(await t.gql(`{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }`, {}, token));
    expect(cycle).toMatchObject({ message: 'Maximum introspection depth exceeded', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    // ... and ours any fourth list.
    const error = errorOf(await t.gql(`{ __schema { types { inputFields { type { fields { args { name } } } } } } }`, {}, token));
    expect(error.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'maxIntrospectionListDepth', max: 3, found: 4 });
  });

  it('refuses introspection to everyone with POSTFLOW_INTROSPECTION=off', async () => {
    expect(errorOf(await locked.gql(`{ __schema { types { name } } }`, {}, lockedToken)).extensions?.code).toBe('FORBIDDEN');
  });

  it('suggests field names to signed-in callers only', async () => {
    const anonymous = errorOf(await t.gql(`{ workspace { nam } }`));
    expect(anonymous.message).toContain('Cannot query field "nam"');
    expect(anonymous.message).not.toContain('Did you mean');
    expect(errorOf(await t.gql(`{ workspace { nam } }`, {}, 'not-a-token')).message).not.toContain('Did you mean');
    expect(errorOf(await t.gql(`{ workspace { nam } }`, {}, token)).message).toContain('Did you mean "name"?');
    // Suggestions made while coercing variables (enum values) too.
    const variables = `query($s: DeliveryStatus) { posts(filter: { status: $s }) { edges { cursor } } }`;
    expect(errorOf(await t.gql(variables, { s: 'FAILD' })).message).not.toContain('Did you mean');
    expect(errorOf(await t.gql(variables, { s: 'FAILD' }, token)).message).toContain('Did you mean');
  });

  it('hides suggestions from an anonymous graphql-ws connection too', async () => {
    const socket = new WebSocket(t.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    const messages: { type: string; payload?: { message: string }[] }[] = [];
    socket.on('message', (m) => messages.push(JSON.parse(String(m))));
    await new Promise((resolve) => socket.on('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
    await new Promise<void>((resolve) => socket.on('message', () => messages.some((m) => m.type === 'connection_ack') && resolve()));
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: '{ workspace { nam } }' } }));
    await new Promise<void>((resolve) => socket.on('message', () => messages.some((m) => m.type === 'error') && resolve()));
    socket.close();
    const error = messages.find((m) => m.type === 'error')!.payload![0];
    expect(error.message).toContain('Cannot query field "nam"');
    expect(error.message).not.toContain('Did you mean');
  });
});

describe('CORS', () => {
  it('answers a foreign origin without Access-Control-Allow-Origin, preflight or not', async () => {
    for (const response of [await preflight(t, EVIL), await jsonPost(t, EVIL), await preflight(locked, EVIL), await jsonPost(locked, EVIL)]) {
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    }
  });

  it('allows the server’s own origin and the configured ones, with credentials', async () => {
    for (const [app, origin] of [
      [t, own()],
      [locked, CONSOLE],
      [locked, 'http://localhost:5173'],
    ] as const) {
      for (const response of [await preflight(app, origin), await jsonPost(app, origin)]) {
        expect(response.headers.get('access-control-allow-origin'), origin).toBe(origin);
        expect(response.headers.get('access-control-allow-credentials')).toBe('true');
      }
    }
    expect((await preflight(locked, CONSOLE)).headers.get('access-control-allow-headers')).toContain('authorization');
  });

  it('answers any origin without credentials with POSTFLOW_CORS_ORIGINS=*', async () => {
    const open = await startTestApp({ env: { POSTFLOW_CORS_ORIGINS: '*' } });
    try {
      const response = await jsonPost(open, EVIL);
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    } finally {
      await open.stop();
    }
  });

  it('refuses a WebSocket upgrade from a foreign page, and accepts one from ours or without an Origin', async () => {
    const connect = (origin?: string) =>
      new Promise<string>((resolve) => {
        const socket = new WebSocket(t.url.replace(/^http/, 'ws'), 'graphql-transport-ws', origin ? { origin } : {});
        socket.on('open', () => {
          socket.close();
          resolve('open');
        });
        socket.on('error', (error) => resolve(error.message));
      });
    expect(await connect(EVIL)).toContain('403');
    expect(await connect(own())).toBe('open');
    expect(await connect()).toBe('open');
  });
});

describe('requests a page of another site could send without a preflight', () => {
  const query = encodeURIComponent('{ workspace { id } }');

  it('refuses form-urlencoded, multipart and text/plain POSTs without the CSRF header', async () => {
    const form = await post(t, { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${token}` }, `query=${query}`);
    const multipart = new FormData();
    multipart.set('operations', JSON.stringify({ query: '{ workspace { id } }' }));
    multipart.set('map', '{}');
    const parts = await fetch(t.url, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: multipart });
    const text = await post(t, { 'content-type': 'text/plain', authorization: `Bearer ${token}` }, JSON.stringify({ query: '{ workspace { id } }' }));
    for (const response of [form, parts, text]) {
      expect(response.status).toBe(403);
      const body = await response.json();
      expect(body.errors[0].extensions.code).toBe('CSRF_HEADER_REQUIRED');
      expect(body.errors[0].message).toContain('x-graphql-yoga-csrf');
    }
  });

  it('refuses a GET query without the header, and serves one with it', async () => {
    const without = await fetch(`${t.url}?query=${query}`, { headers: { authorization: `Bearer ${token}` } });
    expect(without.status).toBe(403);
    const withHeader = await fetch(`${t.url}?query=${query}`, { headers: { authorization: `Bearer ${token}`, 'x-graphql-yoga-csrf': '1' } });
    expect(withHeader.status).toBe(200);
    expect((await withHeader.json()).data.workspace.id).toBeTruthy();
  });

  it('refuses a mutation over GET, header or not', async () => {
    const mutation = encodeURIComponent('mutation { createApiKey(name: "x") { key } }');
    const response = await fetch(`${t.url}?query=${mutation}`, { headers: { authorization: `Bearer ${token}`, 'x-graphql-yoga-csrf': '1' } });
    expect(response.status).toBe(405);
    const keys = await t.app.database.pool.query(`SELECT count(*)::int AS n FROM api_keys WHERE name = 'x'`);
    expect(keys.rows[0].n).toBe(0);
  });
});
