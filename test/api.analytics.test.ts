// analytics(from, to, channelIds, timeZone) against a seeded set: exact counts, percentiles computed here from the
// seeded latenesses, zero days, and days read in a time zone across its DST change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from './fakes/webhookReceiver.js';
import { signUp, startTestApp, type TestApp } from './helpers/testApp.js';
import { createChannel, createPost } from './helpers/scenario.js';
import { issuesOf } from './helpers/api.js';

let t: TestApp;
let hooks: WebhookReceiver;
const SECRET = 'webhook-secret-of-the-channel';
let token: string;
let otherToken: string;
let a: string;
let b: string;

interface Seeded {
  channel: () => string;
  status: 'PUBLISHED' | 'FAILED' | 'UNCONFIRMED';
  /** scheduled_at as the row keeps it. */
  scheduledAt: string;
  /** due_at, where it was put (default scheduledAt). */
  dueAt?: string;
  latenessSeconds?: number;
  /** Attempts, oldest first: their start (default scheduledAt) and error class. */
  attempts?: { startedAt?: string; errorClass?: string | null }[];
  lastError?: string;
}

// March 2026 (UTC). America/New_York moves to daylight time on Sunday 8 March.
const SEEDED: Seeded[] = [
  { channel: () => a, status: 'PUBLISHED', scheduledAt: '2026-03-02T10:00:00Z', latenessSeconds: 5 },
  { channel: () => a, status: 'PUBLISHED', scheduledAt: '2026-03-02T12:00:00Z', latenessSeconds: 30 },
  { channel: () => a, status: 'PUBLISHED', scheduledAt: '2026-03-03T09:00:00Z', latenessSeconds: 90 },
  { channel: () => b, status: 'PUBLISHED', scheduledAt: '2026-03-05T15:00:00Z', latenessSeconds: 600 },
  { channel: () => b, status: 'PUBLISHED', scheduledAt: '2026-03-05T16:00:00Z', latenessSeconds: 10.5 },
  // 23:30 on 8 March in New York (EDT), 9 March in UTC.
  { channel: () => b, status: 'PUBLISHED', scheduledAt: '2026-03-09T03:30:00Z', latenessSeconds: 0 },
  // Retried: scheduled_at became the retry's time (10:10); it was due at 10:00, where it was put.
  {
    channel: () => a,
    status: 'PUBLISHED',
    scheduledAt: '2026-03-06T10:10:00Z',
    dueAt: '2026-03-06T10:00:00Z',
    latenessSeconds: 20,
    attempts: [{ startedAt: '2026-03-06T10:00:02Z', errorClass: 'TIMEOUT' }, {}],
  },
  {
    channel: () => a,
    status: 'FAILED',
    scheduledAt: '2026-03-04T08:00:00Z',
    attempts: [{ errorClass: 'TIMEOUT' }, { errorClass: 'AUTH' }],
    lastError: 'The network refused the token',
  },
  { channel: () => b, status: 'FAILED', scheduledAt: '2026-03-04T09:00:00Z', attempts: [{ errorClass: 'AUTH' }] },
  { channel: () => b, status: 'FAILED', scheduledAt: '2026-03-07T09:00:00Z', lastError: 'Channel was deleted' },
  // Not counted: outside the range, or neither published nor failed.
  { channel: () => a, status: 'PUBLISHED', scheduledAt: '2026-02-28T23:00:00Z', latenessSeconds: 1 },
  { channel: () => a, status: 'UNCONFIRMED', scheduledAt: '2026-03-03T10:00:00Z' },
  // New York falls back on 1 November: that local day has 25 hours, and 23:30 EST is 04:30Z on the 2nd.
  { channel: () => b, status: 'PUBLISHED', scheduledAt: '2026-11-02T04:30:00Z', latenessSeconds: 0 },
  { channel: () => b, status: 'PUBLISHED', scheduledAt: '2026-11-01T04:30:00Z', latenessSeconds: 0 },
];
/** The retried one's lateness from its due time: 10:10:20 published less 10:00:00. */
const RETRIED_LATENESS = 620;
const IN_RANGE = SEEDED.slice(0, 10);

