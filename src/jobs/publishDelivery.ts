// The publish task: claim one delivery, call its network once, record what happened.
//   1. claim (one statement, committed): SCHEDULED -> PUBLISHING, and an IN_PROGRESS attempt row naming this worker;
//      the row lock plus the status check mean only one worker can ever claim a delivery.
//   2. call the provider with the delivery's stable idempotency key, outside any transaction.
//   3. record (one statement on success, one transaction otherwise): the attempt's outcome, and PUBLISHED, a retry, or FAILED.
// If the worker dies between 1 and 3, the attempt stays IN_PROGRESS and src/jobs/recovery.ts takes it over.
// Jobs that claim or record at the same moment share one statement (batcher.ts): a burst costs Postgres a few
// statements per batch instead of several per delivery. Row by row, nothing changes, triggers included.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Task } from 'graphile-worker';
import { withTransaction, executorFor } from '../db/transaction.js';
import { enqueuePublishJobs } from './queue.js';
import { createBatcher } from './batcher.js';
import { DUE_DELIVERIES, gateFor, lockAndCheck, moveDelivery, type DueDelivery } from './publishPolicy.js';
import { decideAfterFailure, type RetryPolicy } from './retryPolicy.js';
import type { ProviderRegistry } from '../integrations/registry.js';
import type { ClassifiedFailure, PlatformName, PublishRequest, PublishResult } from '../integrations/types.js';
import { markNeedsReconnect, renewChannelCredentials } from './credentialRenewal.js';
import { recordRateLimits, waitForRateLimit, type RateLimitedChannel } from './rateLimits.js';
import type { Secrets } from '../security/secrets.js';
import type { Logger } from '../logger.js';

export interface PublishDeps {
  pool: pg.Pool;
  providers: ProviderRegistry;
  secrets: Secrets;
  retryPolicy: RetryPolicy;
  workerLockKey: number;
  logger: Logger;
}

interface ClaimedDelivery {
  id: string;
  channel_id: string;
  app_key: string | null;
  post_id: string;
  attempts: number;
  scheduled_at: Date;
  platform: PlatformName;
  credentials_encrypted: string;
  settings: Record<string, unknown>;
  text: string;
  media_urls: string[];
  attempt_id: string;
  idempotency_key: string;
  publish_progress: Record<string, unknown> | null;
}

export const deliveryIdempotencyKey = (deliveryId: string) => `postflow-${deliveryId}`;

export type PublishOutcome = 'published' | 'retry' | 'failed' | 'held' | 'skipped' | 'moved';

export function createPublishTask(deps: PublishDeps): Task {
  const publish = createPublisher(deps);
  return async (payload) => {
    const deliveryId = (payload as { deliveryId?: unknown })?.deliveryId;
    if (typeof deliveryId !== 'string') throw new Error(`publish_delivery needs a deliveryId, got ${JSON.stringify(payload)}`);
    await publish(deliveryId);
  };
}

/** Publishes one delivery. Claims and records made at the same moment by concurrent jobs share a statement. */
export function createPublisher(deps: PublishDeps): (deliveryId: string) => Promise<PublishOutcome> {
  const claimTogether = createBatcher((ids: string[]) => claimBatch(deps, ids));
  const dueTogether = createBatcher(async (ids: string[]) => {
    const { rows } = await deps.pool.query<DueDelivery>(DUE_DELIVERIES, [[...new Set(ids)]]);
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id));
  });
  const recordTogether = createBatcher((items: Success[]) => recordBatch(deps.pool, items));

  return async (deliveryId) => {
    // The posting policy first (publishPolicy.ts): a delivery it refuses now moves instead of going out.
    const due = await dueTogether(deliveryId);
    const gate = gateFor(due, Date.now());
    if (gate.kind === 'wait') {
      await withTransaction(deps.pool, (client) => waitForRateLimit(client, deliveryId, gate.until, gate.reason));
      return 'moved';
    }
    if (gate.kind === 'move') {
      await withTransaction(deps.pool, (client) => moveDelivery(client, due!, gate.policy, gate.hits, Date.now()));
      return 'moved';
    }
    let claimed: ClaimedDelivery | null;
    if (gate.kind === 'locked') {
      const checked = await withTransaction(deps.pool, async (client) => {
        const hits = await lockAndCheck(client, deliveryId, due!.channel_id, gate.policy, Date.now());
        if (!hits.length) return claimOne(client, deps, deliveryId);
        await moveDelivery(client, due!, gate.policy, hits, Date.now());
        return 'moved' as const;
      });
      if (checked === 'moved') return 'moved';
      claimed = checked;
    } else {
      // The batch leaves out what it could not take without waiting; claimOne decides those the way it always did.
      claimed = (await claimTogether(deliveryId)) ?? (await claimOne(deps.pool, deps, deliveryId));
    }
    if (!claimed) return 'skipped';
    const { result, failure } = await callProvider(deps, claimed);
    if (result) {
      const success = { claimed, result };
      if (!(await recordTogether(success))) await recordOne(deps.pool, success);
      if (result.rateLimits?.length) await recordRateLimits(deps.pool, limitedChannel(claimed), result.rateLimits);
      return 'published';
    }
    return recordFailure(deps, claimed, failure!);
  };
}

