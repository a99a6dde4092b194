// Sessions and API keys that end: logout, logoutEverywhere, a password change, a deleted user, a removed membership,
// expiry and revocation; strict parsing of what a client sends; API keys listed, expiring and revoked.
import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/testApp.js';
import { codeOf, LOGIN, PASSWORD, post, SIGNUP, WORKSPACE } from './helpers/http.js';
import { errorOf, issuesOf } from './helpers/api.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.stop();
});

let n = 0;
async function person(): Promise<{ email: string; token: string }> {
  const email = `s${++n}-${randomBytes(3).toString('hex')}@example.com`;
  const { signup } = await t.ok(SIGNUP, { email, password: PASSWORD, workspaceName: 'W' });
  return { email, token: signup.token };
}
const loginAs = async (email: string, password = PASSWORD) => (await t.ok(LOGIN, { email, password })).login.token as string;
const works = async (token: string) => (await post(t, WORKSPACE, {}, { token })).errors === undefined;
const refusal = async (authorization: string) => {
  const result = await post(t, WORKSPACE, {}, { authorization });
  return { code: codeOf(result), message: result.errors?.[0]?.message ?? '', data: result.data ?? null };
};
const sessionIdOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')).sid as string;
const sql = (text: string, values: unknown[] = []) => t.app.database.pool.query(text, values);

describe('ending sessions', () => {
  it('logout ends this session only', async () => {
    const { email, token } = await person();
    const other = await loginAs(email);
    expect((await t.ok(`mutation { logout }`, {}, token)).logout).toBe(true);
    expect(await refusal(`Bearer ${token}`)).toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringMatching(/session has ended/) });
    expect(await works(other)).toBe(true);
    const { rows } = await sql(`SELECT revoked_at FROM sessions WHERE id = $1`, [sessionIdOf(token)]);
    expect(rows[0].revoked_at).toBeInstanceOf(Date);
  });

  it('logoutEverywhere ends every session of the person, and no one else', async () => {
    const { email, token } = await person();
    const others = [await loginAs(email), await loginAs(email)];
    const stranger = await person();
    expect((await t.ok(`mutation { logoutEverywhere }`, {}, token)).logoutEverywhere).toBe(3);
    for (const ended of [token, ...others]) expect(await works(ended)).toBe(false);
    expect(await works(stranger.token)).toBe(true);
  });

  it('changePassword ends the other sessions, keeps this one, and only the new password logs in', async () => {
    const { email, token } = await person();
    const other = await loginAs(email);
    const wrong = await t.gql(`mutation { changePassword(currentPassword: "not it at all", newPassword: "a brand new phrase") }`, {}, token);
    expect(issuesOf(wrong).map((i) => [i.path, i.rule])).toEqual([[['currentPassword'], 'incorrect']]);
    const weak = await t.gql(`mutation { changePassword(currentPassword: "${PASSWORD}", newPassword: "password1234") }`, {}, token);
    expect(issuesOf(weak).map((i) => [i.path, i.rule])).toEqual([[['newPassword'], 'common']]);
    expect(await works(other)).toBe(true);

    const { changePassword } = await t.ok(`mutation { changePassword(currentPassword: "${PASSWORD}", newPassword: "a brand new phrase") }`, {}, token);
    expect(changePassword).toBe(1);
    expect(await works(token)).toBe(true);
    expect(await works(other)).toBe(false);
    expect(codeOf(await post(t, LOGIN, { email, password: PASSWORD }))).toBe('UNAUTHENTICATED');
    expect(await works(await loginAs(email, 'a brand new phrase'))).toBe(true);
  });

  it("refuses a deleted user's token and keys: UNAUTHENTICATED, never an internal error", async () => {
    const { email, token } = await person();
    const { createApiKey } = await t.ok(`mutation { createApiKey(name: "k") { key } }`, {}, token);
    await sql(`DELETE FROM users WHERE email = $1`, [email]);
    for (const credential of [token, createApiKey.key]) {
      expect((await refusal(`Bearer ${credential}`)).code).toBe('UNAUTHENTICATED');
      const created = await t.gql(`mutation { createPost(input: { content: "x", channelIds: [], draft: true }) { id } }`, {}, credential);
      expect(errorOf(created).extensions?.code).toBe('UNAUTHENTICATED');
    }
  });

  it('refuses the token and keys of a person whose membership was removed, though the user still exists', async () => {
    const { token } = await person();
    const { createApiKey } = await t.ok(`mutation { createApiKey(name: "k") { key } }`, {}, token);
    const { workspace } = await t.ok(WORKSPACE, {}, token);
    await sql(`DELETE FROM memberships WHERE workspace_id = $1`, [workspace.id]);
    expect((await refusal(`Bearer ${token}`)).code).toBe('UNAUTHENTICATED');
    expect((await refusal(`Bearer ${createApiKey.key}`)).code).toBe('UNAUTHENTICATED');
  });

  it('refuses a session past its expiry in the database, though its token has not expired', async () => {
    const { token } = await person();
    await sql(`UPDATE sessions SET expires_at = now() - interval '1 second' WHERE id = $1`, [sessionIdOf(token)]);
    expect((await refusal(`Bearer ${token}`)).code).toBe('UNAUTHENTICATED');
  });
});

