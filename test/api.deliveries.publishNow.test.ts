// publish_now as the one mark of "out at once" (a post's publishNow no longer lets every later move of its deliveries
// skip the posting hours), what ends it (a cap, a hold), a move at publish time that lost to a person's change, a
// failed delivery sent again with a fresh budget, cancelDelivery losing to a claim, and refusals over several channels.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from './fakes/webhookReceiver.js';
import { eventually, signUp, startTestApp, type TestApp } from './helpers/testApp.js';
import { createChannel, createPost, OPEN_POLICY } from './helpers/scenario.js';
import { errorOf, issuesOf, publishJobs } from './helpers/api.js';
import { enqueuePublishJobs } from '../src/store/jobs.js';
import { DUE_DELIVERIES, moveDelivery, policyFor, type DueDelivery } from '../src/jobs/publishPolicy.js';
import { transaction } from '../src/store/sql.js';

let t: TestApp;
let hooks: WebhookReceiver;
const SECRET = 'webhook-secret-of-the-channel';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let token: string;
const iso = (ms: number) => new Date(ms).toISOString();
const hh = (h: number) => `${String(h % 24).padStart(2, '0')}:00`;
/** Open one hour a day, starting two hours from now: now is outside its posting hours whenever the test runs. */
const closedNow = () => {
  const start = (new Date().getUTCHours() + 2) % 24;
  return { ...OPEN_POLICY, windows: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, ranges: [{ start: hh(start), end: start === 23 ? '24:00' : hh(start + 1) }] })) };
};

beforeAll(async () => {
  hooks = await startWebhookReceiver({ secret: SECRET });
  t = await startTestApp();
  token = await signUp(t);
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await hooks?.stop();
});

const channel = async (name: string, policy: Record<string, unknown>) =>
  (await createChannel(t, token, 'WEBHOOK', { url: `${hooks.url}/${name}`, secret: SECRET }, name, policy)).id;
const row = async (id: string) =>
  (await t.app.database.pool.query(`SELECT status, scheduled_at, publish_now, attempts, schedule_reason FROM deliveries WHERE id = $1`, [id])).rows[0];
const sentTo = (id: string) => hooks.deliveries.filter((h) => h.deliveryId === id).length;
const PUBLISH_NOW = `mutation($id: ID!) { publishDeliveryNow(id: $id) { id } }`;
const RESCHEDULE = `mutation($id: ID!, $at: DateTime!) { rescheduleDelivery(id: $id, scheduledAt: $at, schedulingMode: EXACT) { id } }`;
const jobDone = (id: string) => eventually(async () => (await publishJobs(t, id)).length === 0, 10_000, 'the publish job to run');

describe('publish_now, per delivery', () => {
  it('a delivery of a publishNow post that is due again later is checked against the posting hours', async () => {
    const closed = await channel('closed-hours', closedNow());
    const post = await createPost(t, token, { content: 'published now once', channelIds: [closed], scheduledAt: iso(Date.now() + 2 * DAY) });
    const id = post.deliveries[0]!.id;
    // The post was sent with publishNow once; this delivery was put back on its own and is due now.
    await t.app.database.pool.query(`UPDATE posts SET scheduling_mode = 'IMMEDIATE' WHERE id = $1`, [post.id]);
    await t.app.database.pool.query(`UPDATE deliveries SET scheduled_at = now() WHERE id = $1`, [id]);
    await enqueuePublishJobs(t.app.database.pool, [{ deliveryId: id, runAt: new Date() }]);
    const moved = await eventually(async () => {
      const r = await row(id);
      return r.schedule_reason?.startsWith('At publish time') ? r : undefined;
    });
    expect(moved.status).toBe('SCHEDULED');
    expect(moved.scheduled_at.getTime()).toBeGreaterThan(Date.now());
    expect(sentTo(id)).toBe(0);
  });

  it('createPost(publishNow) marks its deliveries', async () => {
    const open = await channel('open-a', OPEN_POLICY);
    await t.ok(`mutation($id: ID!) { pauseChannel(id: $id) { id } }`, { id: open }, token);
    const post = await createPost(t, token, { content: 'at once', channelIds: [open], publishNow: true });
    expect((await row(post.deliveries[0]!.id)).publish_now).toBe(true);
  });

  it('publishDeliveryNow on a paused channel waits; resumed later, the hold has ended its "now": the posting hours apply', async () => {
    const closed = await channel('paused-closed', closedNow());
    const post = await createPost(t, token, { content: 'held', channelIds: [closed], draft: true });
    const id = post.deliveries[0]!.id;
    await t.ok(`mutation($id: ID!) { pauseChannel(id: $id) { id } }`, { id: closed }, token);
    await t.ok(PUBLISH_NOW, { id }, token);
    await jobDone(id);
    expect(await row(id)).toMatchObject({ status: 'SCHEDULED', publish_now: true });
    expect(sentTo(id)).toBe(0);
    await t.ok(`mutation($id: ID!) { resumeChannel(id: $id) { id } }`, { id: closed }, token);
    const moved = await eventually(async () => {
      const r = await row(id);
      return r.schedule_reason?.startsWith('At publish time') ? r : undefined;
    });
    expect(moved).toMatchObject({ status: 'SCHEDULED', publish_now: false });
    expect(sentTo(id)).toBe(0);
  });

  it('publishDeliveryNow respects a daily cap: moved to the next day, no longer "now"', async () => {
    const capped = await channel('capped', { ...OPEN_POLICY, dailyCap: 1 });
    const out = await createPost(t, token, { content: 'out today', channelIds: [capped], draft: true });
    await t.app.database.pool.query(`UPDATE deliveries SET status = 'PUBLISHED', published_at = now() - interval '1 minute' WHERE id = $1`, [out.deliveries[0]!.id]);
    const post = await createPost(t, token, { content: 'over the cap', channelIds: [capped], draft: true });
    const id = post.deliveries[0]!.id;
    await t.ok(PUBLISH_NOW, { id }, token);
    const moved = await eventually(async () => {
      const r = await row(id);
      return r.schedule_reason?.startsWith('At publish time') ? r : undefined;
    });
    expect(moved.publish_now).toBe(false);
    expect(moved.scheduled_at.getTime()).toBe(Math.ceil(Date.now() / DAY) * DAY);
    expect(sentTo(id)).toBe(0);
  });

  it('publishDeliveryNow on a FAILED delivery starts a fresh retry budget', async () => {
    const open = await channel('open-b', OPEN_POLICY);
    const post = await createPost(t, token, { content: 'failed before', channelIds: [open], draft: true });
    const id = post.deliveries[0]!.id;
    await t.app.database.pool.query(`UPDATE deliveries SET status = 'FAILED', attempts = 5 WHERE id = $1`, [id]);
    await t.ok(PUBLISH_NOW, { id }, token);
    const published = await eventually(async () => {
      const r = await row(id);
      return r.status === 'PUBLISHED' ? r : undefined;
    });
    expect(published.attempts).toBe(1);
  });
});

