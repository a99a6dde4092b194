// Workspace lifecycle (issue 12, section 1): an export built by the worker, downloaded once (no credentials in it,
// invisible to another workspace), expiring; deleteWorkspace with its confirmation, the grace period in which nothing
// publishes, its cancellation (and what fell due then publishes), and the purge that removes every row.
import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, signUp, startTestApp, type GraphQLErrorShape, type TestApp } from './helpers/testApp.js';
import { createChannel, createPost, waitForDelivery } from './helpers/scenario.js';
import { inMs, publishJobs } from './helpers/api.js';
import { startWebhookReceiver, type WebhookReceiver } from './fakes/webhookReceiver.js';
import { hashPassword } from '../src/security/passwords.js';
import { forgetExpired } from '../src/store/rateLimits.js';
import { purgeDueWorkspaces } from '../src/services/workspaceDeletion.js';

const HOOK_SECRET = 'webhook-secret-of-the-channel-7f3a';
const PASSWORD = 'vivid-ocean-lantern-42';
const EXPORT = `mutation { exportWorkspace { workspaceExport { id status expiresAt } downloadUrl } }`;
const EXPORTS = `{ workspaceExports { id status sizeBytes readyAt downloadedAt } }`;
const DELETE = `mutation($confirm: String!) { deleteWorkspace(confirm: $confirm) { id deletionScheduledAt } }`;
const CANCEL = `mutation { cancelWorkspaceDeletion { id deletionScheduledAt } }`;

let t: TestApp;
let hooks: WebhookReceiver;

beforeAll(async () => {
  hooks = await startWebhookReceiver({ secret: HOOK_SECRET });
  t = await startTestApp();
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await hooks?.stop();
});

const codes = (errors: GraphQLErrorShape[] | undefined) => (errors ?? []).map((e) => e.extensions?.code);
const q = (text: string, values: unknown[] = []) => t.app.database.pool.query(text, values);

interface Workspace {
  owner: string;
  id: string;
  name: string;
  channelId: string;
}

async function workspace(): Promise<Workspace> {
  const name = `Shop ${randomBytes(3).toString('hex')}`;
  const email = `owner-${randomBytes(4).toString('hex')}@example.com`;
  const owner = (await t.ok(`mutation($e: String!, $p: String!, $n: String!) { signup(email: $e, password: $p, workspaceName: $n) { token } }`, { e: email, p: PASSWORD, n: name }))
    .signup.token as string;
  const id = (await t.ok<{ workspace: { id: string } }>(`{ workspace { id } }`, {}, owner)).workspace.id;
  const channel = await createChannel(t, owner, 'WEBHOOK', { url: hooks.hookUrl, secret: HOOK_SECRET }, 'Site');
  return { owner, id, name, channelId: channel.id };
}

/** A member with this role, written as an accepted invitation would be; signed in. */
async function member(workspaceId: string, role: string): Promise<{ token: string; email: string; userId: string }> {
  const email = `${role.toLowerCase()}-${randomBytes(4).toString('hex')}@example.com`;
  const user = await q(`INSERT INTO users (email, password_hash) VALUES ($1, $2) RETURNING id`, [email, await hashPassword(PASSWORD)]);
  await q(`INSERT INTO memberships (workspace_id, user_id, role) VALUES ($1, $2, $3)`, [workspaceId, user.rows[0].id, role]);
  const login = await t.ok<{ login: { token: string } }>(`mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }`, { e: email, p: PASSWORD });
  return { token: login.login.token, email, userId: user.rows[0].id };
}

/** The server's public URL names localhost; the test app listens on 127.0.0.1. */
const download = (url: string) => fetch(url.replace('//localhost:', '//127.0.0.1:'));

const exportsOf = async (token: string) => (await t.ok<{ workspaceExports: { id: string; status: string }[] }>(EXPORTS, {}, token)).workspaceExports;
const waitForExport = (token: string, id: string, status: string) =>
  eventually(async () => (await exportsOf(token)).find((e) => e.id === id && e.status === status), 15_000, `export ${id} to be ${status}`);

