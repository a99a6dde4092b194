// Accounts, sessions, API keys and workspace isolation, as a client sees them over HTTP.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMastodonFake, type MastodonFake } from './fakes/mastodonFake.js';
import { issueSessionToken } from '../src/security/credentials.js';
import { collect, signUp, startTestApp, type TestApp } from './helpers/testApp.js';
import { createChannel, createPost, untilListening } from './helpers/scenario.js';
import { errorOf, inMs, issuesOf, publishJobs, readPost } from './helpers/api.js';

let t: TestApp;
let mastodon: MastodonFake;

beforeAll(async () => {
  mastodon = await startMastodonFake();
  t = await startTestApp();
});
afterAll(async () => {
  await t?.stop();
  await mastodon?.stop();
});

const SIGNUP = `mutation($email: String!, $password: String!, $workspaceName: String!) { signup(email: $email, password: $password, workspaceName: $workspaceName) { token } }`;
const LOGIN = `mutation($email: String!, $password: String!) { login(email: $email, password: $password) { token } }`;
const WORKSPACE = `{ workspace { id name } }`;

async function rawGql(query: string, authorization?: string) {
  const response = await fetch(t.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization !== undefined && { authorization }) },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as { data?: any; errors?: any[] };
}

describe('signup and login', () => {
  it('signup returns a session token that opens the new workspace', async () => {
    const { signup } = await t.ok(SIGNUP, { email: 'founder@example.com', password: 'correct horse', workspaceName: '  Acme Inc  ' });
    expect(signup.token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const { workspace } = await t.ok(WORKSPACE, {}, signup.token);
    expect(workspace.name).toBe('Acme Inc');
    const user = await t.app.database.prisma.user.findUniqueOrThrow({ where: { email: 'founder@example.com' } });
    expect(user.passwordHash).not.toContain('correct horse');
  });

  it('refuses a second account with the same email, whatever its case, with CONFLICT', async () => {
    await t.ok(SIGNUP, { email: 'dup@example.com', password: 'correct horse', workspaceName: 'One' });
    const again = await t.gql(SIGNUP, { email: ' DUP@Example.com ', password: 'another one of mine', workspaceName: 'Two' });
    const error = errorOf(again);
    expect(error.extensions?.code).toBe('CONFLICT');
    expect(error.message).toContain('dup@example.com');
    expect(await t.app.database.prisma.workspace.count({ where: { name: 'Two' } })).toBe(0);
  });

  it('names each bad field and its rule', async () => {
    const result = await t.gql(SIGNUP, { email: 'not-an-email', password: 'short', workspaceName: ' ' });
    const issues = issuesOf(result);
    expect(issues.map((i) => [i.path, i.rule])).toEqual([
      [['email'], 'email'],
      [['password'], 'minLength'],
      [['workspaceName'], 'length'],
    ]);
    expect(errorOf(result).message).toContain('password must be at least 12 characters');
    expect(await t.app.database.prisma.user.count({ where: { email: 'not-an-email' } })).toBe(0);
  });

  it('logs in with the right password only, without telling which part was wrong', async () => {
    await t.ok(SIGNUP, { email: 'login@example.com', password: 'correct horse', workspaceName: 'Login' });
    const { login } = await t.ok(LOGIN, { email: 'Login@Example.com', password: 'correct horse' });
    expect((await t.ok(WORKSPACE, {}, login.token)).workspace.name).toBe('Login');

    const wrongPassword = errorOf(await t.gql(LOGIN, { email: 'login@example.com', password: 'wrong horse' }));
    const unknownEmail = errorOf(await t.gql(LOGIN, { email: 'nobody@example.com', password: 'correct horse' }));
    expect(wrongPassword.extensions?.code).toBe('UNAUTHENTICATED');
    expect(unknownEmail.extensions?.code).toBe('UNAUTHENTICATED');
    expect(wrongPassword.message).toBe(unknownEmail.message);
  });
});

describe('credentials on requests', () => {
  it('asks for a token when there is no Authorization header', async () => {
    const error = errorOf(await rawGql(WORKSPACE));
    expect(error.extensions?.code).toBe('UNAUTHENTICATED');
    expect(error.message).toMatch(/Authorization: Bearer/);
  });

  it('refuses garbage, a wrong scheme, a tampered token and an unknown API key with a clear message', async () => {
    const tokenA = await signUp(t);
    const tokenB = await signUp(t);
    const [header, , signature] = tokenA.split('.');
    // B's claims under A's signature: an attempt to enter B's workspace with A's token.
    const tampered = `${header}.${tokenB.split('.')[1]}.${signature}`;
    const cases: [string, RegExp][] = [
      ['Bearer garbage', /session token is not valid/],
      [`Bearer ${tampered}`, /session token is not valid/],
      [`Bearer ${tokenA.slice(0, -2)}xx`, /session token is not valid/],
      [`Basic ${Buffer.from('a:b').toString('base64')}`, /must be "Bearer/],
      ['Bearer pf_notarealkeyatall', /API key is not valid/],
    ];
    for (const [authorization, message] of cases) {
      const result = await rawGql(WORKSPACE, authorization);
      const error = errorOf(result);
      expect(error.extensions?.code, authorization).toBe('UNAUTHENTICATED');
      expect(error.message, authorization).toMatch(message);
      expect(result.data ?? null).toBeNull();
    }
  });

  it('refuses a genuine session token once it has expired', async () => {
    const token = await signUp(t);
    const [, payload] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    // Signed with the server's own key, for a live session: only the expiry is wrong.
    const expired = issueSessionToken(
      { sessionId: claims.sid, userId: claims.sub, workspaceId: claims.wid },
      t.app.services.secrets.sessionSigningKey,
      new Date(Date.now() - 1000),
    );
    const error = errorOf(await rawGql(WORKSPACE, `Bearer ${expired}`));
    expect(error.extensions?.code).toBe('UNAUTHENTICATED');
    expect(error.message).toMatch(/expired: login again/);
  });
});

describe('API keys', () => {
  it('shows the key once, stores only its SHA-256, and accepts it as a Bearer token', async () => {
    const token = await signUp(t);
    const { workspace } = await t.ok(WORKSPACE, {}, token);
    const { createApiKey } = await t.ok(`mutation { createApiKey(name: " CI ") { key apiKey { id name prefix } } }`, {}, token);
    expect(createApiKey.key).toMatch(/^pf_[\w-]{20,}$/);
    expect(createApiKey.apiKey).toMatchObject({ name: 'CI', prefix: createApiKey.key.slice(0, 10) });

    const { rows } = await t.app.database.pool.query(`SELECT * FROM api_keys WHERE id = $1`, [createApiKey.apiKey.id]);
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows[0])).not.toContain(createApiKey.key);
    expect(rows[0].key_hash).toBe(createHash('sha256').update(createApiKey.key).digest('hex'));

    const viaKey = await rawGql(WORKSPACE, `Bearer ${createApiKey.key}`);
    expect(viaKey.errors).toBeUndefined();
    expect(viaKey.data.workspace.id).toBe(workspace.id);
    // The key acts like its creator: it can do the work of the workspace.
    const channel = await createChannel(t, createApiKey.key, 'MASTODON', { instanceUrl: mastodon.url, accessToken: mastodon.accessToken });
    const { channels } = await t.ok(`{ channels { id } }`, {}, token);
    expect(channels.map((c: { id: string }) => c.id)).toEqual([channel.id]);
  });

  it('needs a signed-in caller and a name', async () => {
    expect(errorOf(await t.gql(`mutation { createApiKey(name: "x") { key } }`)).extensions?.code).toBe('UNAUTHENTICATED');
    const token = await signUp(t);
    const { workspace } = await t.ok(WORKSPACE, {}, token);
    const issues = issuesOf(await t.gql(`mutation { createApiKey(name: "  ") { key } }`, {}, token));
    expect(issues.map((i) => [i.path, i.rule])).toEqual([[['name'], 'length']]);
    expect(await t.app.database.prisma.apiKey.count({ where: { workspaceId: workspace.id } })).toBe(0);
  });
});

