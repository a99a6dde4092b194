// The audit trail (issue 12, section 6) through the API against a real database: what people do through a session
// or an API key is recorded with who, how and on what; the worker's outcomes as SYSTEM; auditLog is ADMIN and OWNER
// only, confined to the workspace, newest first, filtered and paged; housekeeping forgets events past the retention.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from './fakes/webhookReceiver.js';
import { signUp, startTestApp, type GraphQLErrorShape, type TestApp } from './helpers/testApp.js';
import { createChannel, createPost, waitForDelivery } from './helpers/scenario.js';
import { inMs } from './helpers/api.js';
import { forgetExpired } from '../src/store/rateLimits.js';

const HOOK_SECRET = 'webhook-secret-of-the-channel';
const PASSWORD = 'vivid-ocean-lantern-42';
/** Sets workspaces' plans (setWorkspacePlan): an instance administrator by POSTFLOW_ADMIN_EMAILS. */
const INSTANCE_ADMIN = 'instance-admin@example.com';
const EVENT = `id at actorId via sessionId apiKeyId action targetType targetId details`;
const AUDIT = `query($filter: AuditFilter, $first: Int, $after: String) {
  auditLog(filter: $filter, first: $first, after: $after) { edges { cursor node { ${EVENT} } } pageInfo { hasNextPage endCursor } } }`;

interface AuditEventShape {
  id: string;
  at: string;
  actorId: string | null;
  via: string;
  sessionId: string | null;
  apiKeyId: string | null;
  action: string;
  targetType: string;
  targetId: string;
  details: Record<string, unknown>;
}

let t: TestApp;
let hooks: WebhookReceiver;

beforeAll(async () => {
  hooks = await startWebhookReceiver({ secret: HOOK_SECRET });
  t = await startTestApp({ env: { POSTFLOW_ADMIN_EMAILS: INSTANCE_ADMIN } });
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await hooks?.stop();
});

const codes = (errors: GraphQLErrorShape[] | undefined) => (errors ?? []).map((e) => e.extensions?.code);

async function auditLog(token: string, filter: Record<string, unknown> = {}, first = 100, after?: string) {
  const data = await t.ok<{ auditLog: { edges: { cursor: string; node: AuditEventShape }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } }>(
    AUDIT,
    { filter, first, after },
    token,
  );
  return { events: data.auditLog.edges.map((e) => e.node), pageInfo: data.auditLog.pageInfo };
}

/** The signed-in person behind a session token: its claims name the user (sub) and the session row (sid). */
function whoIs(token: string): { userId: string; sessionId: string } {
  const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { sid: string; sub: string };
  return { userId: claims.sub, sessionId: claims.sid };
}

/** A new person who joins the owner's workspace with this role, through an invitation accepted with a password. */
async function join(ownerToken: string, role: string): Promise<{ token: string; userId: string; invitationId: string }> {
  const address = `${role.toLowerCase()}-${randomBytes(4).toString('hex')}@example.com`;
  const invited = await t.ok<{ inviteMember: { invitation: { id: string }; link: string } }>(
    `mutation($email: String!, $role: MemberRole!) { inviteMember(email: $email, role: $role) { invitation { id } link } }`,
    { email: address, role },
    ownerToken,
  );
  const invitation = new URL(invited.inviteMember.link).pathname.split('/').at(-1)!;
  const accepted = await t.ok<{ acceptInvitation: { token: string } }>(
    `mutation($token: String!, $password: String) { acceptInvitation(token: $token, password: $password) { token } }`,
    {
      token: invitation,
      password: PASSWORD,
    },
  );
  return { token: accepted.acceptInvitation.token, userId: whoIs(accepted.acceptInvitation.token).userId, invitationId: invited.inviteMember.invitation.id };
}

