// The database failing under a live worker: a lost record of a success, a lost liveness connection during a slow
// publish. The worker must neither lose what the network answered nor take its own live publish for abandoned.
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { startDiscordFake } from './fakes/discordFake.js';
import { startWebhookReceiver } from './fakes/webhookReceiver.js';
import { createTestDatabase } from './helpers/database.js';
import { eventually, signUp, startTestApp, type TestApp } from './helpers/testApp.js';
import { createChannel, createPost, waitForDelivery } from './helpers/scenario.js';
import { WORKER_LOCK_NAMESPACE } from '../src/store/workers.js';
import { recordFailedAttempt } from '../src/store/publishing.js';

const SECRET = 'faults-webhook-secret-0123456789';
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

async function admin(databaseUrl: string) {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  pool.on('error', () => {});
  cleanups.push(() => pool.end());
  return pool;
}

describe('a database failure while recording an outcome', () => {
  it('retries the record when its connection is killed mid-statement: PUBLISHED, sent once', async () => {
    const hooks = await startWebhookReceiver({ secret: SECRET });
    cleanups.push(() => hooks.stop());
    const databaseUrl = await createTestDatabase();
    const db = await admin(databaseUrl);
    // The first statement that makes a delivery PUBLISHED loses its connection (a sequence: not undone by the abort).
    await db.query(`
      CREATE SEQUENCE record_failures;
      CREATE FUNCTION kill_first_record() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.status = 'PUBLISHED' AND nextval('record_failures') = 1 THEN PERFORM pg_terminate_backend(pg_backend_pid()); END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER kill_first_record BEFORE UPDATE ON deliveries FOR EACH ROW EXECUTE FUNCTION kill_first_record();`);
    const t = await startTestApp({ databaseUrl });
    cleanups.push(() => t.stop());
    const token = await signUp(t);
    const channel = await createChannel(t, token, 'WEBHOOK', { url: hooks.hookUrl, secret: SECRET });

    const post = await createPost(t, token, { content: 'recorded at last', channelIds: [channel.id], publishNow: true });
    const delivery = await waitForDelivery(t, token, post.id, ['PUBLISHED', 'FAILED', 'UNCONFIRMED'], 15_000);

    expect(delivery.status).toBe('PUBLISHED');
    expect((await db.query(`SELECT last_value FROM record_failures`)).rows[0].last_value).toBe('2'); // it did fail once, then succeed
    expect(hooks.requests).toHaveLength(1); // the record was retried, not the publish
    expect(delivery.externalId).toBe(hooks.deliveries[0].id);
    expect(delivery.attemptLog.map((a: any) => a.outcome)).toEqual(['SUCCEEDED']);
  });
});

