// Posting policies through the API: defaults, validation, SHIFT and EXACT at creation, next slots, previews,
// the smart scheduler and bulk creation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { startWebhookReceiver, type WebhookReceiver } from './fakes/webhookReceiver.js';
import { startMastodonFake, type MastodonFake } from './fakes/mastodonFake.js';
import { signUp, startTestApp, type TestApp } from './helpers/testApp.js';
import { createChannel } from './helpers/scenario.js';
import { errorOf, issuesOf, publishJobs } from './helpers/api.js';

let t: TestApp;
let hooks: WebhookReceiver;
let mastodon: MastodonFake;
const SECRET = 'a-very-secret-signing-key';
const ZONE = 'Europe/Berlin';

beforeAll(async () => {
  hooks = await startWebhookReceiver({ secret: SECRET });
  mastodon = await startMastodonFake();
  t = await startTestApp();
});
afterAll(async () => {
  await t?.stop();
  await Promise.all([hooks?.stop(), mastodon?.stop()]);
});

const weekdays = (start: string, end: string) => [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, ranges: [{ start, end }] }));
/** A Berlin wall-clock time some days ahead, as an ISO instant. */
const berlin = (daysAhead: number, time: string) =>
  DateTime.now()
    .setZone(ZONE)
    .plus({ days: daysAhead })
    .set({ hour: Number(time.slice(0, 2)), minute: Number(time.slice(3)), second: 0, millisecond: 0 })
    .toUTC()
    .toISO()!;

async function officeHoursChannel(token: string, policy: Record<string, unknown> = {}) {
  const channel = await createChannel(t, token, 'WEBHOOK', { url: hooks.hookUrl, secret: SECRET }, 'Office hours', {
    windows: weekdays('09:00', '17:00'),
    minIntervalMinutes: 30,
    reservedShare: 0,
    ...policy,
  });
  await t.ok(`mutation($id: ID!, $input: UpdateChannelInput!) { updateChannel(id: $id, input: $input) { id } }`, { id: channel.id, input: { timezone: ZONE } }, token);
  return channel;
}

const CREATE = `mutation($input: CreatePostInput!) { createPost(input: $input) { id schedulingMode deliveries { id status scheduledAt requestedAt scheduleReason } } }`;

describe('channel policies', () => {
  it('start with no posting rules but the network caps, the default queue, and can be changed field by field', async () => {
    const token = await signUp(t);
    const channel = await createChannel(t, token, 'MASTODON', { instanceUrl: mastodon.url, accessToken: mastodon.accessToken }, 'Defaults', null);
    const read = `query($id: ID!) { channel(id: $id) { policy { windows { weekday ranges { start end } } hoursRestricted minIntervalMinutes dailyCap rolling24hCap reservedShare
      blackouts { start end label } queueHours { weekday ranges { start end } } queueHoursRestricted queueSpacingMinutes } } }`;
    const { channel: fresh } = await t.ok(read, { id: channel.id }, token);
    expect(fresh.policy).toMatchObject({ windows: [], hoursRestricted: false, minIntervalMinutes: 0, blackouts: [], queueHoursRestricted: true, queueSpacingMinutes: 15 });
    expect(fresh.policy.queueHours).toEqual(weekdays('08:00', '21:00'));

    await t.ok(
      `mutation($id: ID!, $policy: PostingPolicyInput!) { updateChannelPolicy(channelId: $id, policy: $policy) { id } }`,
      { id: channel.id, policy: { blackouts: [{ start: '2026-12-24', end: '2026-12-26', label: 'Christmas' }], dailyCap: 12 } },
      token,
    );
    const { channel: changed } = await t.ok(read, { id: channel.id }, token);
    // Setting one rule switches on no other.
    expect(changed.policy).toMatchObject({
      windows: [],
      hoursRestricted: false,
      minIntervalMinutes: 0,
      dailyCap: 12,
      blackouts: [{ start: '2026-12-24', end: '2026-12-26', label: 'Christmas' }],
    });
  });

  it('refuse a bad policy with one issue per problem, naming the field', async () => {
    const token = await signUp(t);
    const channel = await createChannel(t, token, 'WEBHOOK', { url: hooks.hookUrl, secret: SECRET });
    const result = await t.gql(
      `mutation($id: ID!, $policy: PostingPolicyInput!) { updateChannelPolicy(channelId: $id, policy: $policy) { id } }`,
      {
        id: channel.id,
        policy: {
          windows: [
            {
              weekday: 1,
              ranges: [
                { start: '09:00', end: '12:00' },
                { start: '11:00', end: '13:00' },
              ],
            },
            { weekday: 2, ranges: [{ start: '18:00', end: '07:00' }] },
            { weekday: 9, ranges: [] },
          ],
          minIntervalMinutes: -5,
          blackouts: [{ start: 'tomorrow', end: '2026-12-01' }],
        },
      },
      token,
    );
    const issues = issuesOf(result).map((i) => [i.path.join('.'), i.rule]);
    expect(issues).toEqual(
      expect.arrayContaining([
        ['policy.windows.2.weekday', 'weekday'],
        ['policy.windows.0.ranges', 'overlap'],
        ['policy.windows.1.ranges.0', 'order'],
        ['policy.blackouts.0.start', 'date'],
        ['policy.minIntervalMinutes', 'range'],
      ]),
    );
  });
});

