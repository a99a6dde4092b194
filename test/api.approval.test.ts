// Approval (issue 12, section 3): with approval on, an EDITOR's post waits as AWAITING_APPROVAL (no publish job, and
// the worker's claim refuses it) until an ADMIN approves it; the round trip over graphql-ws, changes requested and
// resubmitted, a rejection that never publishes, late approval at once or at the next slot, the role table's
// FORBIDDEN, and approval NONE as before. Members are inserted as SQL rows, as section 1's invitations would make them.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, signUp, startTestApp, type TestApp } from './helpers/testApp.js';
import { createChannel, createPost, OPEN_POLICY, untilListening, waitForDelivery } from './helpers/scenario.js';
import { inMs, publishJobs } from './helpers/api.js';
import { startWebhookReceiver, type WebhookReceiver } from './fakes/webhookReceiver.js';
import { hashPassword } from '../src/security/passwords.js';
import { claimDeliveries, claimDelivery } from '../src/store/publishing.js';

const PASSWORD = 'vivid-ocean-lantern-42';
const HOOK_SECRET = 'webhook-secret-of-the-channel';
const SETTINGS = `mutation($input: WorkspaceSettingsInput!) { updateWorkspaceSettings(input: $input) { approval lateApproval } }`;
const POST = `query($id: ID!) { post(id: $id) { id content deliveries { id status scheduledAt requestedAt scheduleReason } comments { kind text author { email } } } }`;
const DECIDE = (verb: string, arg: string) => `mutation($id: ID!, $text: String!) { ${verb}(id: $id, ${arg}: $text) { id } }`;
const SUBMIT = `mutation($id: ID!) { submitForApproval(id: $id) { id } }`;

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
  owner: string;
  admin: { token: string; email: string };
  editor: { token: string; email: string };
  channelId: string;
}

/** A workspace with an ADMIN and an EDITOR besides its owner, a webhook channel, and the approval setting given. */
async function team(settings: { approval: string; lateApproval?: string }, policy: Record<string, unknown> = OPEN_POLICY): Promise<Team> {
  const owner = await signUp(t);
  const workspaceId = (await t.ok<{ workspace: { id: string } }>(`{ workspace { id } }`, {}, owner)).workspace.id;
  const member = async (role: string) => {
    const email = `${role.toLowerCase()}-${randomBytes(4).toString('hex')}@example.com`;
    const { pool } = t.app.database;
    const user = await pool.query<{ id: string }>(`INSERT INTO users (email, password_hash) VALUES ($1, $2) RETURNING id`, [email, await hashPassword(PASSWORD)]);
    await pool.query(`INSERT INTO memberships (workspace_id, user_id, role) VALUES ($1, $2, $3)`, [workspaceId, user.rows[0]!.id, role]);
    const login = await t.ok<{ login: { token: string } }>(`mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }`, { e: email, p: PASSWORD });
    return { token: login.login.token, email };
  };
  const channel = await createChannel(t, owner, 'WEBHOOK', { url: hooks.hookUrl, secret: HOOK_SECRET }, 'Site', policy);
  await t.ok(SETTINGS, { input: settings }, owner);
  return { owner, admin: await member('ADMIN'), editor: await member('EDITOR'), channelId: channel.id };
}

const readPost = async (token: string, id: string) => (await t.ok<{ post: any }>(POST, { id }, token)).post;
const tomorrow = () => inMs(86_400_000);