describe('a worker whose liveness connection drops during a slow publish', () => {
  it('locks its key again; another worker does not take its live Discord publish for abandoned', async () => {
    // Slower than the other worker's grace for a worker seen gone (2.5 s), within the request time limit.
    const discord = await startDiscordFake({ bucketLimit: 1000, latencyMs: 5000 });
    const env = { PROVIDER_REQUEST_TIMEOUT_MS: '10000' };
    cleanups.push(() => discord.stop());
    const databaseUrl = await createTestDatabase();
    const db = await admin(databaseUrl);
    const first: TestApp = await startTestApp({ databaseUrl, env });
    cleanups.push(() => first.stop());
    // A second worker sweeping every 300 ms: the one that used to mark the publish FAILED.
    const second = await startTestApp({ databaseUrl, env: { ...env, POSTFLOW_ROLE: 'worker' } });
    cleanups.push(() => second.stop());
    const token = await signUp(first);
    const channel = await createChannel(first, token, 'DISCORD', { webhookUrl: discord.webhookUrl });

    const post = await createPost(first, token, { content: 'slow but sure', channelIds: [channel.id], publishNow: true });
    const attempt = await eventually(
      async () => (await db.query<{ key: number }>(`SELECT worker_lock_key AS key FROM delivery_attempts WHERE outcome = 'IN_PROGRESS'`)).rows[0],
      10_000,
      'the publish to start',
    );
    const killed = await db.query(`SELECT pg_terminate_backend(l.pid) FROM pg_locks l WHERE l.locktype = 'advisory' AND l.objsubid = 2 AND l.objid = $1::oid AND l.granted`, [
      attempt.key,
    ]);
    expect(killed.rowCount).toBe(1);

    const delivery = await waitForDelivery(first, token, post.id, ['PUBLISHED', 'FAILED', 'UNCONFIRMED'], 20_000);
    expect(delivery.status).toBe('PUBLISHED');
    expect(discord.messages.map((m) => m.content)).toEqual(['slow but sure']);
    expect(delivery.attemptLog.map((a: any) => [a.outcome, a.errorClass])).toEqual([['SUCCEEDED', null]]);
    const relocked = await db.query(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2 AND objid = $1::oid AND granted`, [attempt.key]);
    expect(relocked.rowCount).toBe(1); // the same key, held again
  }, 40_000);
});

describe('a claim whose answer was lost', () => {
  it('is taken back by its own worker after the grace period and published once: nothing had been sent', async () => {
    const hooks = await startWebhookReceiver({ secret: SECRET });
    cleanups.push(() => hooks.stop());
    const databaseUrl = await createTestDatabase();
    const db = await admin(databaseUrl);
    const t = await startTestApp({ databaseUrl });
    cleanups.push(() => t.stop());
    const token = await signUp(t);
    const channel = await createChannel(t, token, 'WEBHOOK', { url: hooks.hookUrl, secret: SECRET });
    const post = await createPost(t, token, { content: 'claimed in the dark', channelIds: [channel.id], draft: true });
    // What a claim leaves when its commit lands and its answer does not: PUBLISHING, an IN_PROGRESS attempt under
    // this (live) worker's key, and no publish in progress anywhere.
    const { rows } = await db.query<{ key: number }>(
      `SELECT objid::int AS key FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2 AND granted AND classid = $1 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [WORKER_LOCK_NAMESPACE],
    );
    expect(rows).toHaveLength(1);
    await db.query(`UPDATE deliveries SET status = 'PUBLISHING', scheduled_at = now(), attempts = 1 WHERE id = $1`, [post.deliveries[0].id]);
    await db.query(`INSERT INTO delivery_attempts (delivery_id, number, idempotency_key, worker_lock_key) VALUES ($1, 1, $3, $2)`, [
      post.deliveries[0].id,
      rows[0].key,
      `postflow-${post.deliveries[0].id}`,
    ]);

    const delivery = await waitForDelivery(t, token, post.id, ['PUBLISHED', 'FAILED', 'UNCONFIRMED'], 15_000);
    expect(delivery.status).toBe('PUBLISHED');
    expect(hooks.requests).toHaveLength(1);
    expect(delivery.attemptLog.map((a: any) => [a.outcome, a.errorClass])).toEqual([
      ['RETRYABLE', 'CLAIM_LOST'],
      ['SUCCEEDED', null],
    ]);
  });
});

describe('a failure record that arrives late', () => {
  it('changes nothing once its attempt is closed, even while a later attempt is publishing', async () => {
    const databaseUrl = await createTestDatabase();
    const db = await admin(databaseUrl);
    const t = await startTestApp({ databaseUrl, env: { POSTFLOW_ROLE: 'api' } });
    cleanups.push(() => t.stop());
    const token = await signUp(t);
    const hooks = await startWebhookReceiver({ secret: SECRET });
    cleanups.push(() => hooks.stop());
    const channel = await createChannel(t, token, 'WEBHOOK', { url: hooks.hookUrl, secret: SECRET });
    const post = await createPost(t, token, { content: 'second try in flight', channelIds: [channel.id], draft: true });
    const id = post.deliveries[0].id;
    await db.query(`UPDATE deliveries SET status = 'PUBLISHING', attempts = 2 WHERE id = $1`, [id]);
    const attempts = await db.query<{ id: string }>(
      `INSERT INTO delivery_attempts (delivery_id, number, idempotency_key, worker_lock_key, outcome) VALUES ($1, 1, 'k', 1, 'RETRYABLE'), ($1, 2, 'k', 1, 'IN_PROGRESS') RETURNING id`,
      [id],
    );
    const first = attempts.rows[0].id;
    const failed = { attemptId: first, outcome: 'RETRYABLE', errorClass: 'HTTP_503', responseCode: 503, message: 'late' };
    expect(await recordFailedAttempt(db, id, failed, { status: 'SCHEDULED', runAt: new Date(), lastError: 'late' })).toBe(false);
    expect(await recordFailedAttempt(db, id, failed, { status: 'FAILED', lastError: 'late' })).toBe(false);
    const { rows } = await db.query(`SELECT status::text FROM deliveries WHERE id = $1`, [id]);
    expect(rows[0].status).toBe('PUBLISHING');
    const jobs = await db.query(`SELECT 1 FROM graphile_worker._private_jobs WHERE key = 'publish:' || $1`, [id]);
    expect(jobs.rowCount).toBe(0);
  });
});