describe('exportWorkspace', () => {
  it('builds the archive in the worker; downloaded once, with no credentials in it, and not to another workspace', async () => {
    const w = await workspace();
    const admin = await member(w.id, 'ADMIN');
    const editor = await member(w.id, 'EDITOR');
    const published = await createPost(t, w.owner, { content: 'out already', channelIds: [w.channelId], publishNow: true });
    await waitForDelivery(t, w.owner, published.id, ['PUBLISHED']);
    const later = await createPost(t, editor.token, { content: 'for tomorrow', channelIds: [w.channelId], scheduledAt: inMs(86_400_000) });
    await t.ok(`mutation($id: ID!) { addComment(postId: $id, text: "ship it on Friday") { id } }`, { id: later.id }, editor.token);
    const key = (await t.ok(`mutation { createApiKey(name: "ci") { key } }`, {}, w.owner)).createApiKey.key as string;

    expect(codes((await t.gql(EXPORT, {}, editor.token)).errors)).toEqual(['FORBIDDEN']);
    const asked = (await t.ok(EXPORT, {}, admin.token)).exportWorkspace;
    expect(asked.workspaceExport.status).toBe('PENDING');
    const token = new URL(asked.downloadUrl).pathname.split('/').pop()!;
    expect(asked.downloadUrl).toBe(`${t.app.services.config.publicUrl}/exports/${token}`);
    expect(codes((await t.gql(EXPORT, {}, admin.token)).errors), 'one export at a time').toEqual(['CONFLICT']);

    await waitForExport(admin.token, asked.workspaceExport.id, 'READY');
    const stored = await q(`SELECT token_hash, extract(epoch FROM expires_at - created_at) AS ttl FROM workspace_exports WHERE id = $1`, [asked.workspaceExport.id]);
    expect(stored.rows[0].token_hash, 'only a hash is stored').not.toContain(token);
    expect(Math.round(Number(stored.rows[0].ttl))).toBe(86_400);

    // Another workspace's ADMIN sees none of it, and a link that is not the one given finds nothing.
    const other = await workspace();
    expect(await exportsOf(other.owner)).toEqual([]);
    expect((await download(`${t.app.services.config.publicUrl}/exports/${randomBytes(32).toString('base64url')}`)).status).toBe(404);

    const response = await download(asked.downloadUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/gzip');
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="postflow-export-shop-[0-9a-f]{6}-\d{4}-\d{2}-\d{2}\.json\.gz"$/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const text = gunzipSync(Buffer.from(await response.arrayBuffer())).toString('utf8');
    const archive = JSON.parse(text);

    expect(archive.workspace).toMatchObject({ id: w.id, name: w.name });
    expect(archive.members.map((m: { email: string; role: string }) => m.role).sort()).toEqual(['ADMIN', 'EDITOR', 'OWNER']);
    expect(archive.members.find((m: { role: string }) => m.role === 'EDITOR').email).toBe(editor.email);
    expect(archive.channels).toHaveLength(1);
    expect(archive.channels[0]).toMatchObject({ id: w.channelId, platform: 'WEBHOOK', name: 'Site' });
    expect(archive.channels[0].policy.minIntervalMinutes, 'the posting policy').toBe(0);
    const byId = new Map(archive.posts.map((p: { id: string }) => [p.id, p]));
    const out = byId.get(published.id) as any;
    expect(out.deliveries[0]).toMatchObject({ channelId: w.channelId, status: 'PUBLISHED' });
    expect(out.deliveries[0].attemptLog).toEqual([expect.objectContaining({ number: 1, outcome: 'SUCCEEDED', responseCode: 200 })]);
    expect((byId.get(later.id) as any).comments).toEqual([expect.objectContaining({ kind: 'COMMENT', text: 'ship it on Friday', authorEmail: editor.email })]);

    // No credential in any form: the secret, the sealed blob, the API key (or its hash), the download token.
    const channelRow = await q(`SELECT credentials_encrypted FROM channels WHERE id = $1`, [w.channelId]);
    const keyRow = await q(`SELECT key_hash FROM api_keys WHERE workspace_id = $1`, [w.id]);
    for (const secret of [HOOK_SECRET, channelRow.rows[0].credentials_encrypted, key, keyRow.rows[0].key_hash, token, stored.rows[0].token_hash]) {
      expect(text.includes(secret), `the archive holds ${String(secret).slice(0, 12)}…`).toBe(false);
    }
    expect(text).not.toMatch(/credentials|password|secret/i);

    // Once: the second request is 410, and the archive is gone from the database.
    const again = await download(asked.downloadUrl);
    expect(again.status).toBe(410);
    expect((await again.json()).error).toMatch(/downloaded already/);
    expect((await exportsOf(admin.token)).find((e) => e.id === asked.workspaceExport.id)?.status).toBe('DOWNLOADED');
    expect((await q(`SELECT archive FROM workspace_exports WHERE id = $1`, [asked.workspaceExport.id])).rows[0].archive).toBeNull();
  }, 40_000);

  it('expires after 24 hours: the link is 410 and housekeeping drops the archive', async () => {
    const w = await workspace();
    const asked = (await t.ok(EXPORT, {}, w.owner)).exportWorkspace;
    await waitForExport(w.owner, asked.workspaceExport.id, 'READY');
    await q(`UPDATE workspace_exports SET created_at = now() - interval '25 hours', expires_at = now() - interval '1 hour' WHERE id = $1`, [asked.workspaceExport.id]);
    expect((await exportsOf(w.owner))[0]!.status).toBe('EXPIRED');
    const expired = await download(asked.downloadUrl);
    expect(expired.status).toBe(410);
    expect((await expired.json()).error).toMatch(/expired/);
    expect((await forgetExpired(t.app.database.pool)).workspaceExports).toBeGreaterThanOrEqual(1);
    const row = await q(`SELECT status, archive FROM workspace_exports WHERE id = $1`, [asked.workspaceExport.id]);
    expect(row.rows[0]).toEqual({ status: 'EXPIRED', archive: null });
  }, 30_000);
});

describe('deleteWorkspace', () => {
  it('needs the OWNER and the exact name; holds publishing during the grace period; cancelling publishes what fell due', async () => {
    const w = await workspace();
    const admin = await member(w.id, 'ADMIN');
    expect(codes((await t.gql(DELETE, { confirm: w.name }, admin.token)).errors)).toEqual(['FORBIDDEN']);
    const wrong = await t.gql(DELETE, { confirm: w.name.toUpperCase() }, w.owner);
    expect(wrong.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', issues: [expect.objectContaining({ path: ['confirm'], rule: 'workspaceName' })] });
    expect((await q(`SELECT deletion_scheduled_at FROM workspaces WHERE id = $1`, [w.id])).rows[0].deletion_scheduled_at).toBeNull();

    const before = Date.now();
    const scheduled = (await t.ok(DELETE, { confirm: w.name }, w.owner)).deleteWorkspace;
    const purgeAt = new Date(scheduled.deletionScheduledAt).getTime();
    expect(purgeAt - before).toBeGreaterThanOrEqual(7 * 86_400_000 - 1000);
    expect(purgeAt - Date.now()).toBeLessThanOrEqual(7 * 86_400_000);
    expect(codes((await t.gql(DELETE, { confirm: w.name }, w.owner)).errors)).toEqual(['CONFLICT']);

    // Due during the grace period: its job runs, and the claim refuses it. It stays SCHEDULED, and nothing is sent.
    const due = await createPost(t, w.owner, { content: 'due while the workspace is going', channelIds: [w.channelId], scheduledAt: inMs(1200) });
    const deliveryId = due.deliveries[0]!.id;
    await eventually(async () => (await publishJobs(t, deliveryId)).length === 0, 15_000, 'the publish job to have run');
    expect((await q(`SELECT status FROM deliveries WHERE id = $1`, [deliveryId])).rows[0].status).toBe('SCHEDULED');
    expect(hooks.requests.filter((r) => r.headers['x-postflow-delivery'] === deliveryId)).toEqual([]);

    // Members still sign in and see it, deletion date included.
    const again = await t.ok(`mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }`, { e: admin.email, p: PASSWORD });
    expect((await t.ok(`{ workspace { id deletionScheduledAt } }`, {}, again.login.token)).workspace).toEqual({ id: w.id, deletionScheduledAt: scheduled.deletionScheduledAt });

    expect(codes((await t.gql(CANCEL, {}, admin.token)).errors)).toEqual(['FORBIDDEN']);
    expect((await t.ok(CANCEL, {}, w.owner)).cancelWorkspaceDeletion).toEqual({ id: w.id, deletionScheduledAt: null });
    await waitForDelivery(t, w.owner, due.id, ['PUBLISHED']);
    expect(hooks.deliveries.filter((d) => d.deliveryId === deliveryId)).toHaveLength(1);
    expect(codes((await t.gql(CANCEL, {}, w.owner)).errors)).toEqual(['CONFLICT']);

    const audit = await t.ok(`{ auditLog(first: 10) { edges { node { action actorId details } } } }`, {}, w.owner);
    const actions = audit.auditLog.edges.map((e: { node: { action: string } }) => e.node.action);
    expect(actions).toEqual(expect.arrayContaining(['workspace.deletion_scheduled', 'workspace.deletion_cancelled']));
  }, 40_000);

  it('purges after the grace period: every row of the workspace, its sessions and keys, and accounts in no other workspace', async () => {
    const w = await workspace();
    const other = await workspace();
    const viewer = await member(w.id, 'VIEWER');
    // In two workspaces: kept, with their membership elsewhere.
    const both = await member(w.id, 'EDITOR');
    await q(`INSERT INTO memberships (workspace_id, user_id, role) VALUES ($1, $2, 'EDITOR')`, [other.id, both.userId]);
    const bothElsewhere = (await t.ok(`mutation($id: ID!) { switchWorkspace(id: $id) { token } }`, { id: other.id }, both.token)).switchWorkspace.token;
    const post = await createPost(t, w.owner, { content: 'never to go out', channelIds: [w.channelId], scheduledAt: inMs(3 * 86_400_000) });
    const key = (await t.ok(`mutation { createApiKey(name: "ci") { key } }`, {}, w.owner)).createApiKey.key as string;
    await t.ok(EXPORT, {}, w.owner);

    await t.ok(DELETE, { confirm: w.name }, w.owner);
    expect(await purgeDueWorkspaces({ pool: t.app.database.pool, logger: t.app.services.logger }), 'not before its time').toBe(0);
    expect((await q(`SELECT count(*)::int AS n FROM workspaces WHERE id = $1`, [w.id])).rows[0].n).toBe(1);

    // The clock moved on: the grace period is over.
    await q(`UPDATE workspaces SET deletion_scheduled_at = now() - interval '1 second' WHERE id = $1`, [w.id]);
    expect(await purgeDueWorkspaces({ pool: t.app.database.pool, logger: t.app.services.logger })).toBe(1);

    for (const table of ['workspaces', 'memberships', 'sessions', 'api_keys', 'channels', 'posts', 'deliveries', 'audit_events', 'workspace_exports']) {
      const column = table === 'workspaces' ? 'id' : 'workspace_id';
      expect((await q(`SELECT count(*)::int AS n FROM ${table} WHERE ${column} = $1`, [w.id])).rows[0].n, table).toBe(0);
    }
    expect(await publishJobs(t, post.deliveries[0]!.id)).toEqual([]);
    const users = await q(`SELECT email FROM users WHERE id = ANY($1::uuid[])`, [[viewer.userId, both.userId]]);
    expect(users.rows.map((u) => u.email)).toEqual([both.email]);
    for (const gone of [w.owner, viewer.token, both.token, key]) expect(codes((await t.gql(`{ workspace { id } }`, {}, gone)).errors)).toEqual(['UNAUTHENTICATED']);
    expect((await t.ok(`{ workspace { id } }`, {}, bothElsewhere)).workspace.id).toBe(other.id);
    expect((await t.ok(`{ workspace { id } }`, {}, other.owner)).workspace.id).toBe(other.id);
  }, 40_000);
});

describe('email verification without SMTP', () => {
  it('treats every account as verified, with nothing to send', async () => {
    const token = await signUp(t);
    expect((await t.ok(`{ me { emailVerified } }`, {}, token)).me.emailVerified).toBe(true);
    expect((await t.ok(`mutation { requestEmailVerification }`, {}, token)).requestEmailVerification).toBe(false);
  });
});
