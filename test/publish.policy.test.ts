// The posting policy enforced again when a delivery falls due, and the smart scheduler run by the worker.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { startWebhookReceiver, type WebhookReceiver } from './fakes/webhookReceiver.js';
import { createTestDatabase } from './helpers/database.js';
import { spawnPostFlow } from './helpers/childProcess.js';
import { collect, eventually, signUp, startTestApp, testEnv, type TestApp } from './helpers/testApp.js';
import { createChannel, createPost, untilListening } from './helpers/scenario.js';

const SECRET = 'a-very-secret-signing-key';
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

async function setup(env: Record<string, string> = {}) {
  const hooks: WebhookReceiver = await startWebhookReceiver({ secret: SECRET });
  cleanups.push(() => hooks.stop());
  const databaseUrl = await createTestDatabase();
  const t: TestApp = await startTestApp({ databaseUrl, env });
  cleanups.push(() => t.stop());
  const token = await signUp(t);
  return { hooks, t, token, databaseUrl };
}

describe('at publish time', () => {
  it('a delivery whose channel got a blackout since it was scheduled moves past it instead of going out', async () => {
    const { hooks, t, token } = await setup();
    const channel = await createChannel(t, token, 'WEBHOOK', { url: hooks.hookUrl, secret: SECRET });
    const updates = collect<{ deliveryUpdated: { postId: string; status: string; scheduleReason: string | null; scheduledAt: string } }>(
      t.ws(token),
      `subscription { deliveryUpdated { postId status scheduleReason scheduledAt } }`,
    );
    await untilListening(t, token, channel.id, updates);

    const post = await createPost(t, token, { content: 'blacked out', channelIds: [channel.id], scheduledAt: new Date(Date.now() + 1500).toISOString() });
    const today = DateTime.utc();
    await t.ok(
      `mutation($id: ID!, $policy: PostingPolicyInput!) { updateChannelPolicy(channelId: $id, policy: $policy) { id } }`,
      { id: channel.id, policy: { blackouts: [{ start: today.minus({ days: 1 }).toISODate(), end: today.plus({ days: 1 }).toISODate(), label: 'launch' }] } },
      token,
    );
    const seen = await updates.until((items) => items.some((i) => i.deliveryUpdated.postId === post.id && /At publish time/.test(i.deliveryUpdated.scheduleReason ?? '')));
    const moved = seen.find((i) => i.deliveryUpdated.postId === post.id && /At publish time/.test(i.deliveryUpdated.scheduleReason ?? ''))!.deliveryUpdated;
    expect(moved.status).toBe('SCHEDULED');
    expect(moved.scheduleReason).toMatch(/blackout/);
    expect(Date.parse(moved.scheduledAt)).toBe(Date.parse(`${today.plus({ days: 2 }).toISODate()}T00:00:00Z`));
    expect(hooks.requests.filter((r) => r.rawBody.includes('blacked out'))).toHaveLength(0);
  });

  it('two workers never both take the last slot under a daily cap', async () => {
    const { hooks, t, token, databaseUrl } = await setup({ POSTFLOW_ROLE: 'api' });
    const channel = await createChannel(t, token, 'WEBHOOK', { url: hooks.hookUrl, secret: SECRET }, 'Capped', {
      windows: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, ranges: [{ start: '00:00', end: '24:00' }] })),
      minIntervalMinutes: 0,
      dailyCap: 2,
      reservedShare: 0,
    });
    for (let i = 0; i < 6; i++) await createPost(t, token, { content: `capped ${i}`, channelIds: [channel.id], draft: true });
    // All due at once, each with three jobs, bypassing the check at creation: only the workers' check stands.
    await t.app.database.pool.query(`UPDATE deliveries SET status = 'SCHEDULED', scheduled_at = now() WHERE channel_id = $1`, [channel.id]);
    await t.app.database.pool.query(
      `SELECT graphile_worker.add_job('publish_delivery', json_build_object('deliveryId', d.id)) FROM deliveries d, generate_series(1, 3) WHERE d.channel_id = $1`,
      [channel.id],
    );
    for (let w = 0; w < 2; w++) {
      const dataDir = await mkdtemp(path.join(tmpdir(), 'postflow-worker-'));
      const worker = spawnPostFlow(testEnv(databaseUrl, dataDir, { POSTFLOW_ROLE: 'worker', LOG_LEVEL: 'info' }));
      cleanups.push(async () => {
        worker.child.kill('SIGKILL');
        await worker.exited;
      });
      await worker.waitForOutput(/worker started/);
    }
    const deliveries = await eventually(
      async () => {
        const all = await t.app.database.prisma.delivery.findMany({ where: { channelId: channel.id } });
        return all.filter((d) => d.status === 'PUBLISHED').length === 2 && all.every((d) => d.status === 'PUBLISHED' || d.scheduleReason?.startsWith('At publish time'))
          ? all
          : undefined;
      },
      20_000,
      'two published, four moved',
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(hooks.requests).toHaveLength(2);
    const moved = deliveries.filter((d) => d.status !== 'PUBLISHED');
    expect(moved).toHaveLength(4);
    const tomorrow = Date.parse(`${DateTime.utc().plus({ days: 1 }).toISODate()}T00:00:00Z`);
    for (const d of moved) {
      expect(d.status).toBe('SCHEDULED');
      expect(d.scheduledAt!.getTime()).toBeGreaterThanOrEqual(tomorrow);
      expect(d.scheduleReason).toMatch(/daily cap of 2/);
    }
  });
});

describe('the smart_schedule job', () => {
  it('places an autoSchedule post without anyone asking', async () => {
    const { hooks, t, token } = await setup();
    const channel = await createChannel(t, token, 'WEBHOOK', { url: hooks.hookUrl, secret: SECRET });
    const post = await createPost(t, token, { content: 'queued', channelIds: [channel.id], autoSchedule: true });
    expect(post.deliveries[0].status).toBe('PENDING');
    const placed = await eventually(
      async () => {
        const d = await t.app.database.prisma.delivery.findFirstOrThrow({ where: { postId: post.id } });
        return d.status !== 'PENDING' ? d : undefined;
      },
      10_000,
      'the job to place it',
    );
    expect(['SCHEDULED', 'PUBLISHING', 'PUBLISHED']).toContain(placed.status);
    expect(placed.scheduleReason).toMatch(/smart scheduler/);
  });
});
