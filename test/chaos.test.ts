// The core's promise under faults, end to end: a burst of deliveries across three worker processes, to an
// idempotent receiver (webhooks, deduplicated by Idempotency-Key) and a non-idempotent network (Discord), while
// workers are SIGKILLed at random moments and the PostgreSQL server is stopped and comes back mid-burst. Then
// SIGTERM. Nothing may be lost, nothing may be published twice on Discord, nothing may stay SCHEDULED or
// PUBLISHING, and publishing must resume within 10 s of each fault. The figures are printed.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type RunningPostgres } from '../src/db/embeddedPostgres.js';
import { startWebhookReceiver } from './fakes/webhookReceiver.js';
import { startDiscordFake } from './fakes/discordFake.js';
import { spawnPostFlow, type PostFlowProcess } from './helpers/childProcess.js';
import { freePort } from './helpers/ports.js';
import { eventually, signUp, startTestApp, testEnv, type TestApp } from './helpers/testApp.js';
import { createChannel } from './helpers/scenario.js';

const WEBHOOK_POSTS = 700;
const DISCORD_POSTS = 300;
const WORKERS = 3;
const SECRET = 'chaos-webhook-secret-0123456789abcdef';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('chaos', () => {
  it('loses nothing and posts nothing twice through worker kills and a database restart', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'postflow-chaos-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const postgres: RunningPostgres = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: await freePort(), ephemeral: true });
    cleanups.push(() => postgres.stop());
    const admin = new pg.Client({ connectionString: postgres.url() });
    await admin.connect();
    await admin.query('CREATE DATABASE chaos');
    await admin.end();
    const databaseUrl = postgres.url('chaos');

    const hooks = await startWebhookReceiver({ secret: SECRET, latencyMs: 200 });
    cleanups.push(() => hooks.stop());
    const discord = await startDiscordFake({ bucketLimit: 1_000_000, latencyMs: 200 });
    cleanups.push(() => discord.stop());
    const env = {
      DISCORD_API_URL: discord.url,
      WORKER_CONCURRENCY: '6',
      PUBLISH_RECOVERY_INTERVAL_MS: '1000',
      PUBLISH_RETRY_BASE_DELAY_MS: '300',
      PUBLISH_RETRY_MAX_DELAY_MS: '1000',
    };

    const t: TestApp = await startTestApp({ databaseUrl, env: { ...env, POSTFLOW_ROLE: 'api' } });
    cleanups.push(() => t.stop());
    const token = await signUp(t);
    const webhook = await createChannel(t, token, 'WEBHOOK', { url: hooks.hookUrl, secret: SECRET });
    const chat = await createChannel(t, token, 'DISCORD', { webhookUrl: discord.webhookUrl });

    const workers: PostFlowProcess[] = [];
    const spawnWorker = async () => {
      const dataDir = await mkdtemp(path.join(dir, 'worker-'));
      const worker = spawnPostFlow(testEnv(databaseUrl, dataDir, { ...env, POSTFLOW_ROLE: 'worker', LOG_LEVEL: 'info' }));
      cleanups.push(async () => {
        worker.child.kill('SIGKILL');
        await worker.exited;
      });
      await worker.waitForOutput(/worker started/, 60_000);
      return worker;
    };
    workers.push(...(await Promise.all(Array.from({ length: WORKERS }, spawnWorker))));

    const dueAt = new Date(Date.now() + 2000);
    // Interleaved, so that every fault hits publishes to both networks in flight.
    const posts = Array.from({ length: WEBHOOK_POSTS + DISCORD_POSTS }, (_, i) =>
      i % 10 < 3 && i / 10 < DISCORD_POSTS / 3
        ? { content: `chat ${i}`, channelIds: [chat.id], scheduledAt: dueAt.toISOString() }
        : { content: `hook ${i}`, channelIds: [webhook.id], scheduledAt: dueAt.toISOString() },
    );
    const created = await t.ok<{ bulkCreatePosts: { scheduled: number } }>(
      `mutation($posts: [CreatePostInput!]!) { bulkCreatePosts(posts: $posts) { scheduled } }`,
      { posts },
      token,
    );
    expect(created.bulkCreatePosts.scheduled).toBe(WEBHOOK_POSTS + DISCORD_POSTS);

    const db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    db.on('error', () => {});
    cleanups.push(() => db.end());
    const counts = async () => {
      const { rows } = await db.query<{ status: string; n: number }>(`SELECT status::text, count(*)::int AS n FROM deliveries GROUP BY status`);
      return Object.fromEntries(rows.map((r) => [r.status, r.n])) as Record<string, number>;
    };
    const done = () => hooks.deliveries.length + discord.messages.length;

    // The faults, at moments drawn at random inside the burst.
    const faults: { what: string; at: number }[] = [];
    const killOne = async () => {
      const i = Math.floor(Math.random() * workers.length);
      workers[i].child.kill('SIGKILL');
      await workers[i].exited;
      faults.push({ what: `SIGKILL worker ${i}`, at: Date.now() });
      workers[i] = await spawnWorker();
    };
    await eventually(async () => done() > 50, 30_000, 'the burst to start');
    await sleep(Math.random() * 1500);
    await killOne();
    await sleep(500 + Math.random() * 1000);
    const pid = Number((await readFile(path.join(dir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0]);
    process.kill(pid, 'SIGTERM');
    faults.push({ what: 'PostgreSQL stopped', at: Date.now() });
    await eventually(
      async () =>
        (await db.query('SELECT 1').then(
          () => true,
          () => false,
        )) || undefined,
      30_000,
      'PostgreSQL to be back',
    );
    faults.push({ what: 'PostgreSQL back', at: Date.now() });
    await sleep(Math.random() * 1500);
    await killOne();

    // Everything settles: nothing due is left behind.
    const settled = await eventually(
      async () => {
        const c = await counts().catch(() => null);
        return c && !c.SCHEDULED && !c.PUBLISHING ? c : undefined;
      },
      90_000,
      'every delivery to settle',
    );
    const finishedAt = Date.now();
    for (const w of workers) w.child.kill('SIGTERM');
    const exits = await Promise.all(workers.map((w) => w.exited));

    // What the networks received, and when.
    const chatTexts = discord.messages.map((m) => m.content);
    const twice = chatTexts.filter((text, i) => chatTexts.indexOf(text) !== i);
    const hookKeys = new Set(hooks.deliveries.map((d) => d.idempotencyKey));
    const hookRequests = hooks.requests.length;
    const times = [...hooks.deliveries.map((d) => d.receivedAt.getTime())].sort((a, b) => a - b);
    const gapAfter = (at: number) => (times.find((x) => x >= at) ?? Infinity) - at;
    const { rows: unsettled } = await db.query<{ status: string; last_error: string | null; n: number }>(
      `SELECT status::text, last_error, count(*)::int AS n FROM deliveries WHERE status NOT IN ('PUBLISHED') GROUP BY 1, 2`,
    );
    const { rows: lateness } = await db.query<{ p50: number; p99: number; max: number }>(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99, max(ms) AS max
         FROM (SELECT extract(epoch FROM published_at - $1::timestamptz) * 1000 AS ms FROM deliveries WHERE status = 'PUBLISHED') x`,
      [dueAt],
    );

    // Publishes a killed worker had in flight: how long after the kill they were taken over (re-sent on the
    // idempotent receiver, or settled as UNCONFIRMED on Discord).
    const { rows: lost } = await db.query<{ started: Date; settled: Date }>(
      `SELECT started_at AS started, finished_at AS settled FROM delivery_attempts WHERE error_class = 'WORKER_LOST'`,
    );
    const kills = faults.filter((f) => f.what.startsWith('SIGKILL')).map((f) => f.at);
    const takeovers = lost.map((l) => {
      const kill = kills.filter((k) => k >= l.started.getTime()).sort((a, b) => a - b)[0] ?? l.started.getTime();
      return l.settled.getTime() - kill;
    });

    process.stdout.write(
      `\nchaos figures: ${WEBHOOK_POSTS + DISCORD_POSTS} deliveries, ${WORKERS} workers, faults: ${faults.map((f) => `${f.what} at +${((f.at - dueAt.getTime()) / 1000).toFixed(1)} s`).join(', ')}\n` +
        `  final statuses: ${JSON.stringify(settled)}; settled ${((finishedAt - dueAt.getTime()) / 1000).toFixed(1)} s after falling due\n` +
        `  webhook: ${hookKeys.size} distinct deliveries from ${hookRequests} requests; Discord: ${chatTexts.length} messages, ${twice.length} twice\n` +
        `  first webhook publish after each fault: ${faults.map((f) => `${f.what} ${(gapAfter(f.at) / 1000).toFixed(1)} s`).join(', ')}\n` +
        `  publishes a killed worker had in flight: ${takeovers.length}, taken over at most ${(Math.max(0, ...takeovers) / 1000).toFixed(1)} s after the kill\n` +
        `  lateness of published deliveries (ms): p50 ${Math.round(lateness[0].p50)}, p99 ${Math.round(lateness[0].p99)}, max ${Math.round(lateness[0].max)}\n` +
        `  not published: ${JSON.stringify(unsettled.map((u) => ({ status: u.status, n: u.n, why: u.last_error?.slice(0, 60) })))}\n`,
    );

    expect(twice).toEqual([]); // nothing published twice where a repeat would show
    expect(settled.SCHEDULED ?? 0).toBe(0);
    expect(settled.PUBLISHING ?? 0).toBe(0);
    const total = Object.values(settled).reduce((a, b) => a + b, 0);
    expect(total).toBe(WEBHOOK_POSTS + DISCORD_POSTS); // nothing lost
    // Every webhook delivery is on the receiver exactly once (repeats were deduplicated by its key) and PUBLISHED.
    const { rows: hookRows } = await db.query<{ status: string; n: number }>(`SELECT status::text, count(*)::int AS n FROM deliveries WHERE channel_id = $1 GROUP BY 1`, [
      webhook.id,
    ]);
    expect(hookRows).toEqual([{ status: 'PUBLISHED', n: WEBHOOK_POSTS }]);
    expect(hookKeys.size).toBe(WEBHOOK_POSTS);
    // Discord: every delivery that is PUBLISHED is there once; the rest are UNCONFIRMED with the reason (never FAILED).
    const { rows: chatRows } = await db.query<{ status: string; n: number; reasons: number }>(
      `SELECT status::text, count(*)::int AS n, count(*) FILTER (WHERE last_error ~ 'may or may not')::int AS reasons FROM deliveries WHERE channel_id = $1 GROUP BY 1 ORDER BY 1`,
      [chat.id],
    );
    for (const row of chatRows) {
      expect(['PUBLISHED', 'UNCONFIRMED']).toContain(row.status);
      if (row.status === 'UNCONFIRMED') expect(row.reasons).toBe(row.n);
    }
    const publishedOnChat = chatRows.find((r) => r.status === 'PUBLISHED')?.n ?? 0;
    expect(publishedOnChat).toBeLessThanOrEqual(chatTexts.length);
    // Work resumed within 10 s of each fault: the next webhook publish came in time.
    for (const fault of faults) if (times.at(-1)! > fault.at) expect(gapAfter(fault.at)).toBeLessThan(10_000);
    expect(takeovers.length).toBeGreaterThan(0); // the kills did hit publishes in flight
    for (const ms of takeovers) expect(ms).toBeLessThan(10_000);
    // SIGTERM: every worker exits cleanly.
    const unclean = workers.filter((_, i) => exits[i].code !== 0).map((w) => w.output().split('\n').slice(-15).join('\n'));
    expect(unclean).toEqual([]);
  }, 240_000);
});
