// Approval, continued (issue 12, section 3): plans without approval refuse turning it on, and a downgrade leaves it in
// force (nothing unapproved goes out because a plan changed); an approved post edited by an EDITOR waits for approval
// again (an ADMIN's edit keeps it); and every approval step and comment is a postActivity event over graphql-ws,
// written with its audit event. Members are inserted as SQL rows, as section 1's invitations would make them.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, signUp, startTestApp, type TestApp } from './helpers/testApp.js';
import { createChannel, createPost, OPEN_POLICY } from './helpers/scenario.js';
import { inMs, publishJobs } from './helpers/api.js';
import { startWebhookReceiver, type WebhookReceiver } from './fakes/webhookReceiver.js';
import { hashPassword } from '../src/security/passwords.js';

const PASSWORD = 'vivid-ocean-lantern-42';
const HOOK_SECRET = 'webhook-secret-of-the-channel';
const SETTINGS = `mutation($input: WorkspaceSettingsInput!) { updateWorkspaceSettings(input: $input) { approval lateApproval approvalInPlan } }`;
const POST = `query($id: ID!) { post(id: $id) { id content deliveries { id status scheduledAt scheduleReason } } }`;
const UPDATE = `mutation($id: ID!, $input: UpdatePostInput!) { updatePost(id: $id, input: $input) { id } }`;
const APPROVE = `mutation($id: ID!) { approvePost(id: $id) { id } }`;

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

interface Team {
  workspaceId: string;
  owner: string;
  admin: { token: string; email: string };
  editor: { token: string; email: string };
  channelId: string;
}

async function team(settings: { approval: string }, plan = 'UNLIMITED'): Promise<Team> {
  const owner = await signUp(t);
  const workspaceId = (await t.ok<{ workspace: { id: string } }>(`{ workspace { id } }`, {}, owner)).workspace.id;
  const { pool } = t.app.database;
  await pool.query(`UPDATE workspaces SET plan = $2 WHERE id = $1`, [workspaceId, plan]);
  const member = async (role: string) => {
    const email = `${role.toLowerCase()}-${randomBytes(4).toString('hex')}@example.com`;
    const user = await pool.query<{ id: string }>(`INSERT INTO users (email, password_hash) VALUES ($1, $2) RETURNING id`, [email, await hashPassword(PASSWORD)]);
    await pool.query(`INSERT INTO memberships (workspace_id, user_id, role) VALUES ($1, $2, $3)`, [workspaceId, user.rows[0]!.id, role]);
    const login = await t.ok<{ login: { token: string } }>(`mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }`, { e: email, p: PASSWORD });
    return { token: login.login.token, email };
  };
  const channel = await createChannel(t, owner, 'WEBHOOK', { url: hooks.hookUrl, secret: HOOK_SECRET }, 'Site', OPEN_POLICY);
  if (settings.approval !== 'NONE') await t.ok(SETTINGS, { input: settings }, owner);
  return { workspaceId, owner, admin: await member('ADMIN'), editor: await member('EDITOR'), channelId: channel.id };
}

const readPost = async (token: string, id: string) => (await t.ok<{ post: any }>(POST, { id }, token)).post;
const tomorrow = () => inMs(86_400_000);
// Events of one transaction share `at`; ctid is their insertion order (nothing deletes from the table in these tests).
const auditActions = async (postId: string) =>
  (await t.app.database.pool.query<{ action: string; details: any }>(`SELECT action, details FROM audit_events WHERE target_id = $1 ORDER BY at, ctid`, [postId])).rows;

