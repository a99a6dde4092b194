// Posting rules and queue hours, kept apart: a channel nobody configured publishes a timed post at the instant asked,
// while the smart scheduler keeps to the queue hours; rules an owner sets bind every post; channels from before keep
// the defaults they ran under.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { startMastodonFake, type MastodonFake } from './fakes/mastodonFake.js';
import { signUp, startTestApp, type TestApp } from './helpers/testApp.js';
import { createChannel, createPost } from './helpers/scenario.js';
import { waitForAllDeliveries } from './helpers/api.js';
import { MIGRATIONS_DIR } from '../src/db/migrate.js';

let t: TestApp;
let mastodon: MastodonFake;
const ZONE = 'Europe/Berlin';

beforeAll(async () => {
  mastodon = await startMastodonFake();
  t = await startTestApp();
});
afterAll(async () => {
  await t?.stop();
  await mastodon?.stop();
});

async function unconfiguredChannel(token: string, name = 'Unconfigured') {
  const channel = await createChannel(t, token, 'MASTODON', { instanceUrl: mastodon.url, accessToken: mastodon.accessToken }, name, null);
  await t.ok(`mutation($id: ID!, $input: UpdateChannelInput!) { updateChannel(id: $id, input: $input) { id } }`, { id: channel.id, input: { timezone: ZONE } }, token);
  return channel;
}

const minutesOfDay = (iso: string) => {
  const local = DateTime.fromISO(iso).setZone(ZONE);
  return local.hour * 60 + local.minute;
};

describe('a channel nobody configured', () => {
  it('publishes a post at the instant asked, at any hour, and two posts at one instant both keep it', async () => {
    const token = await signUp(t);
    const channel = await unconfiguredChannel(token);
    const at = new Date(Date.now() + 3000);
    at.setMilliseconds(0);
    const requested = at.toISOString();
    const posts = [];
    for (const content of ['first at this instant', 'second at this instant'])
      posts.push(await createPost(t, token, { content, channelIds: [channel.id], scheduledAt: requested }));
    for (const post of posts) {
      const stored = await t.app.database.prisma.delivery.findFirstOrThrow({ where: { postId: post.id } });
      expect(stored.scheduledAt!.toISOString()).toBe(requested);
      expect(stored.scheduleReason).toBeNull();
    }
    for (const post of posts) await waitForAllDeliveries(t, token, post.id, ['PUBLISHED'], 15_000);
    expect(mastodon.statuses.map((s) => s.text)).toEqual(expect.arrayContaining(['first at this instant', 'second at this instant']));
  });

  it('has the smart scheduler place posts without a time only inside the default queue hours, spaced by the network default', async () => {
    const token = await signUp(t);
    const channel = await unconfiguredChannel(token, 'Queue');
    const posts = Array.from({ length: 12 }, (_, i) => ({ content: `queued ${i}`, channelIds: [channel.id] }));
    await t.ok(`mutation($posts: [CreatePostInput!]!) { bulkCreatePosts(posts: $posts, autoSchedule: true) { pending } }`, { posts }, token);
    await t.ok(`mutation { runSmartSchedule { placed } }`, {}, token);
    const deliveries = await t.app.database.prisma.delivery.findMany({ where: { channelId: channel.id }, orderBy: { scheduledAt: 'asc' } });
    expect(deliveries).toHaveLength(12);
    for (const d of deliveries) {
      expect(d.scheduleReason).toMatch(/^Placed by the smart scheduler in the queue hours/);
      expect(minutesOfDay(d.scheduledAt!.toISOString())).toBeGreaterThanOrEqual(8 * 60);
      expect(minutesOfDay(d.scheduledAt!.toISOString())).toBeLessThan(21 * 60);
    }
    const times = deliveries.map((d) => d.scheduledAt!.getTime());
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(15 * 60_000);
  });

  it('lists free instants under either layer with nextSlots(kind), and previewSchedule names the layer that decided', async () => {
    const token = await signUp(t);
    const channel = await unconfiguredChannel(token, 'Slots');
    // 03:00 in Berlin: no rule refuses it; the queue starts at 08:00.
    const night = DateTime.now().setZone(ZONE).plus({ days: 2 }).set({ hour: 3, minute: 0, second: 0, millisecond: 0 }).toUTC().toISO()!;
    const slots = async (kind: string) =>
      (
        await t.ok(
          `query($id: ID!, $from: DateTime, $kind: ScheduleLayer) { nextSlots(channelId: $id, count: 2, from: $from, kind: $kind) { at reason } }`,
          { id: channel.id, from: night, kind },
          token,
        )
      ).nextSlots as { at: string; reason: string | null }[];
    const rules = await slots('RULES');
    expect(rules[0]).toEqual({ at: night, reason: null });
    const queue = await slots('QUEUE');
    expect(minutesOfDay(queue[0]!.at)).toBe(8 * 60);
    expect(queue[0]!.reason).toMatch(/outside the queue hours/);
    expect(Date.parse(queue[1]!.at) - Date.parse(queue[0]!.at)).toBe(15 * 60_000);

    const { previewSchedule } = await t.ok(
      `query($posts: [PreviewPostInput!]!) { previewSchedule(posts: $posts) { postIndex scheduledAt reason layer } }`,
      { posts: [{ channelIds: [channel.id], scheduledAt: night }, { channelIds: [channel.id] }] },
      token,
    );
    expect(previewSchedule[0]).toMatchObject({ layer: 'RULES', scheduledAt: night, reason: null });
    expect(previewSchedule[1]).toMatchObject({ layer: 'QUEUE' });
    expect(previewSchedule[1].reason).toMatch(/queue hours/);
  });
});

