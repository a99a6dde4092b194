// Plans and their limits (issue 12, section 4): each limit refused with PLAN_LIMIT at its action, writing nothing;
// the last slot taken by exactly one of two requests at once; usage; the default plan of new workspaces; plans set
// by instance administrators only; and a downgrade that deletes nothing and keeps scheduled posts publishing.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMastodonFake, type MastodonFake } from './fakes/mastodonFake.js';
import { startXFake, type XFake } from './fakes/xFake.js';
import { eventually, signUp, startTestApp, type GraphQLErrorShape, type TestApp } from './helpers/testApp.js';
import { createChannel, createPost, waitForDelivery } from './helpers/scenario.js';
import { publishJobs, xEnv } from './helpers/api.js';
import { approve, FINISH, REDIRECT_URI, START, connectThroughOAuth } from './helpers/oauth.js';
import { refuseOverPlan } from '../src/services/plans.js';
import { insertChannel } from '../src/store/channels.js';
import type { AppError } from '../src/domain/errors.js';

const ADMIN_EMAIL = 'ops@example.com';
const PASSWORD = 'vivid-ocean-lantern-42';
const INVITE = `mutation($email: String!, $role: MemberRole!) { inviteMember(email: $email, role: $role) { link } }`;
const ACCEPT = `mutation($token: String!, $password: String) { acceptInvitation(token: $token, password: $password) { token } }`;
const BULK = `mutation($posts: [CreatePostInput!]!) { bulkCreatePosts(posts: $posts) { created } }`;
const SET_PLAN = `mutation($id: ID!, $plan: Plan!) { setWorkspacePlan(workspaceId: $id, plan: $plan) { id plan } }`;
const USAGE = `{ workspace { plan usage { plan channels { used max } members { used max } postsThisMonth { used max } apiAccess approval } } }`;

let t: TestApp;
let mastodon: MastodonFake;
let x: XFake;
/** The instance's first account: an instance administrator. */
let firstToken: string;

beforeAll(async () => {
  mastodon = await startMastodonFake();
  x = await startXFake();
  t = await startTestApp({ env: { ...xEnv(x), POSTFLOW_ADMIN_EMAILS: ` ${ADMIN_EMAIL.toUpperCase()} ` } });
  firstToken = await signUp(t);
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await mastodon?.stop();
  await x?.stop();
});

const errorsOf = (result: { errors?: GraphQLErrorShape[] }) => result.errors ?? [];
const codes = (result: { errors?: GraphQLErrorShape[] }) => errorsOf(result).map((e) => e.extensions?.code);
const workspaceIdOf = async (token: string) => (await t.ok<{ workspace: { id: string } }>(`{ workspace { id } }`, {}, token)).workspace.id;
const count = async (sql: string, values: unknown[]) => (await t.app.database.pool.query<{ n: number }>(sql, values)).rows[0]!.n;
const channelsOf = (ws: string) => count(`SELECT count(*)::int AS n FROM channels WHERE workspace_id = $1 AND deleted_at IS NULL`, [ws]);
const postsOf = (ws: string) => count(`SELECT count(*)::int AS n FROM posts WHERE workspace_id = $1`, [ws]);

/** A new workspace on `plan`, set by the instance's first account. */
async function workspaceOn(plan: string): Promise<{ token: string; id: string }> {
  const token = await signUp(t);
  const id = await workspaceIdOf(token);
  await t.ok(SET_PLAN, { id, plan }, firstToken);
  return { token, id };
}

const mastodonChannel = (token: string, name = `m-${randomBytes(3).toString('hex')}`) =>
  createChannel(t, token, 'MASTODON', { instanceUrl: mastodon.url, accessToken: mastodon.accessToken }, name);
const tryChannel = (token: string) =>
  t.gql(
    `mutation($input: CreateChannelInput!) { createChannel(input: $input) { id } }`,
    { input: { platform: 'MASTODON', name: 'one more', credentials: { instanceUrl: mastodon.url, accessToken: mastodon.accessToken } } },
    token,
  );

function expectPlanLimit(result: { errors?: GraphQLErrorShape[] }, fields: Record<string, unknown>) {
  expect(codes(result)).toEqual(['PLAN_LIMIT']);
  expect(errorsOf(result)[0]!.extensions).toMatchObject(fields);
}