describe('workspace isolation', () => {
  it("user B can neither see nor change user A's channel, post or delivery", async () => {
    const tokenA = await signUp(t);
    const tokenB = await signUp(t);
    const channel = await createChannel(t, tokenA, 'MASTODON', { instanceUrl: mastodon.url, accessToken: mastodon.accessToken }, 'A channel');
    const scheduledAt = inMs(3_600_000);
    const post = await createPost(t, tokenA, { content: 'A only', channelIds: [channel.id], scheduledAt });
    const deliveryId = post.deliveries[0].id;
    const before = await readPost(t, tokenA, post.id);

    const notFound: [string, Record<string, unknown>][] = [
      [`query($id: ID!) { channel(id: $id) { id } }`, { id: channel.id }],
      [`mutation($id: ID!) { updateChannel(id: $id, input: { name: "B was here" }) { id } }`, { id: channel.id }],
      [`mutation($id: ID!) { pauseChannel(id: $id) { id } }`, { id: channel.id }],
      [`mutation($id: ID!) { deleteChannel(id: $id) { id } }`, { id: channel.id }],
      [`mutation($id: ID!) { updatePost(id: $id, input: { content: "B was here" }) { id } }`, { id: post.id }],
      [`mutation($id: ID!) { reschedulePost(id: $id, scheduledAt: "${inMs(7_200_000)}") { id } }`, { id: post.id }],
      [`mutation($id: ID!) { publishNow(id: $id) { id } }`, { id: post.id }],
      [`mutation($id: ID!) { cancelPost(id: $id) { id } }`, { id: post.id }],
      [`mutation($id: ID!) { deletePost(id: $id) }`, { id: post.id }],
      [`mutation($id: ID!) { rescheduleDelivery(id: $id, scheduledAt: "${inMs(7_200_000)}") { id } }`, { id: deliveryId }],
      [`mutation($id: ID!) { retryDelivery(id: $id) { id } }`, { id: deliveryId }],
    ];
    for (const [query, variables] of notFound) {
      const error = errorOf(await t.gql(query, variables, tokenB));
      expect(error.extensions?.code, query).toBe('NOT_FOUND');
    }

    expect((await t.ok(`query($id: ID!) { post(id: $id) { id } }`, { id: post.id }, tokenB)).post).toBeNull();
    expect((await t.ok(`{ posts(first: 10) { edges { node { id } } } }`, {}, tokenB)).posts.edges).toEqual([]);
    expect((await t.ok(`{ channels { id } }`, {}, tokenB)).channels).toEqual([]);
    const borrowed = await t.gql(
      `mutation($input: CreatePostInput!) { createPost(input: $input) { id } }`,
      { input: { content: 'B', channelIds: [channel.id], publishNow: true } },
      tokenB,
    );
    expect(issuesOf(borrowed).map((i) => [i.path, i.rule])).toEqual([[['input', 'channelIds', 0], 'exists']]);

    // A's data is exactly as it was, and its job still waits.
    expect(await readPost(t, tokenA, post.id)).toEqual(before);
    const stored = await t.app.database.prisma.channel.findUniqueOrThrow({ where: { id: channel.id } });
    expect(stored).toMatchObject({ name: 'A channel', paused: false, deletedAt: null });
    expect((await publishJobs(t, deliveryId)).map((j) => j.run_at.toISOString())).toEqual([scheduledAt]);
    expect(await t.app.database.prisma.post.count({ where: { workspaceId: stored.workspaceId } })).toBe(1);
    expect(mastodon.requests).toHaveLength(0);
  });
});

