// Workers die and race: nothing is lost and nothing is published twice.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startMastodonFake, type MastodonFake } from './fakes/mastodonFake.js';
import { startTelegramFake, type TelegramFake } from './fakes/telegramFake.js';
import { startWebhookReceiver } from './fakes/webhookReceiver.js';
import pg from 'pg';
import { createTestDatabase } from './helpers/database.js';
import { spawnPostFlow, type PostFlowProcess } from './helpers/childProcess.js';
import { eventually, signUp, startTestApp, testEnv, type TestApp } from './helpers/testApp.js';
import { createChannel, createPost, getDelivery, waitForDelivery } from './helpers/scenario.js';

const HOOK_SECRET = 'recovery-webhook-secret-0123456789';
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

async function api(databaseUrl: string, env: Record<string, string> = {}): Promise<TestApp> {
  const t = await startTestApp({ databaseUrl, env: { POSTFLOW_ROLE: 'api', ...env } });
  cleanups.push(() => t.stop());
  return t;
}

async function workerProcess(databaseUrl: string, env: Record<string, string> = {}): Promise<PostFlowProcess> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'postflow-worker-'));
  const worker = spawnPostFlow(testEnv(databaseUrl, dataDir, { POSTFLOW_ROLE: 'worker', LOG_LEVEL: 'info', ...env }));
  cleanups.push(async () => {
    worker.child.kill('SIGKILL');
    await worker.exited;
  });
  await worker.waitForOutput(/worker started/);
  return worker;
}

describe('a worker killed mid-publish', () => {
  it('is recovered on Mastodon by repeating the call with the same Idempotency-Key: one status', async () => {
    const mastodon: MastodonFake = await startMastodonFake();
    cleanups.push(() => mastodon.stop());
    const databaseUrl = await createTestDatabase();
    const t = await api(databaseUrl);
    const token = await signUp(t);
    const channel = await createChannel(t, token, 'MASTODON', { instanceUrl: mastodon.url, accessToken: mastodon.accessToken });

    const doomed = await workerProcess(databaseUrl);
    mastodon.holdStatuses({ create: true }); // Mastodon creates the status; the answer never reaches the worker
    const post = await createPost(t, token, { content: 'survives a crash', channelIds: [channel.id], publishNow: true });
    await mastodon.waitForHeld(1, 10_000);
    doomed.child.kill('SIGKILL');
    await doomed.exited;

    const stuck = await getDelivery(t, token, post.id);
    expect(stuck.status).toBe('PUBLISHING');
    expect(stuck.attemptLog).toEqual([expect.objectContaining({ outcome: 'IN_PROGRESS' })]);

    await mastodon.releaseStatuses();
    await workerProcess(databaseUrl);
    const delivery = await waitForDelivery(t, token, post.id, ['PUBLISHED', 'FAILED'], 15_000);
    expect(delivery.status).toBe('PUBLISHED');
    expect(mastodon.statuses).toHaveLength(1);
    expect(delivery.externalId).toBe(mastodon.statuses[0].id);
    expect(mastodon.requests.map((r) => r.idempotencyKey)).toEqual([`postflow-${delivery.id}`, `postflow-${delivery.id}`]);
    expect(delivery.attemptLog.map((a: any) => [a.outcome, a.errorClass])).toEqual([
      ['UNKNOWN', 'WORKER_LOST'],
      ['SUCCEEDED', null],
    ]);
  });

  it('on Telegram, which has no idempotency, is left UNCONFIRMED with a message saying to check instead of risking a second post', async () => {
    const telegram: TelegramFake = await startTelegramFake();
    cleanups.push(() => telegram.stop());
    const databaseUrl = await createTestDatabase();
    const env = { TELEGRAM_API_URL: telegram.url };
    const t = await api(databaseUrl, env);
    const token = await signUp(t);
    const channel = await createChannel(t, token, 'TELEGRAM', { botToken: telegram.token, chatId: '@mychannel' });

    const doomed = await workerProcess(databaseUrl, env);
    telegram.holdSends({ deliver: true });
    const post = await createPost(t, token, { content: 'maybe sent', channelIds: [channel.id], publishNow: true });
    await telegram.waitForHeld(1, 10_000);
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    await telegram.releaseSends();

    await workerProcess(databaseUrl, env);
    const delivery = await waitForDelivery(t, token, post.id, ['PUBLISHED', 'FAILED', 'UNCONFIRMED'], 15_000);
    expect(delivery.status).toBe('UNCONFIRMED');
    expect(delivery.lastError).toMatch(/may or may not/);
    expect(telegram.messages.filter((m) => m.text === 'maybe sent')).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 500));
    expect(telegram.requests.filter((r) => r.method === 'sendMessage')).toHaveLength(1);
  });
});