const CLAIMED_COLUMNS = `d.id, d.channel_id, ch.app_key, d.post_id, d.attempts, d.scheduled_at, ch.platform, ch.credentials_encrypted, ch.settings,
                        coalesce(d.content_override, p.content) AS text, p.media_urls, d.publish_progress`;
// Due, still SCHEDULED, and its channel active: a paused or disconnected channel's deliveries stay SCHEDULED (held).
const CLAIMABLE = `d.status = 'SCHEDULED' AND d.scheduled_at <= now() + interval '1 second'
              AND NOT ch.paused AND NOT ch.needs_reconnect AND ch.deleted_at IS NULL`;

// One statement for many deliveries: the status change, the attempt rows, one commit. Rows locked by anyone else
// are skipped, never waited for: a statement that locks several rows and waits could deadlock with an API
// transaction locking the same rows in another order. Each attempt row commits with its claim, before any call.
// Written so that the only sensible plan is one primary-key lookup per delivery whatever the table statistics say
// (they lag behind a table that grows by thousands a minute): channels and posts are reached through the locked
// rows, and attempt ids come from here so that nothing joins back to the INSERT. Not a named statement: a cached
// generic plan, made while the tables were small, would scan a channel's whole backlog on every claim.
const CLAIM_BATCH = `
  WITH free AS MATERIALIZED (
         SELECT d.id, d.channel_id, d.post_id, w.input_id, w.key, w.attempt_id
           FROM unnest($1::text[], $2::text[], $3::uuid[]) AS w(input_id, key, attempt_id)
           JOIN deliveries d ON d.id = w.input_id::uuid
          WHERE d.status = 'SCHEDULED'
            FOR UPDATE OF d SKIP LOCKED),
       claimed AS (
         UPDATE deliveries d SET status = 'PUBLISHING', attempts = d.attempts + 1, updated_at = now()
           FROM free f JOIN channels ch ON ch.id = f.channel_id JOIN posts p ON p.id = f.post_id
          WHERE d.id = f.id AND ${CLAIMABLE}
         RETURNING f.input_id, f.key AS idempotency_key, f.attempt_id, ${CLAIMED_COLUMNS}),
       attempt AS (
         INSERT INTO delivery_attempts (id, delivery_id, number, idempotency_key, worker_lock_key)
         SELECT c.attempt_id, c.id, (SELECT coalesce(max(a.number), 0) + 1 FROM delivery_attempts a WHERE a.delivery_id = c.id), c.idempotency_key, $4
           FROM claimed c)
  SELECT * FROM claimed`;

async function claimBatch(deps: PublishDeps, ids: string[]): Promise<(ClaimedDelivery | null)[]> {
  const unique = [...new Set(ids)];
  const { rows } = await deps.pool.query<ClaimedDelivery & { input_id: string }>(CLAIM_BATCH, [
    unique,
    unique.map(deliveryIdempotencyKey),
    unique.map(() => randomUUID()),
    deps.workerLockKey,
  ]);
  const byId = new Map(rows.map((r) => [r.input_id, r]));
  // A delivery listed twice (two of its jobs ran at once) goes to the first; the second falls through to claimOne,
  // which finds it PUBLISHING and skips.
  return ids.map((id) => {
    const row = byId.get(id) ?? null;
    byId.delete(id);
    return row;
  });
}