describe('createPost under a policy', () => {
  it('SHIFT moves a post requested outside the hours to the next window, and says why', async () => {
    const token = await signUp(t);
    const channel = await officeHoursChannel(token);
    const requested = berlin(2, '20:00');
    const { createPost } = await t.ok(CREATE, { input: { content: 'evening', channelIds: [channel.id], scheduledAt: requested } }, token);
    const [delivery] = createPost.deliveries;
    expect(createPost.schedulingMode).toBe('SHIFT');
    expect(delivery.scheduledAt).toBe(berlin(3, '09:00'));
    expect(delivery.requestedAt).toBe(requested);
    expect(delivery.scheduleReason).toMatch(/outside the posting hours/);
    expect((await publishJobs(t, delivery.id)).map((j) => j.run_at.toISOString())).toEqual([berlin(3, '09:00')]);
  });

  it('SHIFT keeps the minimum interval between posts created at the same time, even concurrently', async () => {
    const token = await signUp(t);
    const channel = await officeHoursChannel(token);
    const at = berlin(2, '10:00');
    const posts = await Promise.all(Array.from({ length: 5 }, (_, i) => t.ok(CREATE, { input: { content: `same time ${i}`, channelIds: [channel.id], scheduledAt: at } }, token)));
    const times = posts.map((p) => Date.parse(p.createPost.deliveries[0].scheduledAt)).sort((a, b) => a - b);
    expect(times.map((x) => new Date(x).toISOString())).toEqual([0, 30, 60, 90, 120].map((m) => new Date(Date.parse(at) + m * 60_000).toISOString()));
  });

  it('EXACT refuses an instant a rule forbids, with the rule, and saves nothing', async () => {
    const token = await signUp(t);
    const channel = await officeHoursChannel(token, {
      blackouts: [{ start: DateTime.fromISO(berlin(2, '12:00')).setZone(ZONE).toISODate(), end: DateTime.fromISO(berlin(2, '12:00')).setZone(ZONE).toISODate(), label: 'launch' }],
    });
    const result = await t.gql(CREATE, { input: { content: 'exact', channelIds: [channel.id], scheduledAt: berlin(2, '12:00'), schedulingMode: 'EXACT' } }, token);
    const [issue] = issuesOf(result);
    expect(issue).toMatchObject({ path: ['input', 'scheduledAt'], rule: 'postingPolicy' });
    expect(issue.message).toMatch(/blackout/);
    expect(await t.app.database.prisma.post.count({ where: { content: 'exact' } })).toBe(0);
    const ok = await t.ok(CREATE, { input: { content: 'exact ok', channelIds: [channel.id], scheduledAt: berlin(3, '12:00'), schedulingMode: 'EXACT' } }, token);
    expect(ok.createPost.deliveries[0]).toMatchObject({ scheduledAt: berlin(3, '12:00'), requestedAt: null, scheduleReason: null });
  });

  it('nextSlots lists the free instants, skipping taken ones', async () => {
    const token = await signUp(t);
    const channel = await officeHoursChannel(token);
    await t.ok(CREATE, { input: { content: 'taken', channelIds: [channel.id], scheduledAt: berlin(2, '09:00') } }, token);
    const { nextSlots } = await t.ok(
      `query($id: ID!, $from: DateTime) { nextSlots(channelId: $id, count: 3, from: $from) { at } }`,
      { id: channel.id, from: berlin(2, '08:00') },
      token,
    );
    expect(nextSlots.map((s: { at: string }) => s.at)).toEqual([berlin(2, '09:30'), berlin(2, '10:00'), berlin(2, '10:30')]);
  });

  it('previewSchedule answers where posts would go without saving anything', async () => {
    const token = await signUp(t);
    const channel = await officeHoursChannel(token);
    const before = await t.app.database.prisma.delivery.count();
    const { previewSchedule } = await t.ok(
      `query($posts: [PreviewPostInput!]!) { previewSchedule(posts: $posts) { postIndex channelId scheduledAt allowed reason } }`,
      {
        posts: [
          { channelIds: [channel.id], scheduledAt: berlin(2, '22:00') },
          { channelIds: [channel.id], scheduledAt: berlin(2, '22:00'), schedulingMode: 'EXACT' },
          { channelIds: [channel.id] },
        ],
      },
      token,
    );
    expect(previewSchedule[0]).toMatchObject({ postIndex: 0, allowed: true, scheduledAt: berlin(3, '09:00') });
    expect(previewSchedule[1]).toMatchObject({ postIndex: 1, allowed: false, scheduledAt: null });
    expect(previewSchedule[1].reason).toMatch(/outside the posting hours/);
    expect(previewSchedule[2]).toMatchObject({ postIndex: 2, allowed: true });
    expect(previewSchedule[2].reason).toMatch(/smart scheduler/);
    expect(await t.app.database.prisma.delivery.count()).toBe(before);
  });
});