describe('limits at the action', () => {
  it('channels: the fourth on FREE is PLAN_LIMIT naming limit, plan, max and count, and nothing is written', async () => {
    const { token, id } = await workspaceOn('FREE');
    for (let i = 0; i < 3; i++) await mastodonChannel(token);
    const calls = mastodon.log.length;
    const refused = await tryChannel(token);
    expectPlanLimit(refused, { limit: 'channels', plan: 'FREE', max: 3, current: 3 });
    expect(errorsOf(refused)[0]!.message).toMatch(/FREE plan allows 3 channels; this workspace has 3/);
    expect(await channelsOf(id)).toBe(3);
    // Refused before the network was asked to check the credentials.
    expect(mastodon.log.length).toBe(calls);
  });

  it('channels through OAuth: a reconnect of a full plan goes through, a new account is refused at connectChannelFinish', async () => {
    const { token, id } = await workspaceOn('FREE');
    const xChannel = await connectThroughOAuth(t, token, { platform: 'X' });
    await mastodonChannel(token);
    await mastodonChannel(token);
    // The same X account again: a reconnect of its channel, not a fourth channel.
    expect((await connectThroughOAuth(t, token, { platform: 'X' })).id).toBe(xChannel.id);
    expect(await channelsOf(id)).toBe(3);

    const other = await workspaceOn('FREE');
    for (let i = 0; i < 3; i++) await mastodonChannel(other.token);
    const { connectChannelStart } = await t.ok(START, { input: { platform: 'X', redirectUri: REDIRECT_URI } }, other.token);
    const { code, state } = await approve(connectChannelStart.authorizeUrl);
    expectPlanLimit(await t.gql(FINISH, { state, code }, other.token), { limit: 'channels', plan: 'FREE', max: 3, current: 3 });
    expect(await channelsOf(other.id)).toBe(3);
  });

  it('members: pending invitations hold seats; over the plan inviting and accepting are refused and nothing changes', async () => {
    const free = await workspaceOn('FREE');
    expectPlanLimit(await t.gql(INVITE, { email: 'nobody@example.com', role: 'EDITOR' }, free.token), { limit: 'members', plan: 'FREE', max: 1, current: 1 });
    expect(await count(`SELECT count(*)::int AS n FROM invitations WHERE workspace_id = $1`, [free.id])).toBe(0);

    const { token, id } = await workspaceOn('PRO');
    const links: string[] = [];
    for (let i = 0; i < 4; i++) links.push((await t.ok(INVITE, { email: `seat${i}-${id.slice(0, 8)}@example.com`, role: 'EDITOR' }, token)).inviteMember.link);
    expectPlanLimit(await t.gql(INVITE, { email: `fifth-${id.slice(0, 8)}@example.com`, role: 'EDITOR' }, token), { limit: 'members', plan: 'PRO', max: 5, current: 5 });
    // Inviting the same email again replaces its invitation: no seat added.
    links[0] = (await t.ok(INVITE, { email: `seat0-${id.slice(0, 8)}@example.com`, role: 'VIEWER' }, token)).inviteMember.link;
    const pending = () => count(`SELECT count(*)::int AS n FROM invitations WHERE workspace_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL`, [id]);
    expect(await pending()).toBe(4);
    // Accepting takes the seat its invitation held.
    await t.ok(ACCEPT, { token: new URL(links[0]!).pathname.split('/').at(-1), password: PASSWORD });

    // After a downgrade the invitations stay, but accepting one would pass the plan.
    await t.ok(SET_PLAN, { id, plan: 'FREE' }, firstToken);
    const refused = await t.gql(ACCEPT, { token: new URL(links[1]!).pathname.split('/').at(-1), password: PASSWORD });
    expectPlanLimit(refused, { limit: 'members', plan: 'FREE', max: 1, current: 4 });
    expect(await count(`SELECT count(*)::int AS n FROM memberships WHERE workspace_id = $1`, [id])).toBe(2);
    expect(await pending()).toBe(3);
    expect(await count(`SELECT count(*)::int AS n FROM users WHERE email = $1`, [`seat1-${id.slice(0, 8)}@example.com`])).toBe(0);
  });

  it('posts per month: a bulk that would pass is refused whole, then single posts up to the limit', async () => {
    const { token, id } = await workspaceOn('FREE');
    const channel = await mastodonChannel(token);
    const drafts = (n: number) => Array.from({ length: n }, (_, i) => ({ content: `draft ${i}`, channelIds: [channel.id], draft: true }));
    expect((await t.ok(BULK, { posts: drafts(99) }, token)).bulkCreatePosts.created).toBe(99);
    expectPlanLimit(await t.gql(BULK, { posts: drafts(2) }, token), { limit: 'postsPerMonth', plan: 'FREE', max: 100, current: 99, requested: 2 });
    expect(await postsOf(id)).toBe(99);
    await createPost(t, token, { content: 'the hundredth', channelIds: [channel.id], draft: true });
    const refused = await t.gql(
      `mutation($input: CreatePostInput!) { createPost(input: $input) { id } }`,
      { input: { content: 'one more', channelIds: [channel.id], draft: true } },
      token,
    );
    expectPlanLimit(refused, { limit: 'postsPerMonth', plan: 'FREE', max: 100, current: 100 });
    expect(await postsOf(id)).toBe(100);
    expect((await t.ok(USAGE, {}, token)).workspace.usage.postsThisMonth).toEqual({ used: 100, max: 100 });
  });

  it('API access: FREE creates no API key', async () => {
    const { token, id } = await workspaceOn('FREE');
    expectPlanLimit(await t.gql(`mutation { createApiKey(name: "ci") { key } }`, {}, token), { limit: 'apiAccess', plan: 'FREE', max: 0, current: 0 });
    expect(await count(`SELECT count(*)::int AS n FROM api_keys WHERE workspace_id = $1`, [id])).toBe(0);
  });

  it('the last channel slot, asked for by several requests at once, goes to exactly one', async () => {
    const { token, id } = await workspaceOn('FREE');
    await mastodonChannel(token);
    await mastodonChannel(token);
    const results = await Promise.all(Array.from({ length: 4 }, () => tryChannel(token)));
    expect(results.filter((r) => !r.errors).length).toBe(1);
    expect(results.flatMap(codes).sort()).toEqual(['PLAN_LIMIT', 'PLAN_LIMIT', 'PLAN_LIMIT']);
    expect(await channelsOf(id)).toBe(3);
  });

  it('counts under the workspace row lock: a second count waits for the first insert to commit, then sees it', async () => {
    // The requests above may happen to run one after the other; here the interleaving is forced and seen.
    const { token, id } = await workspaceOn('FREE');
    await mastodonChannel(token);
    await mastodonChannel(token);
    const { pool } = t.app.database;
    const [first, second] = [await pool.connect(), await pool.connect()];
    try {
      await first.query('BEGIN');
      await second.query('BEGIN');
      await refuseOverPlan(first, id, 'channels', 1);
      const row = { workspaceId: id, platform: 'MASTODON', name: 'raced', timezone: 'UTC', accountHandle: '@raced', settings: {}, credentialsEncrypted: 'x' };
      await insertChannel(first, { ...row, credentialsExpireAt: null, appKey: null, policy: null });
      const pid = (await second.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      const outcome = refuseOverPlan(second, id, 'channels', 1).then(
        () => 'allowed',
        (error: AppError) => error,
      );
      await eventually(
        async () => (await pool.query(`SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1`, [pid])).rows[0]?.wait_event_type === 'Lock',
        10_000,
        'the second count to wait for the lock',
      );
      await first.query('COMMIT');
      expect(await outcome).toMatchObject({ code: 'PLAN_LIMIT', details: { limit: 'channels', max: 3, current: 3 } });
    } finally {
      await first.query('ROLLBACK');
      await second.query('ROLLBACK');
      first.release();
      second.release();
    }
    expect(await channelsOf(id)).toBe(3);
  });
});

describe('usage and plans', () => {
  it('shows usage against the limits, and no limits on UNLIMITED (the default plan)', async () => {
    const token = await signUp(t);
    expect((await t.ok(USAGE, {}, token)).workspace).toEqual({
      plan: 'UNLIMITED',
      usage: { plan: 'UNLIMITED', channels: { used: 0, max: null }, members: { used: 1, max: null }, postsThisMonth: { used: 0, max: null }, apiAccess: true, approval: true },
    });
    const pro = await workspaceOn('PRO');
    const channel = await mastodonChannel(pro.token);
    await createPost(t, pro.token, { content: 'counted', channelIds: [channel.id], draft: true });
    await t.ok(INVITE, { email: `pending-${pro.id.slice(0, 8)}@example.com`, role: 'VIEWER' }, pro.token);
    // Deleted channels free their slot.
    const gone = await mastodonChannel(pro.token);
    await t.ok(`mutation($id: ID!) { deleteChannel(id: $id) { id } }`, { id: gone.id }, pro.token);
    expect((await t.ok(USAGE, {}, pro.token)).workspace.usage).toEqual({
      plan: 'PRO',
      channels: { used: 1, max: 10 },
      members: { used: 2, max: 5 },
      postsThisMonth: { used: 1, max: 2000 },
      apiAccess: true,
      approval: true,
    });
  });

  it('gives new workspaces POSTFLOW_DEFAULT_PLAN', async () => {
    const other = await startTestApp({ env: { POSTFLOW_DEFAULT_PLAN: 'FREE' } });
    try {
      const token = (await other.ok(`mutation { signup(email: "shop@example.com", password: "${PASSWORD}", workspaceName: "Shop") { token } }`)).signup.token;
      expect((await other.ok(`{ workspace { plan usage { channels { max } } } }`, {}, token)).workspace).toEqual({ plan: 'FREE', usage: { channels: { max: 3 } } });
    } finally {
      await other.stop();
    }
  });

  it('lets the first account and POSTFLOW_ADMIN_EMAILS set any plan, and refuses everyone else with FORBIDDEN', async () => {
    const owner = await signUp(t);
    const id = await workspaceIdOf(owner);
    expect((await t.ok(SET_PLAN, { id, plan: 'AGENCY' }, firstToken)).setWorkspacePlan).toEqual({ id, plan: 'AGENCY' });
    const admin = (await t.ok(`mutation { signup(email: "${ADMIN_EMAIL}", password: "${PASSWORD}", workspaceName: "Ops") { token } }`)).signup.token;
    expect((await t.ok(SET_PLAN, { id, plan: 'PRO' }, admin)).setWorkspacePlan.plan).toBe('PRO');

    // Not even the workspace's own OWNER chooses its plan; nor an administrator's API key.
    const refused = await t.gql(SET_PLAN, { id, plan: 'UNLIMITED' }, owner);
    expect(codes(refused)).toEqual(['FORBIDDEN']);
    expect(errorsOf(refused)[0]!.message).toMatch(/needs an instance administrator/);
    const key = (await t.ok(`mutation { createApiKey(name: "ops") { key } }`, {}, firstToken)).createApiKey.key;
    expect(codes(await t.gql(SET_PLAN, { id, plan: 'UNLIMITED' }, key))).toEqual(['FORBIDDEN']);
    expect(codes(await t.gql(SET_PLAN, { id, plan: 'UNLIMITED' }, null))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await t.gql(SET_PLAN, { id: '00000000-0000-4000-8000-000000000000', plan: 'FREE' }, firstToken))).toEqual(['NOT_FOUND']);
    expect((await t.ok(`{ workspace { plan } }`, {}, owner)).workspace.plan).toBe('PRO');
  });
});

