// The queue's actions on one delivery (cancelDelivery, publishDeliveryNow), and a reschedule the posting rules refuse:
// the error names the rules and carries the nearest allowed instant, for the calendar to spring back and offer it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from './fakes/webhookReceiver.js';
import { eventually, signUp, startTestApp, type TestApp } from './helpers/testApp.js';
import { createChannel, createPost, OPEN_POLICY } from './helpers/scenario.js';
import { errorOf, issuesOf, publishJobs } from './helpers/api.js';

let t: TestApp;
let hooks: WebhookReceiver;
const SECRET = 'webhook-secret-of-the-channel';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let token: string;
let open1: string;
let open2: string;
let office: string;
/** Midnight UTC three days from now: the office channel's days are read from it. */
let day0: number;
const iso = (ms: number) => new Date(ms).toISOString();
const dateKey = (ms: number) => iso(ms).slice(0, 10);

beforeAll(async () => {
  hooks = await startWebhookReceiver({ secret: SECRET });
  t = await startTestApp();
  token = await signUp(t);
  open1 = (await createChannel(t, token, 'WEBHOOK', { url: `${hooks.url}/one`, secret: SECRET }, 'Open one')).id;
  open2 = (await createChannel(t, token, 'WEBHOOK', { url: `${hooks.url}/two`, secret: SECRET }, 'Open two')).id;
  day0 = Math.floor((Date.now() + 3 * DAY) / DAY) * DAY;
  // 09:00-17:00 UTC every day, posts an hour apart, and the whole of day 3 blacked out.
  office = (
    await createChannel(t, token, 'WEBHOOK', { url: `${hooks.url}/office`, secret: SECRET }, 'Office hours', {
      ...OPEN_POLICY,
      windows: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, ranges: [{ start: '09:00', end: '17:00' }] })),
      minIntervalMinutes: 60,
      blackouts: [{ start: dateKey(day0 + 3 * DAY), end: dateKey(day0 + 3 * DAY), label: 'Holiday' }],
    })
  ).id;
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await hooks?.stop();
});

const DELIVERY = `id status scheduledAt publishedAt post { id } channel { id }`;
const CANCEL = `mutation($id: ID!) { cancelDelivery(id: $id) { ${DELIVERY} } }`;
const PUBLISH_NOW = `mutation($id: ID!) { publishDeliveryNow(id: $id) { ${DELIVERY} } }`;
const RESCHEDULE = `mutation($id: ID!, $at: DateTime!, $mode: RequestMode) { rescheduleDelivery(id: $id, scheduledAt: $at, schedulingMode: $mode) { ${DELIVERY} } }`;

async function deliveriesOf(postId: string) {
  const { deliveries } = await t.ok(`query($id: ID!) { deliveries(filter: { postId: $id }) { edges { node { ${DELIVERY} } } } }`, { id: postId }, token);
  return new Map<string, any>(deliveries.edges.map((e: any) => [e.node.channel.id, e.node]));
}
async function audited(action: string, targetId: string) {
  const { auditLog } = await t.ok(`query($f: AuditFilter) { auditLog(filter: $f) { edges { node { action targetType details } } } }`, { f: { action, targetId } }, token);
  return auditLog.edges.map((e: any) => e.node);
}

describe('cancelDelivery', () => {
  it('cancels one delivery of a post, removing its publish job, and leaves the others scheduled', async () => {
    const at = iso(Date.now() + 2 * DAY);
    const post = await createPost(t, token, { content: 'two channels', channelIds: [open1, open2], scheduledAt: at });
    const before = await deliveriesOf(post.id);
    const one = before.get(open1);
    expect(await publishJobs(t, one.id)).toHaveLength(1);
    const { cancelDelivery } = await t.ok(CANCEL, { id: one.id }, token);
    expect(cancelDelivery).toMatchObject({ id: one.id, status: 'CANCELLED' });
    expect(await publishJobs(t, one.id)).toHaveLength(0);
    const after = await deliveriesOf(post.id);
    expect(after.get(open2)).toMatchObject({ status: 'SCHEDULED', scheduledAt: at });
    expect(await publishJobs(t, after.get(open2).id)).toHaveLength(1);
    expect(await audited('delivery.cancelled', one.id)).toEqual([{ action: 'delivery.cancelled', targetType: 'delivery', details: { postId: post.id } }]);
    // Once more: it is cancelled already, nothing changes and nothing more is audited.
    expect((await t.ok(CANCEL, { id: one.id }, token)).cancelDelivery.status).toBe('CANCELLED');
    expect(await audited('delivery.cancelled', one.id)).toHaveLength(1);
  });

  it('refuses a published delivery, and a delivery of another workspace is not found', async () => {
    const post = await createPost(t, token, { content: 'out already', channelIds: [open1], draft: true });
    const id = post.deliveries[0]!.id;
    await t.app.database.pool.query(`UPDATE deliveries SET status = 'PUBLISHED', published_at = now() WHERE id = $1`, [id]);
    const refused = errorOf(await t.gql(CANCEL, { id }, token));
    expect(refused.extensions).toMatchObject({ code: 'CONFLICT', from: 'PUBLISHED', to: 'CANCELLED' });
    const stranger = await signUp(t);
    const draft = await createPost(t, token, { content: 'mine', channelIds: [open1], draft: true });
    expect(errorOf(await t.gql(CANCEL, { id: draft.deliveries[0]!.id }, stranger)).extensions?.code).toBe('NOT_FOUND');
    expect(errorOf(await t.gql(PUBLISH_NOW, { id: draft.deliveries[0]!.id }, stranger)).extensions?.code).toBe('NOT_FOUND');
    expect((await deliveriesOf(draft.id)).get(open1).status).toBe('DRAFT');
  });
});