describe('the smart scheduler', () => {
  it('places autoSchedule posts in evenly spread allowed slots, higher priority first', async () => {
    const token = await signUp(t);
    const channel = await officeHoursChannel(token);
    // One call, so the smart scheduler sees all six together (the worker runs it right after).
    const posts = Array.from({ length: 6 }, (_, i) => ({ content: `queue ${i}`, channelIds: [channel.id], priority: i === 5 ? 10 : 0 }));
    const { bulkCreatePosts } = await t.ok(`mutation($posts: [CreatePostInput!]!) { bulkCreatePosts(posts: $posts, autoSchedule: true) { pending } }`, { posts }, token);
    expect(bulkCreatePosts.pending).toBe(6);
    await t.ok(`mutation { runSmartSchedule { placed pending } }`, {}, token);
    const deliveries = await t.app.database.prisma.delivery.findMany({ where: { channelId: channel.id }, include: { post: true }, orderBy: { scheduledAt: 'asc' } });
    // The first slot may be now, in which case the worker is already publishing it.
    expect(deliveries.every((d) => ['SCHEDULED', 'PUBLISHING', 'PUBLISHED'].includes(d.status) && d.scheduleReason?.startsWith('Placed by the smart scheduler'))).toBe(true);
    expect(deliveries[0].post.content).toBe('queue 5');
    const days = new Set(deliveries.map((d) => DateTime.fromJSDate(d.scheduledAt!).setZone(ZONE).toISODate()));
    expect(days.size).toBeGreaterThanOrEqual(5); // six posts over a week, not all on one day
    for (const d of deliveries) {
      const local = DateTime.fromJSDate(d.scheduledAt!).setZone(ZONE);
      expect(local.hour * 60 + local.minute).toBeGreaterThanOrEqual(9 * 60);
      expect(local.hour * 60 + local.minute).toBeLessThan(17 * 60);
    }
  });

  it('bulkCreatePosts takes 10,000 posts in one call, queues their jobs, and spreads them', async () => {
    const token = await signUp(t);
    const channel = await createChannel(t, token, 'WEBHOOK', { url: hooks.hookUrl, secret: SECRET }, 'Bulk');
    const start = Date.parse(berlin(3, '00:00'));
    const posts = Array.from({ length: 10_000 }, (_, i) => ({ content: `bulk ${i}`, channelIds: [channel.id], scheduledAt: new Date(start + i * 60_000).toISOString() }));
    const { bulkCreatePosts } = await t.ok(`mutation($posts: [CreatePostInput!]!) { bulkCreatePosts(posts: $posts) { created scheduled pending postIds } }`, { posts }, token);
    expect(bulkCreatePosts).toMatchObject({ created: 10_000, scheduled: 10_000, pending: 0 });
    expect(bulkCreatePosts.postIds).toHaveLength(10_000);
    const jobs = await t.app.database.pool.query(`SELECT count(*)::int AS n FROM graphile_worker.jobs j JOIN deliveries d ON j.key = 'publish:' || d.id WHERE d.channel_id = $1`, [
      channel.id,
    ]);
    expect(jobs.rows[0].n).toBe(10_000);
  }, 60_000);

  it('bulkCreatePosts refuses the whole batch when one row is bad, naming each bad row', async () => {
    const token = await signUp(t);
    const channel = await createChannel(t, token, 'WEBHOOK', { url: hooks.hookUrl, secret: SECRET }, 'Bulk refused');
    const posts = Array.from({ length: 50 }, (_, i) => ({
      content: i === 17 ? '' : `row ${i}`,
      channelIds: [i === 42 ? '00000000-0000-4000-8000-000000000000' : channel.id],
      autoSchedule: true,
    }));
    const result = await t.gql(`mutation($posts: [CreatePostInput!]!) { bulkCreatePosts(posts: $posts) { created } }`, { posts }, token);
    expect(issuesOf(result).map((i) => [i.path.join('.'), i.rule])).toEqual([
      ['posts.17.content', 'required'],
      ['posts.42.channelIds.0', 'exists'],
    ]);
    expect(await t.app.database.prisma.delivery.count({ where: { channelId: channel.id } })).toBe(0);
    expect(errorOf(result).message).toMatch(/posts\.17\.content/);
  });
});