describe('rules the owner sets', () => {
  it('bind timed posts (SHIFT moves, EXACT refuses) while queue hours never do', async () => {
    const token = await signUp(t);
    const channel = await unconfiguredChannel(token, 'Owner rules');
    const week = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, ranges: [{ start: '10:00', end: '12:00' }] }));
    await t.ok(
      `mutation($id: ID!, $policy: PostingPolicyInput!) { updateChannelPolicy(channelId: $id, policy: $policy) { id } }`,
      { id: channel.id, policy: { windows: week, queueHours: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, ranges: [{ start: '11:00', end: '11:30' }] })) } },
      token,
    );
    const local = (time: string) =>
      DateTime.now()
        .setZone(ZONE)
        .plus({ days: 2 })
        .set({ hour: Number(time.slice(0, 2)), minute: Number(time.slice(3)), second: 0, millisecond: 0 })
        .toUTC()
        .toISO()!;
    const CREATE = `mutation($input: CreatePostInput!) { createPost(input: $input) { deliveries { scheduledAt scheduleReason } } }`;
    const shifted = await t.ok(CREATE, { input: { content: 'too early', channelIds: [channel.id], scheduledAt: local('07:00') } }, token);
    expect(shifted.createPost.deliveries[0]).toMatchObject({ scheduledAt: local('10:00') });
    expect(shifted.createPost.deliveries[0].scheduleReason).toMatch(/outside the posting hours/);
    // 10:45 is inside the rules but outside the queue hours: a timed post keeps it.
    const kept = await t.ok(CREATE, { input: { content: 'in the rules', channelIds: [channel.id], scheduledAt: local('10:45'), schedulingMode: 'EXACT' } }, token);
    expect(kept.createPost.deliveries[0]).toMatchObject({ scheduledAt: local('10:45'), scheduleReason: null });
    const refused = await t.gql(CREATE, { input: { content: 'exact at night', channelIds: [channel.id], scheduledAt: local('13:00'), schedulingMode: 'EXACT' } }, token);
    expect(refused.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
    expect(await t.app.database.prisma.post.count({ where: { content: 'exact at night' } })).toBe(0);
  });
});

describe('the migration for channels from before', () => {
  it('writes the defaults they ran under into a policy still at the default, and gives an owner-set policy its own hours as the queue', async () => {
    const { pool } = t.app.database;
    const token = await signUp(t);
    const untouched = await unconfiguredChannel(token, 'Old default');
    const configured = await unconfiguredChannel(token, 'Old configured');
    const ownPolicy = { windows: { '1': [{ start: '06:00', end: '07:00' }] }, blackouts: [], minIntervalMinutes: 40, dailyCap: null, rolling24hCap: null, reservedShare: 0.1 };
    await pool.query(`UPDATE channels SET policy = NULL WHERE id = $1`, [untouched.id]);
    await pool.query(`UPDATE channels SET policy = $2 WHERE id = $1`, [configured.id, JSON.stringify(ownPolicy)]);
    await pool.query(await readFile(path.join(MIGRATIONS_DIR, '0007_queue_hours', 'migration.sql'), 'utf8'));
    const policyOf = async (id: string) => (await pool.query(`SELECT policy FROM channels WHERE id = $1`, [id])).rows[0].policy;
    const day = [{ start: '08:00', end: '21:00' }];
    const week = Object.fromEntries(['1', '2', '3', '4', '5', '6', '7'].map((d) => [d, day]));
    expect(await policyOf(untouched.id)).toEqual({
      windows: week,
      blackouts: [],
      minIntervalMinutes: 15,
      dailyCap: null,
      rolling24hCap: null,
      reservedShare: 0.2,
      queueHours: week,
      queueSpacingMinutes: 15,
    });
    expect(await policyOf(configured.id)).toEqual({ ...ownPolicy, queueHours: ownPolicy.windows, queueSpacingMinutes: 40 });
    // What the old default did, it still does: a night post moves to 08:00.
    const night = DateTime.now().setZone(ZONE).plus({ days: 2 }).set({ hour: 3, minute: 0, second: 0, millisecond: 0 });
    const post = await t.ok(
      `mutation($input: CreatePostInput!) { createPost(input: $input) { deliveries { scheduledAt } } }`,
      { input: { content: 'night on an old channel', channelIds: [untouched.id], scheduledAt: night.toUTC().toISO() } },
      token,
    );
    expect(post.createPost.deliveries[0].scheduledAt).toBe(night.set({ hour: 8 }).toUTC().toISO());
  });
});