// One delivery, waiting for its row lock if someone holds it, then checking its status again: only one worker can
// claim it. One statement, so the attempt row commits with the claim. The attempt number is read from the
// statement's snapshot: if another worker claimed, failed and released this delivery while this one waited for the
// lock, the number collides, the unique index rejects the statement (nothing claimed) and graphile-worker runs the
// job again later.
const CLAIM_ONE = `
  WITH claimed AS (
           UPDATE deliveries d SET status = 'PUBLISHING', attempts = d.attempts + 1, updated_at = now()
             FROM channels ch, posts p
            WHERE d.id = $1 AND ch.id = d.channel_id AND p.id = d.post_id AND ${CLAIMABLE}
           RETURNING ${CLAIMED_COLUMNS}),
         attempt AS (
           INSERT INTO delivery_attempts (delivery_id, number, idempotency_key, worker_lock_key)
           SELECT id, (SELECT coalesce(max(a.number), 0) + 1 FROM delivery_attempts a WHERE a.delivery_id = $1), $2, $3 FROM claimed
           RETURNING id)
         SELECT claimed.*, $2 AS idempotency_key, attempt.id AS attempt_id FROM claimed, attempt`;

async function claimOne(db: pg.Pool | pg.PoolClient, deps: PublishDeps, deliveryId: string): Promise<ClaimedDelivery | null> {
  const { rows } = await db.query<ClaimedDelivery>(CLAIM_ONE, [deliveryId, deliveryIdempotencyKey(deliveryId), deps.workerLockKey]);
  // Not claimable: already taken, cancelled, rescheduled later, or its channel is paused / awaiting reconnection
  // (those stay SCHEDULED, held, and are queued again when the channel is resumed or reconnected).
  return rows[0] ?? null;
}

interface Success {
  claimed: ClaimedDelivery;
  result: PublishResult;
}

// Many successes, one statement; as with claims, rows locked by someone else are left to recordOne, and every join
// is a primary-key lookup from the locked rows.
const RECORD_BATCH = `
  WITH free AS MATERIALIZED (
         SELECT d.id, v.attempt_id, v.code, v.external_id, v.external_url
           FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::text[], $5::text[]) AS v(delivery_id, attempt_id, code, external_id, external_url)
           JOIN deliveries d ON d.id = v.delivery_id
            FOR UPDATE OF d SKIP LOCKED),
       attempt AS (
         UPDATE delivery_attempts a SET outcome = 'SUCCEEDED', finished_at = now(), response_code = f.code FROM free f WHERE a.id = f.attempt_id),
       delivery AS (
         UPDATE deliveries d SET status = 'PUBLISHED', external_id = f.external_id, external_url = f.external_url, published_at = now(),
                last_error = NULL, updated_at = now()
           FROM free f WHERE d.id = f.id AND d.status = 'PUBLISHING')
  SELECT id FROM free`;

async function recordBatch(pool: pg.Pool, items: Success[]): Promise<boolean[]> {
  const { rows } = await pool.query<{ id: string }>(RECORD_BATCH, [
    items.map((s) => s.claimed.id),
    items.map((s) => s.claimed.attempt_id),
    items.map((s) => s.result.responseCode),
    items.map((s) => s.result.externalId),
    items.map((s) => s.result.externalUrl),
  ]);
  const recorded = new Set(rows.map((r) => r.id));
  return items.map((s) => recorded.has(s.claimed.id));
}

const RECORD_ONE = `
  WITH attempt AS (
           UPDATE delivery_attempts SET outcome = 'SUCCEEDED', finished_at = now(), response_code = $3 WHERE id = $2)
         UPDATE deliveries SET status = 'PUBLISHED', external_id = $4, external_url = $5, published_at = now(), last_error = NULL, updated_at = now()
          WHERE id = $1 AND status = 'PUBLISHING'`;

async function recordOne(pool: pg.Pool, { claimed, result }: Success): Promise<void> {
  await pool.query(RECORD_ONE, [claimed.id, claimed.attempt_id, result.responseCode, result.externalId, result.externalUrl]);
}