describe('a downgrade', () => {
  it('deletes nothing: scheduled deliveries stay SCHEDULED with their jobs and publish; only new things are refused', async () => {
    const { token, id } = await workspaceOn('PRO');
    const channels: { id: string }[] = [];
    for (let i = 0; i < 4; i++) channels.push(await mastodonChannel(token));
    const tomorrow = Date.now() + 86_400_000;
    const later = Array.from({ length: 101 }, (_, i) => ({
      content: `later ${i}`,
      channelIds: [channels[i % 4]!.id],
      scheduledAt: new Date(tomorrow + i * 60_000).toISOString(),
    }));
    await t.ok(BULK, { posts: later }, token);
    const soon = await createPost(t, token, { content: `soon ${id}`, channelIds: [channels[0]!.id], scheduledAt: new Date(Date.now() + 3_000).toISOString() });

    await t.ok(SET_PLAN, { id, plan: 'FREE' }, firstToken);

    const statuses = await t.app.database.pool.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM deliveries WHERE workspace_id = $1 GROUP BY status`, [
      id,
    ]);
    expect(statuses.rows).toEqual([{ status: 'SCHEDULED', n: 102 }]);
    const deliveryIds = (await t.app.database.pool.query<{ id: string }>(`SELECT id FROM deliveries WHERE workspace_id = $1`, [id])).rows.map((r) => r.id);
    let jobs = 0;
    for (const deliveryId of deliveryIds) jobs += (await publishJobs(t, deliveryId)).length;
    expect(jobs).toBe(102);
    expect(await channelsOf(id)).toBe(4);
    expect((await t.ok(USAGE, {}, token)).workspace.usage).toMatchObject({ channels: { used: 4, max: 3 }, postsThisMonth: { used: 102, max: 100 } });

    // New ones are refused until the workspace is under the limits again.
    expectPlanLimit(await tryChannel(token), { limit: 'channels', plan: 'FREE', max: 3, current: 4 });
    const refused = await t.gql(
      `mutation($input: CreatePostInput!) { createPost(input: $input) { id } }`,
      { input: { content: 'new', channelIds: [channels[1]!.id], draft: true } },
      token,
    );
    expectPlanLimit(refused, { limit: 'postsPerMonth', plan: 'FREE', max: 100, current: 102 });

    // What was scheduled before still goes out.
    expect((await waitForDelivery(t, token, soon.id, ['PUBLISHED', 'FAILED'], 20_000)).status).toBe('PUBLISHED');
    await eventually(async () => mastodon.statuses.some((s) => s.text === `soon ${id}`), 5_000, 'the post on the fake');
    await t.ok(`mutation($id: ID!) { deleteChannel(id: $id) { id } }`, { id: channels[3]!.id }, token);
    expect((await t.ok(USAGE, {}, token)).workspace.usage.channels).toEqual({ used: 3, max: 3 });
  }, 60_000);
});