describe('races', () => {
  it("a publish-time move that lost to a person's reschedule changes nothing", async () => {
    const closed = await channel('race-closed', closedNow());
    const post = await createPost(t, token, { content: 'race', channelIds: [closed], draft: true });
    const id = post.deliveries[0]!.id;
    await t.app.database.pool.query(`UPDATE deliveries SET status = 'SCHEDULED', scheduled_at = now() WHERE id = $1`, [id]);
    // What the gate read; then the person's reschedule commits before the move.
    const { rows } = await t.app.database.pool.query<DueDelivery>(DUE_DELIVERIES, [[id]]);
    const seen = rows[0]!;
    const allowed = Math.ceil((Date.now() + 2 * DAY) / DAY) * DAY + ((new Date().getUTCHours() + 2) % 24) * HOUR;
    await t.ok(RESCHEDULE, { id, at: iso(allowed) }, token);
    const moved = await transaction(t.app.database.pool, (client) => moveDelivery(client, seen, policyFor(seen), [], Date.now()));
    expect(moved).toBe(false);
    expect((await row(id)).scheduled_at.toISOString()).toBe(iso(allowed));
  });

  it('cancelDelivery losing to a claim is a CONFLICT that says so, and the delivery stays PUBLISHING', async () => {
    const open = await channel('cancel-race', OPEN_POLICY);
    const post = await createPost(t, token, { content: 'claimed meanwhile', channelIds: [open], scheduledAt: iso(Date.now() + DAY) });
    const id = post.deliveries[0]!.id;
    const worker = await t.app.database.pool.connect();
    try {
      await worker.query('BEGIN');
      await worker.query(`SELECT id FROM deliveries WHERE id = $1 FOR UPDATE`, [id]);
      const cancel = t.gql(`mutation($id: ID!) { cancelDelivery(id: $id) { id } }`, { id }, token);
      // The cancel has read SCHEDULED and now waits for the row: the "worker" claims it and commits.
      await eventually(async () => {
        const waiting = await t.app.database.pool.query(`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE deliveries SET status%'`);
        return waiting.rowCount! > 0;
      });
      await worker.query(`UPDATE deliveries SET status = 'PUBLISHING' WHERE id = $1`, [id]);
      await worker.query('COMMIT');
      const error = errorOf(await cancel);
      expect(error.extensions).toMatchObject({ code: 'CONFLICT', from: 'PUBLISHING' });
      expect(error.message).toContain('started publishing');
    } finally {
      worker.release();
    }
    expect((await row(id)).status).toBe('PUBLISHING');
  });
});

it('a time refused on several channels names each channel, and no one nearest instant for all', async () => {
  const one = await channel('refuse-one', closedNow());
  const two = await channel('refuse-two', closedNow());
  const at = iso(Math.ceil((Date.now() + 2 * DAY) / DAY) * DAY + ((new Date().getUTCHours() + 5) % 24) * HOUR);
  const refused = await t.gql(
    `mutation($input: CreatePostInput!) { createPost(input: $input) { id } }`,
    {
      input: { content: 'two refusals', channelIds: [one, two], scheduledAt: at, schedulingMode: 'EXACT' },
    },
    token,
  );
  expect(
    issuesOf(refused)
      .map((i: any) => i.channelId)
      .sort(),
  ).toEqual([one, two].sort());
  expect(errorOf(refused).extensions).not.toHaveProperty('nearestAllowedAt');
});
