// What the role matrix (test/api.security.isolation.test.ts) does not show by itself: the errors' wording and
// fields, the scopes a key gets, and a key following its creator's role as it changes.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, startTestApp, type TestApp } from './helpers/testApp.js';
import { hashPassword } from '../src/security/passwords.js';

const PASSWORD = 'vivid-ocean-lantern-42';
let t: TestApp;
let owner: string;
let workspaceId: string;

beforeAll(async () => {
  t = await startTestApp();
  owner = await signUp(t);
  workspaceId = (await t.ok<{ workspace: { id: string } }>(`{ workspace { id } }`, {}, owner)).workspace.id;
}, 60_000);
afterAll(async () => {
  await t?.stop();
});

/** A member of the owner's workspace with this role, written as an accepted invitation would be (a test may write rows). */
async function member(role: string): Promise<{ token: string; userId: string }> {
  const email = `m-${randomBytes(4).toString('hex')}@example.com`;
  const { pool } = t.app.database;
  const user = await pool.query<{ id: string }>(`INSERT INTO users (email, password_hash) VALUES ($1, $2) RETURNING id`, [email, await hashPassword(PASSWORD)]);
  await pool.query(`INSERT INTO memberships (workspace_id, user_id, role) VALUES ($1, $2, $3)`, [workspaceId, user.rows[0]!.id, role]);
  const login = await t.ok<{ login: { token: string } }>(`mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }`, { e: email, p: PASSWORD });
  return { token: login.login.token, userId: user.rows[0]!.id };
}

// No channel: a caller the table lets through reaches the service, which answers VALIDATION_FAILED (and writes nothing).
const CREATE_POST = `mutation { createPost(input: { content: "hello", channelIds: [], draft: true }) { id } }`;
const codeOf = (result: { errors?: { extensions?: { code?: string } }[] }) => result.errors?.[0]?.extensions?.code;
const createKey = (token: string, scopes?: string[]) =>
  t.gql<{ createApiKey: { key: string; apiKey: { scopes: string[] } } }>(
    `mutation($s: [ApiScope!]) { createApiKey(name: "k", scopes: $s) { key apiKey { scopes } } }`,
    { s: scopes },
    token,
  );

describe('roles', () => {
  it('makes the person who signs up the OWNER, and a membership written without a role a VIEWER', async () => {
    const { pool } = t.app.database;
    expect((await pool.query(`SELECT role FROM memberships WHERE workspace_id = $1`, [workspaceId])).rows).toEqual([{ role: 'OWNER' }]);
    const user = await pool.query<{ id: string }>(`INSERT INTO users (email, password_hash) VALUES ($1, 'x') RETURNING id`, [`d-${randomBytes(4).toString('hex')}@example.com`]);
    const inserted = await pool.query(`INSERT INTO memberships (workspace_id, user_id) VALUES ($1, $2) RETURNING role`, [workspaceId, user.rows[0]!.id]);
    expect(inserted.rows).toEqual([{ role: 'VIEWER' }]);
  });

  it('refuses a role too low with FORBIDDEN naming the role needed and the one held', async () => {
    const viewer = await member('VIEWER');
    const result = await t.gql(CREATE_POST, {}, viewer.token);
    expect(result.errors?.[0]).toMatchObject({
      message: 'createPost needs the EDITOR role (you are VIEWER)',
      extensions: { code: 'FORBIDDEN', operation: 'createPost', requiredRole: 'EDITOR', role: 'VIEWER' },
    });
    // Reading is what a viewer is for.
    expect((await t.gql(`{ posts(first: 1) { edges { node { id } } } }`, {}, viewer.token)).errors).toBeUndefined();
  });

  it('gives a new key every scope of its creator by default, or the ones asked for, and refuses the others naming the scope', async () => {
    const all = await createKey(owner);
    expect(all.data?.createApiKey.apiKey.scopes.sort()).toEqual(['CHANNELS_READ', 'CHANNELS_WRITE', 'MEMBERS_WRITE', 'POSTS_READ', 'POSTS_WRITE', 'SOURCES_READ', 'SOURCES_WRITE']);
    const readOnly = await createKey(owner, ['POSTS_READ']);
    expect(readOnly.data?.createApiKey.apiKey.scopes).toEqual(['POSTS_READ']);
    const key = readOnly.data!.createApiKey.key;
    expect((await t.gql(`{ posts(first: 1) { edges { node { id } } } }`, {}, key)).errors).toBeUndefined();
    expect((await t.gql(CREATE_POST, {}, key)).errors?.[0]).toMatchObject({
      message: 'createPost needs an API key with the posts:write scope',
      extensions: { code: 'FORBIDDEN', requiredScope: 'posts:write' },
    });
    expect((await createKey(owner, [])).errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: ['scopes'], rule: 'required' }] });
  });

  it("holds a key to its creator's role now: a demotion narrows it, a removal refuses it", async () => {
    const admin = await member('ADMIN');
    const key = (await createKey(admin.token)).data!.createApiKey.key;
    const { pool } = t.app.database;
    expect(codeOf(await t.gql(CREATE_POST, {}, key))).toBe('VALIDATION_FAILED');
    await pool.query(`UPDATE memberships SET role = 'VIEWER' WHERE user_id = $1`, [admin.userId]);
    expect((await t.gql(CREATE_POST, {}, key)).errors?.[0]).toMatchObject({
      message: "createPost needs the EDITOR role (this API key's creator is VIEWER)",
      extensions: { code: 'FORBIDDEN', requiredRole: 'EDITOR' },
    });
    expect((await t.gql(`{ posts(first: 1) { edges { node { id } } } }`, {}, key)).errors).toBeUndefined();
    await pool.query(`DELETE FROM memberships WHERE user_id = $1`, [admin.userId]);
    expect((await t.gql(`{ posts(first: 1) { edges { node { id } } } }`, {}, key)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('keeps keys away from what needs a session, whatever their scopes', async () => {
    const key = (await createKey(owner)).data!.createApiKey.key;
    expect((await createKey(key)).errors?.[0]).toMatchObject({
      message: 'createApiKey needs a session token (login), not an API key',
      extensions: { code: 'FORBIDDEN', requiredCredential: 'session' },
    });
  });
});