describe('approval NONE (the default)', () => {
  it("keeps today's behaviour: an EDITOR's post is scheduled with its publish job", async () => {
    const owner = await signUp(t);
    expect((await t.ok(`{ workspace { settings { approval lateApproval } } }`, {}, owner)).workspace.settings).toEqual({ approval: 'NONE', lateApproval: 'PUBLISH_NOW' });
    const w = await team({ approval: 'NONE' });
    const post = await createPost(t, w.editor.token, { content: 'as before', channelIds: [w.channelId], scheduledAt: tomorrow() });
    expect(post.deliveries[0]!.status).toBe('SCHEDULED');
    expect(await publishJobs(t, post.deliveries[0]!.id)).toHaveLength(1);
    const submit = await t.gql(SUBMIT, { id: post.id }, w.editor.token);
    expect(submit.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });
});

describe('approval EDITORS', () => {
  let w: Team;
  beforeAll(async () => {
    w = await team({ approval: 'EDITORS' });
  }, 30_000);

  it("holds an EDITOR's post as AWAITING_APPROVAL with no publish job, which the worker's claim refuses", async () => {
    const post = await createPost(t, w.editor.token, { content: 'held', channelIds: [w.channelId], scheduledAt: tomorrow() });
    const delivery = post.deliveries[0]!;
    expect(delivery.status).toBe('AWAITING_APPROVAL');
    expect(await publishJobs(t, delivery.id)).toEqual([]);
    // Even a stray job, or one left from before, cannot publish it: both claims take SCHEDULED only.
    await t.app.database.pool.query(`UPDATE deliveries SET scheduled_at = now() - interval '1 minute' WHERE id = $1`, [delivery.id]);
    expect(await claimDelivery(t.app.database.pool, delivery.id, 1)).toBeNull();
    expect(await claimDeliveries(t.app.database.pool, [delivery.id], 1)).toEqual([null]);
    expect((await readPost(w.admin.token, post.id)).deliveries[0].status).toBe('AWAITING_APPROVAL');
    // An ADMIN's own post, and a bulk import by the EDITOR (an EDITOR's key would count the same).
    expect((await createPost(t, w.admin.token, { content: 'mine', channelIds: [w.channelId], scheduledAt: tomorrow() })).deliveries[0]!.status).toBe('SCHEDULED');
    const bulk = await t.ok(
      `mutation($posts: [CreatePostInput!]!) { bulkCreatePosts(posts: $posts) { created scheduled awaitingApproval } }`,
      { posts: [{ content: 'bulk', channelIds: [w.channelId], scheduledAt: tomorrow() }] },
      w.editor.token,
    );
    expect(bulk.bulkCreatePosts).toEqual({ created: 1, scheduled: 0, awaitingApproval: 1 });
  });

  it('lets no EDITOR approve (FORBIDDEN from the role table) or schedule around the approval', async () => {
    const post = await createPost(t, w.editor.token, { content: 'not yours to approve', channelIds: [w.channelId], scheduledAt: tomorrow() });
    const refused = await t.gql(`mutation($id: ID!) { approvePost(id: $id) { id } }`, { id: post.id }, w.editor.token);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', operation: 'approvePost', requiredRole: 'ADMIN' });
    for (const verb of ['rejectPost', 'requestChanges']) {
      const arg = verb === 'rejectPost' ? 'reason' : 'comment';
      expect((await t.gql(DECIDE(verb, arg), { id: post.id, text: 'no' }, w.editor.token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    expect((await t.gql(`mutation($id: ID!) { publishNow(id: $id) { id } }`, { id: post.id }, w.editor.token)).errors?.[0]?.extensions?.code).toBe('CONFLICT');
    // A draft does not get out through reschedulePost, publishNow or the smart scheduler either.
    const draft = await createPost(t, w.editor.token, { content: 'draft', channelIds: [w.channelId], draft: true });
    for (const [query, variables] of [
      [`mutation($id: ID!) { publishNow(id: $id) { id } }`, { id: draft.id }],
      [`mutation($id: ID!, $at: DateTime!) { reschedulePost(id: $id, scheduledAt: $at) { id } }`, { id: draft.id, at: tomorrow() }],
      [`mutation($ids: [ID!]!) { autoSchedule(postIds: $ids) { id } }`, { ids: [draft.id] }],
      [`mutation($id: ID!, $at: DateTime!) { rescheduleDelivery(id: $id, scheduledAt: $at) { id } }`, { id: draft.deliveries[0]!.id, at: tomorrow() }],
    ] as const) {
      const result = await t.gql(query, variables, w.editor.token);
      expect(result.errors?.[0]?.extensions?.code, query).toBe('CONFLICT');
    }
    expect((await readPost(w.editor.token, draft.id)).deliveries[0].status).toBe('DRAFT');
    expect((await t.gql(SETTINGS, { input: { approval: 'NONE' } }, w.editor.token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('round trip over graphql-ws: the ADMIN hears the post awaiting approval, approves it, and it publishes exactly once', async () => {
    const updates = collect<{ deliveryUpdated: { postId: string; status: string } }>(t.ws(w.admin.token), `subscription { deliveryUpdated { postId status } }`);
    await untilListening(t, w.admin.token, w.channelId, updates);
    const post = await createPost(t, w.editor.token, { content: 'please approve', channelIds: [w.channelId], publishNow: true });
    await updates.until((items) => items.some((i) => i.deliveryUpdated.postId === post.id && i.deliveryUpdated.status === 'AWAITING_APPROVAL'));
    await t.ok(`mutation($id: ID!, $c: String) { approvePost(id: $id, comment: $c) { id } }`, { id: post.id, c: 'Looks good' }, w.admin.token);
    await waitForDelivery(t, w.admin.token, post.id, ['PUBLISHED']);
    await updates.until((items) => items.some((i) => i.deliveryUpdated.postId === post.id && i.deliveryUpdated.status === 'PUBLISHED'));
    const heard = updates.items.filter((i) => i.deliveryUpdated.postId === post.id).map((i) => i.deliveryUpdated.status);
    expect(heard).toEqual(['AWAITING_APPROVAL', 'SCHEDULED', 'PUBLISHING', 'PUBLISHED']);
    const deliveryId = post.deliveries[0]!.id;
    expect(hooks.deliveries.filter((d) => d.deliveryId === deliveryId)).toHaveLength(1);
    expect(hooks.requests.filter((r) => r.headers['x-postflow-delivery'] === deliveryId)).toHaveLength(1);
    expect((await readPost(w.editor.token, post.id)).comments).toEqual([{ kind: 'APPROVED', text: 'Looks good', author: { email: w.admin.email } }]);
  }, 30_000);

  it('requestChanges sends it back to DRAFT; the EDITOR edits, comments and submits again; the approval keeps its time', async () => {
    const at = tomorrow();
    const post = await createPost(t, w.editor.token, { content: 'first try', channelIds: [w.channelId], scheduledAt: at });
    await t.ok(DECIDE('requestChanges', 'comment'), { id: post.id, text: 'Add the link' }, w.admin.token);
    expect((await readPost(w.editor.token, post.id)).deliveries[0]).toMatchObject({ status: 'DRAFT', scheduledAt: new Date(at).toISOString() });
    await t.ok(`mutation($id: ID!) { updatePost(id: $id, input: { content: "second try https://example.com" }) { id } }`, { id: post.id }, w.editor.token);
    await t.ok(`mutation($id: ID!) { addComment(postId: $id, text: "Link added") { kind text } }`, { id: post.id }, w.editor.token);
    await t.ok(SUBMIT, { id: post.id }, w.editor.token);
    expect((await readPost(w.admin.token, post.id)).deliveries[0].status).toBe('AWAITING_APPROVAL');
    await t.ok(`mutation($id: ID!) { approvePost(id: $id) { id } }`, { id: post.id }, w.admin.token);
    const approved = await readPost(w.editor.token, post.id);
    expect(approved.deliveries[0]).toMatchObject({ status: 'SCHEDULED', scheduledAt: new Date(at).toISOString(), scheduleReason: null });
    expect((await publishJobs(t, post.deliveries[0]!.id)).map((j) => j.run_at.toISOString())).toEqual([new Date(at).toISOString()]);
    expect(approved.comments.map((c: { kind: string; text: string }) => [c.kind, c.text])).toEqual([
      ['CHANGES_REQUESTED', 'Add the link'],
      ['COMMENT', 'Link added'],
      ['APPROVED', ''],
    ]);
    // Approving twice is a conflict, not a second schedule.
    expect((await t.gql(`mutation($id: ID!) { approvePost(id: $id) { id } }`, { id: post.id }, w.admin.token)).errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });

  it('rejectPost cancels it for good: never published, and the EDITOR cannot bring it back', async () => {
    const post = await createPost(t, w.editor.token, { content: 'no', channelIds: [w.channelId], publishNow: true });
    await t.ok(DECIDE('rejectPost', 'reason'), { id: post.id, text: 'Off brand' }, w.admin.token);
    const rejected = await readPost(w.editor.token, post.id);
    expect(rejected.deliveries[0].status).toBe('CANCELLED');
    expect(rejected.comments).toEqual([{ kind: 'REJECTED', text: 'Off brand', author: { email: w.admin.email } }]);
    expect(await publishJobs(t, post.deliveries[0]!.id)).toEqual([]);
    expect((await t.gql(`mutation($id: ID!) { publishNow(id: $id) { id } }`, { id: post.id }, w.editor.token)).errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect((await t.gql(SUBMIT, { id: post.id }, w.editor.token)).errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(hooks.deliveries.filter((d) => d.deliveryId === post.deliveries[0]!.id)).toEqual([]);
    expect((await t.gql(DECIDE('rejectPost', 'reason'), { id: post.id, text: '  ' }, w.admin.token)).errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
  });
});

describe('approval ALL and late approvals', () => {
  // Two hours between posts on the channel: the next free slot is far from now.
  const spaced = { ...OPEN_POLICY, minIntervalMinutes: 120 };

  async function latePost(w: Team): Promise<{ id: string; deliveryId: string; asked: Date }> {
    const post = await createPost(t, w.editor.token, { content: `late ${randomBytes(3).toString('hex')}`, channelIds: [w.channelId], scheduledAt: tomorrow() });
    // Its time passes while it waits (a test may write rows; the service only ever sees the past time).
    const asked = new Date(Date.now() - 3_600_000);
    await t.app.database.pool.query(`UPDATE deliveries SET scheduled_at = $2 WHERE id = $1`, [post.deliveries[0]!.id, asked]);
    return { id: post.id, deliveryId: post.deliveries[0]!.id, asked };
  }

  it("holds every post, the ADMIN's too, and publishes a late one at once with PUBLISH_NOW", async () => {
    const w = await team({ approval: 'ALL', lateApproval: 'PUBLISH_NOW' }, spaced);
    expect((await createPost(t, w.admin.token, { content: 'admin too', channelIds: [w.channelId], scheduledAt: inMs(600_000) })).deliveries[0]!.status).toBe('AWAITING_APPROVAL');
    const late = await latePost(w);
    const before = Date.now();
    await t.ok(`mutation($id: ID!) { approvePost(id: $id) { id } }`, { id: late.id }, w.admin.token);
    const delivery = (await readPost(w.admin.token, late.id)).deliveries[0];
    expect(delivery).toMatchObject({ requestedAt: late.asked.toISOString(), scheduleReason: 'Approved after its time: published at once' });
    expect(['SCHEDULED', 'PUBLISHING', 'PUBLISHED']).toContain(delivery.status);
    expect(new Date(delivery.scheduledAt).getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(new Date(delivery.scheduledAt).getTime()).toBeLessThanOrEqual(Date.now());
    await waitForDelivery(t, w.admin.token, late.id, ['PUBLISHED']);
    expect(hooks.deliveries.filter((d) => d.deliveryId === late.deliveryId)).toHaveLength(1);
  });

  it("places a late one at the channel's next free slot with NEXT_SLOT", async () => {
    const w = await team({ approval: 'EDITORS', lateApproval: 'NEXT_SLOT' }, spaced);
    const taken = new Date(Date.now() + 10 * 60_000);
    await createPost(t, w.admin.token, { content: 'takes the next slot', channelIds: [w.channelId], scheduledAt: taken.toISOString(), schedulingMode: 'EXACT' });
    const late = await latePost(w);
    await t.ok(`mutation($id: ID!) { approvePost(id: $id) { id } }`, { id: late.id }, w.admin.token);
    const delivery = (await readPost(w.admin.token, late.id)).deliveries[0];
    expect(delivery).toMatchObject({ status: 'SCHEDULED', requestedAt: late.asked.toISOString() });
    expect(delivery.scheduleReason).toMatch(/^Approved after its time: /);
    // Two hours after the post that holds the slot ten minutes from now: not now, not before it.
    expect(new Date(delivery.scheduledAt).getTime()).toBeGreaterThanOrEqual(taken.getTime() + 120 * 60_000);
    expect((await publishJobs(t, late.deliveryId)).map((j) => j.run_at.toISOString())).toEqual([delivery.scheduledAt]);
  });
});