describe('jobs a killed worker had fetched', () => {
  it('are handed back and published by another worker within seconds, not after the overdue sweep', async () => {
    const hooks = await startWebhookReceiver({ secret: HOOK_SECRET, latencyMs: 300 });
    cleanups.push(() => hooks.stop());
    const databaseUrl = await createTestDatabase();
    const t = await api(databaseUrl);
    const token = await signUp(t);
    const channel = await createChannel(t, token, 'WEBHOOK', { url: hooks.hookUrl, secret: HOOK_SECRET });

    // Two at a time to a slow receiver: the worker's local queue holds the rest, locked by its pool.
    const doomed = await workerProcess(databaseUrl, { WORKER_CONCURRENCY: '2', PUBLISH_RECOVERY_INTERVAL_MS: '1000' });
    const bulk = await t.ok(
      `mutation($posts: [CreatePostInput!]!) { bulkCreatePosts(posts: $posts) { postIds } }`,
      {
        posts: Array.from({ length: 20 }, (_, i) => ({ content: `fetched ${i}`, channelIds: [channel.id], publishNow: true })),
      },
      token,
    );
    await eventually(async () => hooks.requests.length >= 2 || undefined, 10_000, 'the first publishes to start');
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    cleanups.push(() => db.end());
    const locked = await db.query(`SELECT count(*)::int AS n FROM graphile_worker._private_jobs WHERE locked_by IS NOT NULL`);
    expect(locked.rows[0].n).toBeGreaterThan(10); // fetched, not started
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    const killedAt = Date.now();

    await workerProcess(databaseUrl, { PUBLISH_RECOVERY_INTERVAL_MS: '1000' }); // its overdue sweep waits 60 s
    await eventually(async () => hooks.deliveries.length === 20 || undefined, 40_000, 'every delivery on the receiver');
    const lastAt = Math.max(...hooks.deliveries.map((d) => d.receivedAt.getTime()));
    // Half the sweep's 60 s: room for a new worker process to start on a loaded machine, none for the sweep.
    expect(lastAt - killedAt).toBeLessThan(30_000);
    for (const postId of bulk.bulkCreatePosts.postIds) expect((await waitForDelivery(t, token, postId, ['PUBLISHED', 'FAILED'])).status).toBe('PUBLISHED');
    expect(new Set(hooks.requests.map((r) => r.idempotencyKey)).size).toBe(20);
  }, 90_000);
});

describe('graceful shutdown', () => {
  it('lets a running publish finish before the worker exits, and a restarted worker publishes what is left', async () => {
    const mastodon = await startMastodonFake();
    cleanups.push(() => mastodon.stop());
    const databaseUrl = await createTestDatabase();
    const t = await api(databaseUrl);
    const token = await signUp(t);
    const channel = await createChannel(t, token, 'MASTODON', { instanceUrl: mastodon.url, accessToken: mastodon.accessToken });

    const worker = await workerProcess(databaseUrl);
    mastodon.holdStatuses({ create: true });
    const running = await createPost(t, token, { content: 'in flight at shutdown', channelIds: [channel.id], publishNow: true });
    await mastodon.waitForHeld(1, 10_000);
    const later = await createPost(t, token, { content: 'due after shutdown', channelIds: [channel.id], scheduledAt: new Date(Date.now() + 1500).toISOString() });
    worker.child.kill('SIGTERM');
    setTimeout(() => void mastodon.releaseStatuses(), 300);
    expect((await worker.exited).code).toBe(0);
    expect((await getDelivery(t, token, running.id)).status).toBe('PUBLISHED');
    expect((await getDelivery(t, token, later.id)).status).toBe('SCHEDULED');

    await workerProcess(databaseUrl);
    expect((await waitForDelivery(t, token, later.id, ['PUBLISHED', 'FAILED'])).status).toBe('PUBLISHED');
    expect(mastodon.statuses.map((s) => s.text).sort()).toEqual(['due after shutdown', 'in flight at shutdown']);
  });
});

describe('two workers racing', () => {
  it('publish each delivery once even when every delivery has several due jobs', async () => {
    const mastodon = await startMastodonFake({ rateLimit: 10_000 });
    cleanups.push(() => mastodon.stop());
    const databaseUrl = await createTestDatabase();
    const t = await api(databaseUrl);
    const token = await signUp(t);
    const channel = await createChannel(t, token, 'MASTODON', { instanceUrl: mastodon.url, accessToken: mastodon.accessToken });

    const posts = [];
    for (let i = 0; i < 20; i++) posts.push(await createPost(t, token, { content: `race ${i}`, channelIds: [channel.id], draft: true }));
    // Three extra jobs per delivery, without a job key, so both workers find several jobs for the same delivery.
    await t.app.database.pool.query(`SELECT graphile_worker.add_job('publish_delivery', json_build_object('deliveryId', d.id)) FROM deliveries d, generate_series(1, 3)`);
    await t.app.database.pool.query(`UPDATE deliveries SET status = 'SCHEDULED', scheduled_at = now()`);
    await Promise.all([workerProcess(databaseUrl), workerProcess(databaseUrl)]);

    await eventually(async () => (await t.app.database.prisma.delivery.count({ where: { status: 'PUBLISHED' } })) === 20, 15_000, 'all published');
    await eventually(async () => Number((await t.app.database.pool.query('SELECT count(*) FROM graphile_worker.jobs')).rows[0].count) === 0, 10_000, 'jobs drained');
    expect(mastodon.requests).toHaveLength(20);
    expect(new Set(mastodon.statuses.map((s) => s.text)).size).toBe(20);
    const attempts = await t.app.database.prisma.deliveryAttempt.groupBy({ by: ['deliveryId'], _count: true });
    expect(attempts.every((a) => a._count === 1)).toBe(true);
  });
});