describe('what a client sends is parsed strictly', () => {
  it('refuses anything but "Bearer <one canonical credential>"', async () => {
    const { token } = await person();
    const { createApiKey } = await t.ok(`mutation { createApiKey(name: "k") { key } }`, {}, token);
    const [header, payload, signature] = token.split('.');
    const forgedSignature = createHmac('sha256', randomBytes(32)).update(`${header}.${payload}`).digest('base64url');
    // The signature's last character carries 2 spare bits: changing them keeps the bytes, not the text.
    const last = signature.at(-1)!;
    const sameBytes = 'AEIMQUYcgkosw048'.split('').find((c) => c !== last && Buffer.from(signature.slice(0, -1) + c, 'base64url').equals(Buffer.from(signature, 'base64url')));
    const cases = [
      `Bearer ${token}.extra`,
      `Bearer ${token}.`,
      `Bearer  ${token}`,
      `Bearer ${token} ${token}`,
      `Bearer ${token}=`,
      `Bearer ${header}.${payload}.${forgedSignature}`,
      ...(sameBytes ? [`Bearer ${header}.${payload}.${signature.slice(0, -1)}${sameBytes}`] : []),
      `Bearer ${createApiKey.key}x`,
      `Bearer ${createApiKey.key}.extra`,
      `Token ${token}`,
    ];
    for (const authorization of cases) {
      const answer = await refusal(authorization);
      expect(answer.code, authorization).toBe('UNAUTHENTICATED');
      expect(answer.data, authorization).toBeNull();
    }
    expect(await works(token)).toBe(true);
    expect((await post(t, WORKSPACE, {}, { authorization: `bearer ${createApiKey.key}` })).errors).toBeUndefined();
  });
});