async function seed(owner: string, channelFor: (s: Seeded) => string, rows: Seeded[]) {
  const { pool } = t.app.database;
  for (const s of rows) {
    const post = await createPost(t, owner, { content: `seeded ${s.scheduledAt}`, channelIds: [channelFor(s)], draft: true });
    const id = post.deliveries[0]!.id;
    const scheduled = new Date(s.scheduledAt);
    const published = s.status === 'PUBLISHED' ? new Date(scheduled.getTime() + s.latenessSeconds! * 1000) : null;
    await pool.query(`UPDATE deliveries SET status = $2::"DeliveryStatus", scheduled_at = $3, published_at = $4, last_error = $5, due_at = $6 WHERE id = $1`, [
      id,
      s.status,
      scheduled,
      published,
      s.lastError ?? null,
      new Date(s.dueAt ?? s.scheduledAt),
    ]);
    for (const [i, attempt] of (s.attempts ?? []).entries()) {
      await pool.query(
        `INSERT INTO delivery_attempts (delivery_id, number, idempotency_key, worker_lock_key, started_at, finished_at, outcome, error_class)
         VALUES ($1, $2, 'k', 1, $3, $3, $4, $5)`,
        [id, i + 1, new Date(attempt.startedAt ?? s.scheduledAt), attempt.errorClass ? 'RETRYABLE' : 'SUCCEEDED', attempt.errorClass ?? null],
      );
    }
  }
}

beforeAll(async () => {
  hooks = await startWebhookReceiver({ secret: SECRET });
  t = await startTestApp();
  token = await signUp(t);
  a = (await createChannel(t, token, 'WEBHOOK', { url: hooks.hookUrl, secret: SECRET }, 'A channel')).id;
  b = (await createChannel(t, token, 'WEBHOOK', { url: hooks.hookUrl, secret: SECRET }, 'B channel')).id;
  await seed(token, (s) => s.channel(), SEEDED);
  // Another workspace with deliveries in the same range: never counted here.
  otherToken = await signUp(t);
  const theirs = (await createChannel(t, otherToken, 'WEBHOOK', { url: hooks.hookUrl, secret: SECRET }, 'Theirs')).id;
  await seed(otherToken, () => theirs, SEEDED.slice(0, 4));
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await hooks?.stop();
});

const ANALYTICS = `query($from: DateTime!, $to: DateTime!, $channelIds: [ID!], $timeZone: String) {
  analytics(from: $from, to: $to, channelIds: $channelIds, timeZone: $timeZone) {
    timeZone published failed onTimeRate latenessP50Seconds latenessP95Seconds
    days { day published failed }
    channels { channel { id name } published failed onTimeRate }
    failureReasons { reason count }
  }
}`;
const analytics = async (variables: Record<string, unknown>, as = token) => (await t.ok(ANALYTICS, variables, as)).analytics;

/** PostgreSQL's percentile_cont: linear interpolation between the two nearest ranks. */
function percentileCont(values: number[], p: number): number {
  const sorted = [...values].sort((x, y) => x - y);
  const position = p * (sorted.length - 1);
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}
const lateness = (s: Seeded) => (s.attempts?.[0]?.startedAt ? RETRIED_LATENESS : s.latenessSeconds!);
const publishedIn = (rows: Seeded[]) => rows.filter((s) => s.status === 'PUBLISHED');

const MARCH = { from: '2026-03-01T00:00:00Z', to: '2026-03-10T00:00:00Z' };