describe('approval and the plan', () => {
  it('refuses turning approval on with PLAN_LIMIT on a plan without it, and changes nothing', async () => {
    const owner = await signUp(t);
    const workspaceId = (await t.ok(`{ workspace { id } }`, {}, owner)).workspace.id;
    await t.app.database.pool.query(`UPDATE workspaces SET plan = 'FREE' WHERE id = $1`, [workspaceId]);
    for (const approval of ['EDITORS', 'ALL']) {
      const refused = await t.gql(SETTINGS, { input: { approval, lateApproval: 'NEXT_SLOT' } }, owner);
      expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'PLAN_LIMIT', limit: 'approval', plan: 'FREE', max: 0, current: 0 });
      expect(refused.errors![0]!.message).toContain('approval');
    }
    expect((await t.ok(`{ workspace { settings { approval lateApproval approvalInPlan } } }`, {}, owner)).workspace.settings).toEqual({
      approval: 'NONE',
      lateApproval: 'PUBLISH_NOW',
      approvalInPlan: false,
    });
    // What the plan allows still goes: the late-approval choice, and approval NONE.
    expect((await t.ok(SETTINGS, { input: { approval: 'NONE', lateApproval: 'NEXT_SLOT' } }, owner)).updateWorkspaceSettings).toMatchObject({ lateApproval: 'NEXT_SLOT' });
  });

  it('keeps approval in force after a downgrade: held posts wait and are decided, new ones are held; it can be turned off, not on again', async () => {
    const w = await team({ approval: 'EDITORS' }, 'PRO');
    const waiting = await createPost(t, w.editor.token, { content: 'held before the downgrade', channelIds: [w.channelId], scheduledAt: tomorrow() });
    await t.app.database.pool.query(`UPDATE workspaces SET plan = 'FREE' WHERE id = $1`, [w.workspaceId]);

    expect((await t.ok(`{ workspace { settings { approval approvalInPlan } } }`, {}, w.owner)).workspace.settings).toEqual({ approval: 'EDITORS', approvalInPlan: false });
    const after = await createPost(t, w.editor.token, { content: 'held after the downgrade', channelIds: [w.channelId], scheduledAt: tomorrow() });
    expect(after.deliveries[0]!.status).toBe('AWAITING_APPROVAL');
    expect(await publishJobs(t, after.deliveries[0]!.id)).toEqual([]);
    await t.ok(APPROVE, { id: waiting.id }, w.admin.token);
    expect((await readPost(w.admin.token, waiting.id)).deliveries[0].status).toBe('SCHEDULED');

    // Widening it is turning more of it on: refused. Keeping it as it is, or changing the late-approval choice, is not.
    const wider = await t.gql(SETTINGS, { input: { approval: 'ALL' } }, w.owner);
    expect(wider.errors?.[0]?.extensions).toMatchObject({ code: 'PLAN_LIMIT', limit: 'approval', plan: 'FREE', current: 1 });
    expect((await t.ok(SETTINGS, { input: { approval: 'EDITORS', lateApproval: 'NEXT_SLOT' } }, w.owner)).updateWorkspaceSettings).toEqual({
      approval: 'EDITORS',
      lateApproval: 'NEXT_SLOT',
      approvalInPlan: false,
    });
    expect((await t.ok(SETTINGS, { input: { approval: 'NONE' } }, w.owner)).updateWorkspaceSettings.approval).toBe('NONE');
    // Turned off, what was still waiting keeps waiting for a decision (nothing is published unapproved).
    expect((await readPost(w.admin.token, after.id)).deliveries[0].status).toBe('AWAITING_APPROVAL');
    expect((await t.gql(SETTINGS, { input: { approval: 'EDITORS' } }, w.owner)).errors?.[0]?.extensions).toMatchObject({ code: 'PLAN_LIMIT', limit: 'approval' });
    expect((await t.ok(`{ workspace { settings { approval } } }`, {}, w.owner)).workspace.settings.approval).toBe('NONE');
  });
});