async function recordFailure(deps: PublishDeps, claimed: ClaimedDelivery, failure: ClassifiedFailure): Promise<'retry' | 'failed' | 'held'> {
  const decision = decideAfterFailure(failure, claimed.attempts, deps.retryPolicy, new Date());
  deps.logger.info('publish attempt failed', { deliveryId: claimed.id, kind: failure.kind, errorClass: failure.errorClass, decision: decision.action });
  await withTransaction(deps.pool, async (client) => {
    if (failure.kind === 'RATE_LIMITED' && failure.retryAfterMs !== null) {
      await recordRateLimits(client, limitedChannel(claimed), [{ scope: failure.rateLimitScope ?? 'ACCOUNT', until: new Date(Date.now() + failure.retryAfterMs) }]);
    }
    await client.query(
      `UPDATE delivery_attempts SET outcome = $2, finished_at = now(), error_class = $3, response_code = $4, response_message = $5 WHERE id = $1`,
      [claimed.attempt_id, failure.kind, failure.errorClass, failure.responseCode, failure.message],
    );
    if (decision.action === 'retry') {
      await client.query(`UPDATE deliveries SET status = 'SCHEDULED', scheduled_at = $2, last_error = $3, updated_at = now() WHERE id = $1`, [
        claimed.id,
        decision.runAt,
        decision.lastError,
      ]);
      await enqueuePublishJobs(executorFor(client), [{ deliveryId: claimed.id, runAt: decision.runAt }]);
    } else if (decision.action === 'hold') {
      // Held, not failed: SCHEDULED on a channel that needs reconnecting is never claimed, and reconnecting queues it.
      await client.query(`UPDATE deliveries SET status = 'SCHEDULED', last_error = $2, updated_at = now() WHERE id = $1`, [claimed.id, decision.lastError]);
      await markNeedsReconnect(client, claimed.channel_id, failure.message);
    } else {
      await client.query(`UPDATE deliveries SET status = 'FAILED', last_error = $2, updated_at = now() WHERE id = $1`, [claimed.id, decision.lastError]);
    }
  });
  return decision.action === 'fail' ? 'failed' : decision.action === 'hold' ? 'held' : 'retry';
}

const limitedChannel = (c: ClaimedDelivery): RateLimitedChannel => ({ channelId: c.channel_id, platform: c.platform, appKey: c.app_key });

/**
 * Calls the network once; when it refuses the credentials and they can be renewed, renews them (once, shared with
 * any other worker doing the same) and calls again. A 401 means nothing was published, so calling again is safe.
 */
async function callProvider(deps: PublishDeps, claimed: ClaimedDelivery): Promise<{ result: PublishResult | null; failure: ClassifiedFailure | null }> {
  const provider = deps.providers.get(claimed.platform);
  const request: PublishRequest = {
    deliveryId: claimed.id,
    postId: claimed.post_id,
    text: claimed.text,
    mediaUrls: claimed.media_urls,
    idempotencyKey: claimed.idempotency_key,
    scheduledAt: claimed.scheduled_at,
    progress: claimed.publish_progress,
    checkpoint: async (progress) => {
      request.progress = progress;
      await deps.pool.query(`UPDATE deliveries SET publish_progress = $2 WHERE id = $1`, [claimed.id, JSON.stringify(progress)]);
    },
  };
  const attempt = async (credentials: unknown) => {
    try {
      return { result: await provider.publish(request, { credentials, settings: claimed.settings }), failure: null };
    } catch (error) {
      return { result: null, failure: provider.classifyFailure(error) };
    }
  };
  let credentials: unknown;
  try {
    credentials = JSON.parse(deps.secrets.open(claimed.credentials_encrypted));
  } catch (error) {
    return { result: null, failure: { kind: 'AUTH', errorClass: 'CREDENTIALS_UNREADABLE', message: `The stored credentials cannot be read (${(error as Error).message})`, responseCode: null, retryAfterMs: null } };
  }
  const first = await attempt(credentials);
  if (first.failure?.kind !== 'AUTH' || !provider.refresh) return first;
  const renewal = await renewChannelCredentials(deps, claimed.channel_id, claimed.credentials_encrypted);
  if (renewal.ok) return attempt(renewal.credentials);
  const { failure } = renewal;
  return {
    result: null,
    failure: {
      ...first.failure,
      // Unreachable token endpoint: try the publish again later; refused: hold for the reconnect.
      kind: failure.kind === 'AUTH' ? 'AUTH' : 'RETRYABLE',
      message: `${first.failure.message} Renewing access failed: ${failure.message}`,
    },
  };
}