async function createKey(token: string, scopes?: string[]): Promise<{ key: string; id: string }> {
  const data = await t.ok<{ createApiKey: { key: string; apiKey: { id: string } } }>(
    `mutation($scopes: [ApiScope!]) { createApiKey(name: "audit", scopes: $scopes) { key apiKey { id } } }`,
    { scopes },
    token,
  );
  return { key: data.createApiKey.key, id: data.createApiKey.apiKey.id };
}

const webhookChannel = (token: string) => createChannel(t, token, 'WEBHOOK', { url: hooks.hookUrl, secret: HOOK_SECRET }, 'Site');

describe('what people do', () => {
  it('is recorded through a session: who, which session, what and on what, newest first', async () => {
    const owner = await signUp(t);
    const me = whoIs(owner);
    const channel = await webhookChannel(owner);
    const post = await createPost(t, owner, { content: 'audited', channelIds: [channel.id], scheduledAt: inMs(3_600_000) });
    await t.ok(`mutation($id: ID!, $at: DateTime!) { reschedulePost(id: $id, scheduledAt: $at) { id } }`, { id: post.id, at: inMs(7_200_000) }, owner);
    await t.ok(`mutation($id: ID!) { cancelPost(id: $id) { id } }`, { id: post.id }, owner);
    await t.ok(`mutation($id: ID!) { deletePost(id: $id) }`, { id: post.id }, owner);
    await t.ok(`mutation($id: ID!) { pauseChannel(id: $id) { id } }`, { id: channel.id }, owner);
    await t.ok(`mutation($id: ID!) { resumeChannel(id: $id) { id } }`, { id: channel.id }, owner);
    await t.ok(`mutation($id: ID!) { deleteChannel(id: $id) { id } }`, { id: channel.id }, owner);

    const { events } = await auditLog(owner);
    expect(events.map((e) => [e.action, e.targetType, e.targetId])).toEqual([
      ['channel.deleted', 'channel', channel.id],
      ['channel.resumed', 'channel', channel.id],
      ['channel.paused', 'channel', channel.id],
      ['post.deleted', 'post', post.id],
      ['post.cancelled', 'post', post.id],
      ['post.rescheduled', 'post', post.id],
      ['post.created', 'post', post.id],
      ['channel.connected', 'channel', channel.id],
    ]);
    for (const e of events) expect(e).toMatchObject({ actorId: me.userId, via: 'SESSION', sessionId: me.sessionId, apiKeyId: null });
    expect(events.at(-1)!.details).toMatchObject({ platform: 'WEBHOOK' });
    // The channel's credentials (the webhook's signing secret) are nowhere in the trail.
    const { rows } = await t.app.database.pool.query<{ details: unknown }>(`SELECT details FROM audit_events WHERE target_id = $1`, [channel.id]);
    expect(JSON.stringify(rows)).not.toContain(HOOK_SECRET);
  });

  it('is recorded through an API key with the key and its creator; keys made and revoked are recorded too', async () => {
    const owner = await signUp(t);
    const me = whoIs(owner);
    const channel = await webhookChannel(owner);
    const { key, id: keyId } = await createKey(owner);
    const post = await createPost(t, key, { content: 'by key', channelIds: [channel.id], scheduledAt: inMs(3_600_000) });
    await t.ok(`mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: keyId }, owner);

    const { events } = await auditLog(owner);
    expect(events.slice(0, 3).map((e) => [e.action, e.via, e.targetId, e.apiKeyId, e.sessionId])).toEqual([
      ['api_key.revoked', 'SESSION', keyId, null, me.sessionId],
      ['post.created', 'API_KEY', post.id, keyId, null],
      ['api_key.created', 'SESSION', keyId, null, me.sessionId],
    ]);
    expect(events.slice(0, 3).every((e) => e.actorId === me.userId)).toBe(true);
    // The key's prefix names it; the key itself is never kept.
    const { rows } = await t.app.database.pool.query(`SELECT details FROM audit_events WHERE target_id = $1`, [keyId]);
    expect(JSON.stringify(rows)).not.toContain(key);
    expect(JSON.stringify(rows)).toContain(key.slice(0, 6));
  });

  it('records members: invited, joined, role changed, ownership transferred, removed', async () => {
    const owner = await signUp(t);
    const me = whoIs(owner);
    const editor = await join(owner, 'EDITOR');
    await t.ok(`mutation($u: ID!) { changeRole(userId: $u, role: ADMIN) { role } }`, { u: editor.userId }, owner);
    await t.ok(`mutation($u: ID!) { transferOwnership(userId: $u) { role } }`, { u: editor.userId }, owner);
    await t.ok(`mutation($u: ID!) { removeMember(userId: $u) }`, { u: me.userId }, editor.token);

    const { events } = await auditLog(editor.token);
    expect(events.map((e) => [e.action, e.actorId, e.targetId])).toEqual([
      ['member.removed', editor.userId, me.userId],
      ['ownership.transferred', me.userId, editor.userId],
      ['member.role_changed', me.userId, editor.userId],
      ['member.joined', editor.userId, editor.userId],
      ['member.invited', me.userId, editor.invitationId],
    ]);
    expect(events[2]!.details).toEqual({ from: 'EDITOR', to: 'ADMIN' });
    expect(events[4]!.details).toMatchObject({ role: 'EDITOR' });
  });
});

describe('the worker', () => {
  it('records a published delivery as SYSTEM, with no person', async () => {
    const owner = await signUp(t);
    const channel = await webhookChannel(owner);
    const post = await createPost(t, owner, { content: 'out now', channelIds: [channel.id], publishNow: true });
    const delivery = await waitForDelivery(t, owner, post.id, ['PUBLISHED']);
    const { events } = await auditLog(owner, { targetId: delivery.id });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ action: 'delivery.published', via: 'SYSTEM', actorId: null, sessionId: null, apiKeyId: null, targetType: 'delivery' });
    expect(events[0]!.details).toMatchObject({ postId: post.id, channelId: channel.id });
  });

  it('records a delivery given up on as SYSTEM delivery.failed', async () => {
    const owner = await signUp(t);
    const channel = await webhookChannel(owner);
    hooks.failNext(1, { status: 400, body: { message: 'this receiver refuses it' } });
    const post = await createPost(t, owner, { content: 'refused', channelIds: [channel.id], publishNow: true });
    const delivery = await waitForDelivery(t, owner, post.id, ['FAILED']);
    const { events } = await auditLog(owner, { action: 'delivery.failed' });
    expect(events.map((e) => [e.targetId, e.via, e.actorId])).toEqual([[delivery.id, 'SYSTEM', null]]);
  });
});

describe('auditLog', () => {
  it('is refused to VIEWERs, EDITORs and keys without members:write; an ADMIN reads it', async () => {
    const owner = await signUp(t);
    for (const role of ['VIEWER', 'EDITOR']) {
      const member = await join(owner, role);
      const refused = await t.gql(AUDIT, {}, member.token);
      expect(codes(refused.errors)).toEqual(['FORBIDDEN']);
      expect(refused.errors![0]!.message).toContain('ADMIN');
    }
    const { key } = await createKey(owner, ['POSTS_READ']);
    expect(codes((await t.gql(AUDIT, {}, key)).errors)).toEqual(['FORBIDDEN']);
    const { key: membersKey } = await createKey(owner, ['MEMBERS_WRITE']);
    expect((await auditLog(membersKey)).events.length).toBeGreaterThan(0);
    const admin = await join(owner, 'ADMIN');
    expect((await auditLog(admin.token)).events.length).toBeGreaterThan(0);
  });

  it("shows nothing of another workspace's, not even when asked for its targets", async () => {
    const a = await signUp(t);
    const channel = await webhookChannel(a);
    const post = await createPost(t, a, { content: 'mine', channelIds: [channel.id], draft: true });
    const b = await signUp(t);
    expect((await auditLog(b)).events).toEqual([]);
    expect((await auditLog(b, { targetId: post.id })).events).toEqual([]);
    expect((await auditLog(b, { actorId: whoIs(a).userId })).events).toEqual([]);
  });

  it('pages newest first with cursors and filters by action, actor, target and time', async () => {
    const owner = await signUp(t);
    const channel = await webhookChannel(owner);
    const posts: string[] = [];
    for (let i = 0; i < 5; i++) posts.push((await createPost(t, owner, { content: `p${i}`, channelIds: [channel.id], draft: true })).id);

    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await auditLog(owner, { action: 'post.created' }, 2, after);
      expect(page.events.length).toBeLessThanOrEqual(2);
      seen.push(...page.events.map((e) => e.targetId));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor!;
    }
    expect(seen).toEqual([...posts].reverse());

    expect((await auditLog(owner, { targetId: posts[2] })).events.map((e) => e.action)).toEqual(['post.created']);
    const me = whoIs(owner);
    expect((await auditLog(owner, { actorId: me.userId })).events).toHaveLength(6);
    const { rows } = await t.app.database.pool.query<{ at: Date }>(`SELECT at FROM audit_events WHERE target_id = $1`, [posts[2]]);
    const at = rows[0]!.at;
    const from = (await auditLog(owner, { action: 'post.created', from: at.toISOString() })).events.map((e) => e.targetId);
    expect(from).toContain(posts[2]);
    expect(from).not.toContain(posts[1]);
    const to = (await auditLog(owner, { action: 'post.created', to: at.toISOString() })).events.map((e) => e.targetId);
    expect(to).not.toContain(posts[2]);
    expect(to).toContain(posts[0]);

    const mistyped = await t.gql(AUDIT, { filter: { action: 'post.create' } }, owner);
    expect(codes(mistyped.errors)).toEqual(['VALIDATION_FAILED']);
  });

  it('loses events past the retention to housekeeping, and keeps the rest', async () => {
    const owner = await signUp(t);
    const channel = await webhookChannel(owner);
    const old = await createPost(t, owner, { content: 'long ago', channelIds: [channel.id], draft: true });
    const recent = await createPost(t, owner, { content: 'lately', channelIds: [channel.id], draft: true });
    const pool = t.app.database.pool;
    await pool.query(`UPDATE audit_events SET at = now() - interval '400 days' WHERE target_id = $1`, [old.id]);
    await pool.query(`UPDATE audit_events SET at = now() - interval '300 days' WHERE target_id = $1`, [recent.id]);
    const forgotten = await forgetExpired(pool, { auditRetentionDays: t.config.auditRetentionDays });
    expect(t.config.auditRetentionDays).toBe(365);
    expect(forgotten.auditEvents).toBe(1);
    const left = (await auditLog(owner, { action: 'post.created' })).events.map((e) => e.targetId);
    expect(left).toEqual([recent.id]);
  });
});

describe('settings, edits and decisions', () => {
  it('records post.updated, delivery.confirmed, channel.policy_updated and workspace.settings_updated, naming what changed', async () => {
    const owner = await signUp(t);
    const me = whoIs(owner);
    const channel = await webhookChannel(owner);
    const post = await createPost(t, owner, { content: 'first', channelIds: [channel.id], scheduledAt: inMs(3_600_000) });
    await t.ok(`mutation($id: ID!) { updatePost(id: $id, input: { content: "second", priority: 5 }) { id } }`, { id: post.id }, owner);
    const delivery = post.deliveries[0]!.id;
    // The worker lost the network's answer (a test may write rows): a person saw the post out there and confirms it.
    await t.app.database.pool.query(`UPDATE deliveries SET status = 'UNCONFIRMED' WHERE id = $1`, [delivery]);
    await t.ok(`mutation($id: ID!) { confirmPublished(deliveryId: $id, externalUrl: "https://example.com/p/1") { id } }`, { id: delivery }, owner);
    await t.ok(`mutation($id: ID!) { updateChannelPolicy(channelId: $id, policy: { minIntervalMinutes: 30 }) { id } }`, { id: channel.id }, owner);
    await t.ok(`mutation { updateWorkspaceSettings(input: { approval: EDITORS }) { approval } }`, {}, owner);
    // Setting what is already set changes nothing and records nothing.
    await t.ok(`mutation { updateWorkspaceSettings(input: { approval: EDITORS }) { approval } }`, {}, owner);

    const { events } = await auditLog(owner);
    const workspaceId = (await t.ok(`{ workspace { id } }`, {}, owner)).workspace.id;
    expect(events.slice(0, 4).map((e) => [e.action, e.targetType, e.targetId, e.details])).toEqual([
      ['workspace.settings_updated', 'workspace', workspaceId, { approval: { from: 'NONE', to: 'EDITORS' } }],
      ['channel.policy_updated', 'channel', channel.id, { fields: ['minIntervalMinutes'] }],
      ['delivery.confirmed', 'delivery', delivery, { postId: post.id, externalUrl: 'https://example.com/p/1' }],
      ['post.updated', 'post', post.id, { fields: ['content', 'priority'] }],
    ]);
    for (const e of events.slice(0, 4)) expect(e).toMatchObject({ actorId: me.userId, via: 'SESSION', sessionId: me.sessionId });
    // A refused change is no event: the delivery is PUBLISHED now, so confirming it again is a conflict.
    const again = await t.gql(`mutation($id: ID!) { confirmPublished(deliveryId: $id, externalUrl: "https://example.com/p/1") { id } }`, { id: delivery }, owner);
    expect(codes(again.errors)).toEqual(['CONFLICT']);
    expect((await auditLog(owner, { action: 'delivery.confirmed' })).events).toHaveLength(1);
  });

  it('records plan.changed in the workspace whose plan it is, attributed to the instance administrator', async () => {
    const admin = await signUp(t, INSTANCE_ADMIN);
    const owner = await signUp(t);
    const workspaceId = (await t.ok(`{ workspace { id } }`, {}, owner)).workspace.id;
    await t.ok(`mutation($id: ID!) { setWorkspacePlan(workspaceId: $id, plan: PRO) { id } }`, { id: workspaceId }, admin);
    const { events } = await auditLog(owner, { action: 'plan.changed' });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actorId: whoIs(admin).userId, via: 'SESSION', targetType: 'workspace', targetId: workspaceId });
    expect(events[0]!.details).toMatchObject({ from: 'UNLIMITED', to: 'PRO' });
  });

  it('records approval steps: post.submitted when a post is held or submitted, post.commented with the comment', async () => {
    const owner = await signUp(t);
    const channel = await webhookChannel(owner);
    await t.ok(`mutation { updateWorkspaceSettings(input: { approval: ALL }) { approval } }`, {}, owner);
    const held = await createPost(t, owner, { content: 'held', channelIds: [channel.id], scheduledAt: inMs(3_600_000) });
    const draft = await createPost(t, owner, { content: 'draft', channelIds: [channel.id], draft: true });
    await t.ok(`mutation($id: ID!) { submitForApproval(id: $id) { id } }`, { id: draft.id }, owner);
    const comment = await t.ok(`mutation($id: ID!) { addComment(postId: $id, text: "Go?") { id } }`, { id: held.id }, owner);
    const submitted = (await auditLog(owner, { action: 'post.submitted' })).events.map((e) => [e.targetId, e.details]);
    expect(submitted).toEqual([
      [draft.id, { reason: 'SUBMITTED' }],
      [held.id, { reason: 'CREATED' }],
    ]);
    const commented = (await auditLog(owner, { action: 'post.commented' })).events;
    expect(commented.map((e) => [e.targetId, e.details])).toEqual([[held.id, { commentId: comment.addComment.id }]]);
  });
});
