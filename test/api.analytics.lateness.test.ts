// Lateness where the delivery's own times mislead: a post a person confirms days after it went out, a failed
// delivery rescheduled to next week, and a wait for a network's rate limit. Each is driven through the API (or the
// store function the publish job calls), then published as the worker would record it.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from './fakes/webhookReceiver.js';
import { signUp, startTestApp, type TestApp } from './helpers/testApp.js';
import { createChannel, createPost } from './helpers/scenario.js';
import { waitForRateLimit } from '../src/store/rateLimits.js';

let t: TestApp;
let hooks: WebhookReceiver;
const SECRET = 'webhook-secret-of-the-channel';
const DAY = 86_400_000;
let token: string;
let channel: string;

beforeAll(async () => {
  hooks = await startWebhookReceiver({ secret: SECRET });
  t = await startTestApp();
  token = await signUp(t);
  channel = (await createChannel(t, token, 'WEBHOOK', { url: hooks.hookUrl, secret: SECRET }, 'Lateness')).id;
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await hooks?.stop();
});

const sql = (text: string, values: unknown[]) => t.app.database.pool.query(text, values);
const attempt = (id: string, number: number, startedAt: Date, outcome: string, errorClass: string | null = null) =>
  sql(
    `INSERT INTO delivery_attempts (delivery_id, number, idempotency_key, worker_lock_key, started_at, finished_at, outcome, error_class)
     VALUES ($1, $2, 'k', 1, $3, $3, $4::"AttemptOutcome", $5)`,
    [id, number, startedAt, outcome, errorClass],
  );
/** A whole second, so that timestamptz(3) keeps it exactly. */
const at = (ms: number) => new Date(Math.floor(ms / 1000) * 1000);
const draft = async (content: string) => (await createPost(t, token, { content, channelIds: [channel], draft: true })).deliveries[0]!.id;

it('measures from where a person or the scheduler put the delivery, and from the attempt that left it on the network', async () => {
  // 1. Out 30 s after it was due, but unconfirmed; a person confirms it three days later.
  const due1 = at(Date.now() - 3 * DAY);
  const confirmed = await draft('confirmed later');
  await sql(`UPDATE deliveries SET status = 'UNCONFIRMED', scheduled_at = $2, due_at = $2, attempts = 1 WHERE id = $1`, [confirmed, due1]);
  await attempt(confirmed, 1, new Date(due1.getTime() + 30_000), 'UNKNOWN', 'TIMEOUT');
  await t.ok(`mutation($id: ID!) { confirmPublished(deliveryId: $id, externalUrl: "https://example.com/p/1") { status } }`, { id: confirmed }, token);

  // 2. Failed long ago, rescheduled by a person to next week, and out there 20 s after that time.
  const failed = await draft('failed, then next week');
  await sql(`UPDATE deliveries SET status = 'FAILED', scheduled_at = $2, due_at = $2, attempts = 1 WHERE id = $1`, [failed, at(Date.now() - 20 * DAY)]);
  await attempt(failed, 1, at(Date.now() - 20 * DAY), 'RETRYABLE', 'TIMEOUT');
  const due2 = at(Date.now() + 7 * DAY);
  await t.ok(`mutation($id: ID!, $at: DateTime!) { rescheduleDelivery(id: $id, scheduledAt: $at) { id } }`, { id: failed, at: due2.toISOString() }, token);
  await attempt(failed, 2, new Date(due2.getTime() + 19_000), 'SUCCEEDED');
  await sql(`UPDATE deliveries SET status = 'PUBLISHED', published_at = $2 WHERE id = $1`, [failed, new Date(due2.getTime() + 20_000)]);

  // 3. Due in three days, held 600 s by a network's rate limit (the publish job's wait), out 605 s late.
  const due3 = at(Date.now() + 3 * DAY);
  const waited = (await createPost(t, token, { content: 'rate limited', channelIds: [channel], scheduledAt: due3.toISOString() })).deliveries[0]!.id;
  expect(await waitForRateLimit(t.app.database.pool, waited, new Date(due3.getTime() + 600_000), 'account rate limit')).toBe(true);
  await attempt(waited, 1, new Date(due3.getTime() + 601_000), 'SUCCEEDED');
  await sql(`UPDATE deliveries SET status = 'PUBLISHED', published_at = $2 WHERE id = $1`, [waited, new Date(due3.getTime() + 605_000)]);

  const { analytics } = await t.ok(
    `query($from: DateTime!, $to: DateTime!, $ids: [ID!]) { analytics(from: $from, to: $to, channelIds: $ids) { published onTimeRate latenessP50Seconds latenessP95Seconds } }`,
    { from: new Date(Date.now() - DAY).toISOString(), to: new Date(Date.now() + 10 * DAY).toISOString(), ids: [channel] },
    token,
  );
  // Latenesses 30, 20 and 605 s: the median 30, the 95th percentile 30 + 0.9 * (605 - 30).
  expect(analytics.published).toBe(3);
  expect(analytics.onTimeRate).toBeCloseTo(2 / 3, 10);
  expect(analytics.latenessP50Seconds).toBeCloseTo(30, 6);
  expect(analytics.latenessP95Seconds).toBeCloseTo(30 + 0.9 * 575, 6);
});