describe('workspace isolation of subscriptions', () => {
  it('deliveryUpdated shows a workspace only its own deliveries', async () => {
    const tokenA = await signUp(t);
    const tokenB = await signUp(t);
    const channelA = await createChannel(t, tokenA, 'MASTODON', { instanceUrl: mastodon.url, accessToken: mastodon.accessToken });
    const channelB = await createChannel(t, tokenB, 'MASTODON', { instanceUrl: mastodon.url, accessToken: mastodon.accessToken });
    type Update = { deliveryUpdated: { postId: string } };
    const QUERY = `subscription { deliveryUpdated { postId } }`;
    const all = collect<Update>(t.ws(tokenB), QUERY);
    // Registration is asynchronous: B's own drafts coming through prove the subscription is live.
    const probes = await untilListening(t, tokenB, channelB.id, all);

    const postA = await createPost(t, tokenA, { content: 'A private', channelIds: [channelA.id], draft: true });
    await t.ok(`mutation($id: ID!) { cancelPost(id: $id) { id } }`, { id: postA.id }, tokenA);
    // B's later change arrives after A's would have: by then A's events were filtered out, not merely late.
    const marker = await createPost(t, tokenB, { content: 'marker', channelIds: [channelB.id], draft: true });
    await all.until((items) => items.some((i) => i.deliveryUpdated.postId === marker.id));
    const seen = all.items.map((i) => i.deliveryUpdated.postId);
    expect(seen.at(-1)).toBe(marker.id);
    expect(seen.filter((id) => !probes.includes(id) && id !== marker.id)).toEqual([]); // nothing of A's
    expect(seen).not.toContain(postA.id);
    expect(all.errors).toEqual([]);
  });
});