describe('analytics', () => {
  it('counts published and failed deliveries, with the on-time rate and lateness percentiles from their due time', async () => {
    const result = await analytics(MARCH);
    const latenesses = publishedIn(IN_RANGE).map(lateness);
    expect(latenesses).toHaveLength(7);
    expect(result.timeZone).toBe('UTC');
    expect(result.published).toBe(7);
    expect(result.failed).toBe(3);
    expect(result.onTimeRate).toBeCloseTo(latenesses.filter((l) => l <= 60).length / 7, 10);
    expect(result.onTimeRate).toBeCloseTo(4 / 7, 10);
    expect(result.latenessP50Seconds).toBeCloseTo(percentileCont(latenesses, 0.5), 6);
    expect(result.latenessP50Seconds).toBeCloseTo(30, 6);
    expect(result.latenessP95Seconds).toBeCloseTo(percentileCont(latenesses, 0.95), 6);
    expect(result.latenessP95Seconds).toBeCloseTo(600 + 0.7 * 20, 6);
  });

  it('answers every day of the range, zeros included', async () => {
    const { days } = await analytics(MARCH);
    expect(days).toEqual([
      { day: '2026-03-01', published: 0, failed: 0 },
      { day: '2026-03-02', published: 2, failed: 0 },
      { day: '2026-03-03', published: 1, failed: 0 },
      { day: '2026-03-04', published: 0, failed: 2 },
      { day: '2026-03-05', published: 2, failed: 0 },
      { day: '2026-03-06', published: 1, failed: 0 },
      { day: '2026-03-07', published: 0, failed: 1 },
      { day: '2026-03-08', published: 0, failed: 0 },
      { day: '2026-03-09', published: 1, failed: 0 },
    ]);
    // A range that starts and ends inside days: only its part of them counts.
    expect((await analytics({ from: '2026-03-02T11:00:00Z', to: '2026-03-03T09:00:00Z' })).days).toEqual([
      { day: '2026-03-02', published: 1, failed: 0 },
      { day: '2026-03-03', published: 0, failed: 0 },
    ]);
  });

  it('reads days in the time zone asked for, across its change to daylight time', async () => {
    // New York's midnights: 05:00Z before 8 March, 04:00Z after.
    const result = await analytics({ from: '2026-03-01T05:00:00Z', to: '2026-03-10T04:00:00Z', timeZone: 'America/New_York' });
    expect(result.timeZone).toBe('America/New_York');
    expect(result.days.map((d: any) => d.day)).toEqual(['01', '02', '03', '04', '05', '06', '07', '08', '09'].map((n) => `2026-03-${n}`));
    expect(result.days.find((d: any) => d.day === '2026-03-08')).toEqual({ day: '2026-03-08', published: 1, failed: 0 });
    expect(result.days.find((d: any) => d.day === '2026-03-09')).toEqual({ day: '2026-03-09', published: 0, failed: 0 });
    expect(result.published).toBe(7);
  });

  it('reads a fall-back day as one day of 25 hours', async () => {
    const result = await analytics({ from: '2026-11-01T04:00:00Z', to: '2026-11-02T05:00:00Z', timeZone: 'America/New_York' });
    expect(result.days).toEqual([{ day: '2026-11-01', published: 2, failed: 0 }]);
    const next = await analytics({ from: '2026-11-02T05:00:00Z', to: '2026-11-03T05:00:00Z', timeZone: 'America/New_York' });
    expect(next.days).toEqual([{ day: '2026-11-02', published: 0, failed: 0 }]);
  });

  it('counts per channel, and narrows everything to the channels asked for', async () => {
    const { channels } = await analytics(MARCH);
    expect(channels).toEqual([
      { channel: { id: a, name: 'A channel' }, published: 4, failed: 1, onTimeRate: 0.5 },
      { channel: { id: b, name: 'B channel' }, published: 3, failed: 2, onTimeRate: 2 / 3 },
    ]);
    const onlyB = await analytics({ ...MARCH, channelIds: [b] });
    expect(onlyB.channels.map((c: any) => c.channel.id)).toEqual([b]);
    expect([onlyB.published, onlyB.failed]).toEqual([3, 2]);
    expect(onlyB.latenessP50Seconds).toBeCloseTo(10.5, 6);
  });

  it('groups failures by their last attempt’s error class, else their last error, commonest first', async () => {
    expect((await analytics(MARCH)).failureReasons).toEqual([
      { reason: 'AUTH', count: 2 },
      { reason: 'Channel was deleted', count: 1 },
    ]);
  });

  it('answers null rates and percentiles when nothing was published', async () => {
    const empty = await analytics({ from: '2026-04-01T00:00:00Z', to: '2026-04-03T00:00:00Z' });
    expect(empty).toMatchObject({ published: 0, failed: 0, onTimeRate: null, latenessP50Seconds: null, latenessP95Seconds: null, failureReasons: [] });
    expect(empty.days).toEqual([
      { day: '2026-04-01', published: 0, failed: 0 },
      { day: '2026-04-02', published: 0, failed: 0 },
    ]);
    expect(empty.channels.map((c: any) => c.onTimeRate)).toEqual([null, null]);
  });

  it('refuses a bad zone and a bad or too long range, naming the argument', async () => {
    expect(issuesOf(await t.gql(ANALYTICS, { ...MARCH, timeZone: 'Mars/Olympus' }, token))).toEqual([expect.objectContaining({ path: ['timeZone'], rule: 'timezone' })]);
    expect(issuesOf(await t.gql(ANALYTICS, { from: MARCH.to, to: MARCH.from }, token))).toEqual([expect.objectContaining({ path: ['to'], rule: 'afterFrom' })]);
    expect(issuesOf(await t.gql(ANALYTICS, { from: MARCH.from, to: MARCH.from }, token))).toEqual([expect.objectContaining({ path: ['to'], rule: 'afterFrom' })]);
    expect(issuesOf(await t.gql(ANALYTICS, { from: '2026-01-01T00:00:00Z', to: '2027-01-02T00:00:01Z' }, token))).toEqual([
      expect.objectContaining({ path: ['to'], rule: 'maxRange' }),
    ]);
    expect((await analytics({ from: '2026-01-01T00:00:00Z', to: '2027-01-02T00:00:00Z' })).days).toHaveLength(366);
  });

  it('shows another workspace none of these deliveries or channels, even when it names them', async () => {
    const theirs = await analytics({ ...MARCH, channelIds: [a, b] }, otherToken);
    expect(theirs).toMatchObject({ published: 0, failed: 0, channels: [] });
    const own = await analytics(MARCH, otherToken);
    expect([own.published, own.failed]).toEqual([4, 0]);
    expect(own.channels.map((c: any) => c.channel.name)).toEqual(['Theirs']);
  });
});