describe('publishDeliveryNow', () => {
  it('publishes one delivery at once, outside posting hours too, and leaves the post’s others at their time', async () => {
    // Open one hour a day, two hours from now: now is outside its posting hours whenever the test runs.
    const start = (new Date().getUTCHours() + 2) % 24;
    const hh = (h: number) => `${String(h).padStart(2, '0')}:00`;
    const closed = (
      await createChannel(t, token, 'WEBHOOK', { url: `${hooks.url}/closed`, secret: SECRET }, 'Closed now', {
        ...OPEN_POLICY,
        windows: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, ranges: [{ start: hh(start), end: hh(start + 1) }] })),
      })
    ).id;
    const at = iso(day0 + DAY + start * HOUR);
    const post = await createPost(t, token, { content: 'now on one', channelIds: [closed, open2], scheduledAt: at });
    const officeDelivery = (await deliveriesOf(post.id)).get(closed);
    const { publishDeliveryNow } = await t.ok(PUBLISH_NOW, { id: officeDelivery.id }, token);
    expect(publishDeliveryNow.id).toBe(officeDelivery.id);
    const published = await eventually(async () => {
      const d = (await deliveriesOf(post.id)).get(closed);
      return d.status === 'PUBLISHED' ? d : undefined;
    });
    expect(hooks.deliveries.filter((h) => h.deliveryId === officeDelivery.id)).toHaveLength(1);
    expect(Date.parse(published.publishedAt)).toBeLessThan(Date.now());
    expect((await deliveriesOf(post.id)).get(open2)).toMatchObject({ status: 'SCHEDULED', scheduledAt: at });
    const [event] = await audited('delivery.rescheduled', officeDelivery.id);
    expect(event.details).toMatchObject({ postId: post.id, mode: 'IMMEDIATE' });
    // Out already: publishing it again is refused.
    expect(errorOf(await t.gql(PUBLISH_NOW, { id: officeDelivery.id }, token)).extensions).toMatchObject({ code: 'CONFLICT', from: 'PUBLISHED' });
  });

  it('sends a draft delivery', async () => {
    const post = await createPost(t, token, { content: 'draft now', channelIds: [open1], draft: true });
    await t.ok(PUBLISH_NOW, { id: post.deliveries[0]!.id }, token);
    await eventually(async () => (await deliveriesOf(post.id)).get(open1).status === 'PUBLISHED');
  });
});

describe('a reschedule the posting rules refuse', () => {
  async function officePost(hoursAfterDay0: number, schedulingMode?: string) {
    const post = await createPost(t, token, { content: `office ${hoursAfterDay0}`, channelIds: [office], scheduledAt: iso(day0 + hoursAfterDay0 * HOUR), schedulingMode });
    return post.deliveries[0]!.id;
  }

  it('names the rule and offers the nearest allowed instant after the one asked for (EXACT)', async () => {
    const id = await officePost(10);
    const result = await t.gql(RESCHEDULE, { id, at: iso(day0 + 20 * HOUR), mode: 'EXACT' }, token);
    const error = errorOf(result);
    expect(error.extensions).toMatchObject({ code: 'VALIDATION_FAILED', rules: ['OUTSIDE_WINDOW'], nearestAllowedAt: iso(day0 + DAY + 9 * HOUR) });
    expect(issuesOf(result)).toEqual([
      expect.objectContaining({ path: ['scheduledAt'], rule: 'postingPolicy', rules: ['OUTSIDE_WINDOW'], nearestAllowedAt: iso(day0 + DAY + 9 * HOUR) }),
    ]);
    // Nothing moved; the instant offered is accepted as it is.
    const stored = await t.app.database.pool.query(`SELECT scheduled_at FROM deliveries WHERE id = $1`, [id]);
    expect(stored.rows[0].scheduled_at.toISOString()).toBe(iso(day0 + 10 * HOUR));
    const accepted = (await t.ok(RESCHEDULE, { id, at: error.extensions!.nearestAllowedAt, mode: 'EXACT' }, token)).rescheduleDelivery;
    expect(accepted.scheduledAt).toBe(iso(day0 + DAY + 9 * HOUR));
    const [event] = await audited('delivery.rescheduled', id);
    expect(event.details).toMatchObject({ mode: 'EXACT', scheduledAt: iso(day0 + DAY + 9 * HOUR) });
  });

  it('counts the channel’s other posts: too close to one, the nearest is an interval after it', async () => {
    await officePost(2 * 24 + 10);
    const id = await officePost(2 * 24 + 14);
    const error = errorOf(await t.gql(RESCHEDULE, { id, at: iso(day0 + (2 * 24 + 10.5) * HOUR), mode: 'EXACT' }, token));
    expect(error.extensions).toMatchObject({ rules: ['MIN_INTERVAL'], nearestAllowedAt: iso(day0 + (2 * 24 + 11) * HOUR) });
  });

  it('refuses in the post’s own mode when it was created EXACT, and offers the first instant after a blackout', async () => {
    const id = await officePost(4 * 24 + 12, 'EXACT');
    const error = errorOf(await t.gql(RESCHEDULE, { id, at: iso(day0 + (3 * 24 + 12) * HOUR) }, token));
    expect(error.extensions).toMatchObject({ code: 'VALIDATION_FAILED', rules: ['BLACKOUT'], nearestAllowedAt: iso(day0 + (4 * 24 + 9) * HOUR) });
    expect(error.message).toMatch(/Holiday|blackout/i);
  });
});