describe('an edit after the approval', () => {
  let w: Team;
  beforeAll(async () => {
    w = await team({ approval: 'EDITORS' });
  }, 30_000);

  async function approved(content = `approved ${randomBytes(3).toString('hex')}`) {
    const at = tomorrow();
    const post = await createPost(t, w.editor.token, { content, channelIds: [w.channelId], scheduledAt: at });
    await t.ok(APPROVE, { id: post.id }, w.admin.token);
    expect((await readPost(w.editor.token, post.id)).deliveries[0].status).toBe('SCHEDULED');
    return { id: post.id, deliveryId: post.deliveries[0]!.id as string, at };
  }

  it('by an EDITOR sends it back to AWAITING_APPROVAL at its time, without its job, until an ADMIN approves it again', async () => {
    const post = await approved();
    await t.ok(UPDATE, { id: post.id, input: { content: 'changed after the approval' } }, w.editor.token);
    const back = await readPost(w.admin.token, post.id);
    expect(back.deliveries[0]).toMatchObject({ status: 'AWAITING_APPROVAL', scheduledAt: new Date(post.at).toISOString(), scheduleReason: 'Waiting for approval' });
    expect(back.content).toBe('changed after the approval');
    expect(await publishJobs(t, post.deliveryId)).toEqual([]);
    const trail = await auditActions(post.id);
    // One transaction: the deliveries go back (post.submitted, as notifications read it), then the edit is recorded.
    expect(trail.map((e) => e.action)).toEqual(['post.created', 'post.submitted', 'post.approved', 'post.submitted', 'post.updated']);
    expect(trail.at(-2)!.details).toEqual({ reason: 'EDITED' });
    expect(trail.at(-1)!.details).toEqual({ fields: ['content'], backToApproval: 1 });

    await t.ok(APPROVE, { id: post.id }, w.admin.token);
    expect((await readPost(w.admin.token, post.id)).deliveries[0]).toMatchObject({ status: 'SCHEDULED', scheduledAt: new Date(post.at).toISOString(), scheduleReason: null });
    expect((await publishJobs(t, post.deliveryId)).map((j) => j.run_at.toISOString())).toEqual([new Date(post.at).toISOString()]);
  });

  it('by an EDITOR of the media too, and of a delivery that failed (it cannot be retried around the approval)', async () => {
    const media = await approved();
    await t.ok(UPDATE, { id: media.id, input: { mediaUrls: ['https://cdn.example.com/new.png'] } }, w.editor.token);
    expect((await readPost(w.admin.token, media.id)).deliveries[0].status).toBe('AWAITING_APPROVAL');

    const failed = await approved();
    await t.app.database.pool.query(`UPDATE deliveries SET status = 'FAILED', attempts = 6 WHERE id = $1`, [failed.deliveryId]);
    await t.ok(UPDATE, { id: failed.id, input: { content: 'fixed after it failed' } }, w.editor.token);
    expect((await readPost(w.admin.token, failed.id)).deliveries[0].status).toBe('AWAITING_APPROVAL');
    const retry = await t.gql(`mutation($id: ID!) { retryDelivery(id: $id) { id } }`, { id: failed.deliveryId }, w.editor.token);
    expect(retry.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    await t.ok(APPROVE, { id: failed.id }, w.admin.token);
    const attempts = await t.app.database.pool.query(`SELECT status, attempts FROM deliveries WHERE id = $1`, [failed.deliveryId]);
    expect(attempts.rows[0]).toEqual({ status: 'SCHEDULED', attempts: 0 });
  });

  it("keeps the approval for a change of priority only, for an ADMIN's or OWNER's edit, and with approval NONE", async () => {
    const priority = await approved();
    await t.ok(UPDATE, { id: priority.id, input: { priority: 50 } }, w.editor.token);
    // Giving the same text again changes nothing that was approved.
    const same = (await readPost(w.editor.token, priority.id)).content;
    await t.ok(UPDATE, { id: priority.id, input: { content: same } }, w.editor.token);
    expect((await readPost(w.admin.token, priority.id)).deliveries[0].status).toBe('SCHEDULED');

    for (const token of [w.admin.token, w.owner]) {
      const post = await approved();
      await t.ok(UPDATE, { id: post.id, input: { content: `edited by an approver ${randomBytes(2).toString('hex')}` } }, token);
      expect((await readPost(token, post.id)).deliveries[0].status).toBe('SCHEDULED');
      expect(await publishJobs(t, post.deliveryId)).toHaveLength(1);
    }

    const free = await team({ approval: 'NONE' });
    const post = await createPost(t, free.editor.token, { content: 'no approval here', channelIds: [free.channelId], scheduledAt: tomorrow() });
    await t.ok(UPDATE, { id: post.id, input: { content: 'still none' } }, free.editor.token);
    expect((await readPost(free.editor.token, post.id)).deliveries[0].status).toBe('SCHEDULED');
  });
});

describe('postActivity', () => {
  const ACTIVITY = `subscription($postId: ID) { postActivity(postId: $postId) { kind postId reason at actor { email } comment { kind text author { email } guestName } } }`;
  type Heard = { postActivity: { kind: string; postId: string; reason: string | null; actor: { email: string } | null; comment: { kind: string; text: string } | null } };

  it('tells every approval step and comment over graphql-ws, in order, each with its audit event', async () => {
    const w = await team({ approval: 'EDITORS' });
    const heard = collect<Heard>(t.ws(w.admin.token), ACTIVITY);
    await heard.ready;
    // Listening starts asynchronously: wait until a first comment is heard before counting on the rest.
    const warmUp = await createPost(t, w.admin.token, { content: 'warm-up', channelIds: [w.channelId], draft: true });
    for (let i = 0; !heard.items.length; i++) {
      if (i > 50) throw new Error('postActivity never heard anything');
      await t.ok(`mutation($id: ID!) { addComment(postId: $id, text: "ping") { id } }`, { id: warmUp.id }, w.admin.token);
      await heard.until((items) => items.length > 0, 200).catch(() => {});
    }

    const post = await createPost(t, w.editor.token, { content: 'for the approvers', channelIds: [w.channelId], scheduledAt: tomorrow() });
    await t.ok(`mutation($id: ID!) { addComment(postId: $id, text: "Please look") { id } }`, { id: post.id }, w.editor.token);
    await t.ok(`mutation($id: ID!, $c: String!) { requestChanges(id: $id, comment: $c) { id } }`, { id: post.id, c: 'Shorter' }, w.admin.token);
    await t.ok(`mutation($id: ID!) { submitForApproval(id: $id) { id } }`, { id: post.id }, w.editor.token);
    await t.ok(`mutation($id: ID!, $c: String) { approvePost(id: $id, comment: $c) { id } }`, { id: post.id, c: 'Good' }, w.admin.token);
    const other = await createPost(t, w.editor.token, { content: 'off brand', channelIds: [w.channelId], publishNow: true });
    await t.ok(`mutation($id: ID!, $r: String!) { rejectPost(id: $id, reason: $r) { id } }`, { id: other.id, r: 'No' }, w.admin.token);

    await heard.until((items) => items.some((i) => i.postActivity.postId === other.id && i.postActivity.kind === 'REJECTED'));
    const steps = (id: string) =>
      heard.items
        .filter((i) => i.postActivity.postId === id)
        .map(({ postActivity: a }) => [a.kind, a.reason, a.actor?.email ?? null, a.comment ? `${a.comment.kind}: ${a.comment.text}` : null]);
    expect(steps(post.id)).toEqual([
      ['SUBMITTED', 'CREATED', w.editor.email, null],
      ['COMMENTED', null, w.editor.email, 'COMMENT: Please look'],
      ['CHANGES_REQUESTED', null, w.admin.email, 'CHANGES_REQUESTED: Shorter'],
      ['SUBMITTED', 'SUBMITTED', w.editor.email, null],
      ['APPROVED', null, w.admin.email, 'APPROVED: Good'],
    ]);
    expect(steps(other.id)).toEqual([
      ['SUBMITTED', 'CREATED', w.editor.email, null],
      ['REJECTED', null, w.admin.email, 'REJECTED: No'],
    ]);
    expect((await auditActions(post.id)).map((e) => e.action)).toEqual([
      'post.created',
      'post.submitted',
      'post.commented',
      'post.changes_requested',
      'post.submitted',
      'post.approved',
    ]);
  }, 30_000);

  it('tells one post only when asked for one, and nothing of a refused step (its transaction rolled back)', async () => {
    const w = await team({ approval: 'EDITORS' });
    const a = await createPost(t, w.editor.token, { content: 'a', channelIds: [w.channelId], scheduledAt: tomorrow() });
    const b = await createPost(t, w.editor.token, { content: 'b', channelIds: [w.channelId], scheduledAt: tomorrow() });
    const onA = collect<Heard>(t.ws(w.admin.token), ACTIVITY, { postId: a.id });
    await onA.ready;
    for (let i = 0; !onA.items.length; i++) {
      if (i > 50) throw new Error('postActivity never heard anything');
      await t.ok(`mutation($id: ID!) { addComment(postId: $id, text: "ping") { id } }`, { id: a.id }, w.admin.token);
      await onA.until((items) => items.length > 0, 200).catch(() => {});
    }
    await t.ok(APPROVE, { id: b.id }, w.admin.token);
    // Approving twice is refused: no second event, no second audit row.
    expect((await t.gql(APPROVE, { id: b.id }, w.admin.token)).errors?.[0]?.extensions?.code).toBe('CONFLICT');
    await t.ok(APPROVE, { id: a.id }, w.admin.token);
    await onA.until((items) => items.some((i) => i.postActivity.kind === 'APPROVED'));
    expect(onA.items.every((i) => i.postActivity.postId === a.id)).toBe(true);
    expect((await auditActions(b.id)).filter((e) => e.action === 'post.approved')).toHaveLength(1);
    const comments = await t.app.database.pool.query(`SELECT kind FROM post_comments WHERE post_id = $1`, [b.id]);
    expect(comments.rows).toEqual([{ kind: 'APPROVED' }]);
  }, 30_000);
});