describe('API keys', () => {
  const KEY_FIELDS = `id name prefix createdAt lastUsedAt expiresAt revokedAt createdBy { email }`;

  it('are listed without the secret, with creator, use and expiry, and revoked at once', async () => {
    const { email, token } = await person();
    const first = (await t.ok(`mutation { createApiKey(name: "import") { key apiKey { id } } }`, {}, token)).createApiKey;
    const second = (await t.ok(`mutation { createApiKey(name: "console", expiresInDays: 30) { key apiKey { id expiresAt } } }`, {}, token)).createApiKey;
    const days = (new Date(second.apiKey.expiresAt).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);

    expect(await works(first.key)).toBe(true);
    const { apiKeys } = await t.ok(`{ apiKeys { ${KEY_FIELDS} } }`, {}, token);
    expect(apiKeys.map((k: { name: string }) => k.name)).toEqual(['console', 'import']);
    expect(apiKeys[1]).toMatchObject({ id: first.apiKey.id, prefix: first.key.slice(0, 10), createdBy: { email }, expiresAt: null, revokedAt: null });
    expect(apiKeys[1].lastUsedAt).not.toBeNull();
    expect(apiKeys[0].lastUsedAt).toBeNull();
    expect(JSON.stringify(apiKeys)).not.toContain(first.key);

    // Used again within the minute: last use is not written again.
    await works(first.key);
    const again = (await t.ok(`{ apiKeys { id lastUsedAt } }`, {}, token)).apiKeys.find((k: { id: string }) => k.id === first.apiKey.id);
    expect(again.lastUsedAt).toBe(apiKeys[1].lastUsedAt);

    const { revokeApiKey } = await t.ok(`mutation($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }`, { id: first.apiKey.id }, token);
    expect(revokeApiKey.revokedAt).not.toBeNull();
    expect(await refusal(`Bearer ${first.key}`)).toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringMatching(/revoked, expired/) });
    expect(await works(second.key)).toBe(true);
    expect((await t.ok(`{ apiKeys { id } }`, {}, token)).apiKeys.map((k: { id: string }) => k.id)).toEqual([second.apiKey.id]);
    expect((await t.ok(`{ apiKeys(includeRevoked: true) { id } }`, {}, token)).apiKeys).toHaveLength(2);
    expect(errorOf(await t.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: first.apiKey.id }, token)).extensions?.code).toBe('NOT_FOUND');
  });

  it('cannot be listed or revoked from another workspace', async () => {
    const owner = await person();
    const other = await person();
    const { createApiKey } = await t.ok(`mutation { createApiKey(name: "mine") { key apiKey { id } } }`, {}, owner.token);
    expect((await t.ok(`{ apiKeys(includeRevoked: true) { id } }`, {}, other.token)).apiKeys).toEqual([]);
    expect(errorOf(await t.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: createApiKey.apiKey.id }, other.token)).extensions?.code).toBe('NOT_FOUND');
    expect(await works(createApiKey.key)).toBe(true);
  });

  it('stop working when they expire, and refuse an expiry that is not in the future', async () => {
    const { token } = await person();
    const soon = new Date(Date.now() + 3_600_000).toISOString();
    const { createApiKey } = await t.ok(`mutation($at: DateTime!) { createApiKey(name: "short", expiresAt: $at) { key apiKey { id expiresAt } } }`, { at: soon }, token);
    expect(createApiKey.apiKey.expiresAt).toBe(soon);
    expect(await works(createApiKey.key)).toBe(true);
    await sql(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`, [createApiKey.apiKey.id]);
    expect((await refusal(`Bearer ${createApiKey.key}`)).code).toBe('UNAUTHENTICATED');

    const past = await t.gql(`mutation($at: DateTime!) { createApiKey(name: "late", expiresAt: $at) { key } }`, { at: new Date(Date.now() - 1000).toISOString() }, token);
    expect(issuesOf(past).map((i) => [i.path, i.rule])).toEqual([[['expiresAt'], 'future']]);
    const both = await t.gql(`mutation($at: DateTime!) { createApiKey(name: "x", expiresAt: $at, expiresInDays: 3) { key } }`, { at: soon }, token);
    expect(issuesOf(both).map((i) => [i.path, i.rule])).toEqual([[['expiresAt'], 'exclusive']]);
    const zero = await t.gql(`mutation { createApiKey(name: "x", expiresInDays: 0) { key } }`, {}, token);
    expect(issuesOf(zero).map((i) => [i.path, i.rule])).toEqual([[['expiresInDays'], 'range']]);
  });

  it('cannot create API keys (FORBIDDEN: a leaked, expiring key must not mint a lasting one), but lists and revokes them', async () => {
    const { token } = await person();
    const soon = new Date(Date.now() + 3_600_000).toISOString();
    const { createApiKey: short } = await t.ok(`mutation($at: DateTime!) { createApiKey(name: "short", expiresAt: $at) { key apiKey { id } } }`, { at: soon }, token);
    for (const args of ['name: "forever"', 'name: "later", expiresInDays: 30']) {
      const minted = await t.gql(`mutation { createApiKey(${args}) { key } }`, {}, short.key);
      expect(errorOf(minted).extensions?.code, args).toBe('FORBIDDEN');
      expect(minted.data?.createApiKey ?? null).toBeNull();
    }
    const workspaceKeys = async () => (await sql(`SELECT id FROM api_keys WHERE workspace_id = (SELECT workspace_id FROM api_keys WHERE id = $1)`, [short.apiKey.id])).rows;
    expect(await workspaceKeys()).toHaveLength(1);
    // Listing and revoking stay open to keys: revoking is how a key that leaked is stopped, by any credential at hand.
    const { createApiKey: other } = await t.ok(`mutation { createApiKey(name: "other") { key apiKey { id } } }`, {}, token);
    expect((await t.ok(`{ apiKeys { id } }`, {}, short.key)).apiKeys.map((k: { id: string }) => k.id).sort()).toEqual([short.apiKey.id, other.apiKey.id].sort());
    expect((await t.ok(`mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }`, { id: other.apiKey.id }, short.key)).revokeApiKey.revokedAt).not.toBeNull();
    expect(await works(other.key)).toBe(false);
    expect((await t.ok(`mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: short.apiKey.id }, short.key)).revokeApiKey.id).toBe(short.apiKey.id);
    expect(await works(short.key)).toBe(false);
    expect(await works(token)).toBe(true);
  });

  it('cannot end sessions or change the password: those need the person, FORBIDDEN', async () => {
    const { token } = await person();
    const { createApiKey } = await t.ok(`mutation { createApiKey(name: "bot") { key } }`, {}, token);
    for (const mutation of [
      `mutation { logout }`,
      `mutation { logoutEverywhere }`,
      `mutation { changePassword(currentPassword: "${PASSWORD}", newPassword: "something else entirely") }`,
    ]) {
      expect(errorOf(await t.gql(mutation, {}, createApiKey.key)).extensions?.code, mutation).toBe('FORBIDDEN');
    }
    expect(await works(token)).toBe(true);
  });
});
