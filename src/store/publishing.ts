// The publishing edges of a delivery: the claim (SCHEDULED -> PUBLISHING, with an IN_PROGRESS attempt naming the
// worker), the record of its outcome (-> PUBLISHED, back to SCHEDULED, FAILED or UNCONFIRMED), and the recovery of
// attempts whose worker died. Each is one guarded statement (or one transaction of them) whose "from" states come
// from the transition table; every statement is safe to run again, which is what lets callers retry them.
import { randomUUID } from 'node:crypto';
import { edge, type DeliveryStatus } from '../domain/deliveryStatus.js';
import { systemActor } from '../domain/audit.js';
import type { LinkCard, PlatformName } from '../integrations/types.js';
import { CHANNEL_IS_ACTIVE } from './channels.js';
import { enqueuePublishJobs } from './jobs.js';
import { recordAudit } from './audit.js';
import { workerIsAlive } from './workers.js';
import { rows, type Sql } from './sql.js';

const CLAIM = edge(['SCHEDULED'], 'PUBLISHING');
/** UNCONFIRMED too: another worker took the attempt for abandoned while this one was still waiting for the answer. */
const PUBLISHED = edge(['PUBLISHING', 'UNCONFIRMED'], 'PUBLISHED');
const AFTER_FAILURE = { SCHEDULED: edge(['PUBLISHING'], 'SCHEDULED'), FAILED: edge(['PUBLISHING'], 'FAILED'), UNCONFIRMED: edge(['PUBLISHING'], 'UNCONFIRMED') };

export interface ClaimedDelivery {
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
  link_card: LinkCard | null;
  attempt_id: string;
  idempotency_key: string;
  publish_progress: Record<string, unknown> | null;
}

export const deliveryIdempotencyKey = (deliveryId: string) => `postflow-${deliveryId}`;

const CLAIMED_COLUMNS = `d.id, d.channel_id, ch.app_key, d.post_id, d.attempts, d.scheduled_at, ch.platform, ch.credentials_encrypted, ch.settings,
                        coalesce(d.content_override, p.content) AS text, p.media_urls, d.link_card, d.publish_progress`;
// Nor while its workspace is to be deleted (deleteWorkspace's grace period): held like a paused channel's, and queued
// again by cancelWorkspaceDeletion. One primary-key lookup of the workspace per claimed row.
const WORKSPACE_STAYS = `NOT EXISTS (SELECT 1 FROM workspaces w WHERE w.id = d.workspace_id AND w.deletion_scheduled_at IS NOT NULL)`;
// Due, still claimable, and its channel active: a paused or disconnected channel's deliveries stay SCHEDULED (held).
const CLAIMABLE = `d.status = ANY('{${CLAIM.from.join(',')}}'::"DeliveryStatus"[]) AND d.scheduled_at <= now() + interval '1 second' AND ${CHANNEL_IS_ACTIVE} AND ${WORKSPACE_STAYS}`;

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
         UPDATE deliveries d SET status = '${CLAIM.to}', attempts = d.attempts + 1, updated_at = now()
           FROM free f JOIN channels ch ON ch.id = f.channel_id JOIN posts p ON p.id = f.post_id
          WHERE d.id = f.id AND ${CLAIMABLE}
         RETURNING f.input_id, f.key AS idempotency_key, f.attempt_id, ${CLAIMED_COLUMNS}),
       attempt AS (
         INSERT INTO delivery_attempts (id, delivery_id, number, idempotency_key, worker_lock_key)
         SELECT c.attempt_id, c.id, (SELECT coalesce(max(a.number), 0) + 1 FROM delivery_attempts a WHERE a.delivery_id = c.id), c.idempotency_key, $4
           FROM claimed c)
  SELECT * FROM claimed`;

/** Claims what it can take without waiting; one result per id, null for what it left (see claimDelivery). */
export async function claimDeliveries(sql: Sql, ids: string[], workerLockKey: number): Promise<(ClaimedDelivery | null)[]> {
  const unique = [...new Set(ids)];
  const claimed = await rows<ClaimedDelivery & { input_id: string }>(sql, CLAIM_BATCH, [unique, unique.map(deliveryIdempotencyKey), unique.map(() => randomUUID()), workerLockKey]);
  const byId = new Map(claimed.map((r) => [r.input_id, r]));
  // A delivery listed twice (two of its jobs ran at once) goes to the first; the second finds it PUBLISHING.
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
           UPDATE deliveries d SET status = '${CLAIM.to}', attempts = d.attempts + 1, updated_at = now()
             FROM channels ch, posts p
            WHERE d.id = $1 AND ch.id = d.channel_id AND p.id = d.post_id AND ${CLAIMABLE}
           RETURNING ${CLAIMED_COLUMNS}),
         attempt AS (
           INSERT INTO delivery_attempts (delivery_id, number, idempotency_key, worker_lock_key)
           SELECT id, (SELECT coalesce(max(a.number), 0) + 1 FROM delivery_attempts a WHERE a.delivery_id = $1), $2, $3 FROM claimed
           RETURNING id)
         SELECT claimed.*, $2 AS idempotency_key, attempt.id AS attempt_id FROM claimed, attempt`;

/**
 * Claims one delivery, waiting for its row lock. Null when it is not claimable: already taken, cancelled,
 * rescheduled later, or its channel is paused or awaiting reconnection (held: queued again on resume/reconnect).
 */
export async function claimDelivery(sql: Sql, deliveryId: string, workerLockKey: number): Promise<ClaimedDelivery | null> {
  const [claimed] = await rows<ClaimedDelivery>(sql, CLAIM_ONE, [deliveryId, deliveryIdempotencyKey(deliveryId), workerLockKey]);
  return claimed ?? null;
}

export interface Success {
  deliveryId: string;
  attemptId: string;
  responseCode: number | null;
  externalId: string;
  externalUrl: string | null;
}

// The audit trail's delivery.published event, written by the same statement as the status (the worker is SYSTEM):
// only a delivery that did move gets one, so a repeated record adds none.
const AUDIT_PUBLISHED = `
  INSERT INTO audit_events (workspace_id, via, action, target_type, target_id, details)
  SELECT workspace_id, 'SYSTEM', 'delivery.published', 'delivery', id::text, jsonb_build_object('postId', post_id, 'channelId', channel_id, 'externalUrl', external_url)
    FROM delivery`;

// Many successes, one statement; as with claims, rows locked by someone else are left to recordPublished, and every
// join is a primary-key lookup from the locked rows. An attempt another worker already closed as abandoned is
// corrected: the network answered after all.
const RECORD_BATCH = `
  WITH free AS MATERIALIZED (
         SELECT d.id, v.attempt_id, v.code, v.external_id, v.external_url
           FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::text[], $5::text[]) AS v(delivery_id, attempt_id, code, external_id, external_url)
           JOIN deliveries d ON d.id = v.delivery_id
            FOR UPDATE OF d SKIP LOCKED),
       attempt AS (
         UPDATE delivery_attempts a SET outcome = 'SUCCEEDED', finished_at = now(), response_code = f.code, error_class = NULL, response_message = NULL
           FROM free f WHERE a.id = f.attempt_id AND a.outcome IN ('IN_PROGRESS', 'UNKNOWN')),
       delivery AS (
         UPDATE deliveries d SET status = '${PUBLISHED.to}', external_id = f.external_id, external_url = f.external_url, published_at = now(),
                last_error = NULL, updated_at = now()
           FROM free f WHERE d.id = f.id AND d.status = ANY('{${PUBLISHED.from.join(',')}}'::"DeliveryStatus"[])
         RETURNING d.id, d.workspace_id, d.post_id, d.channel_id, d.external_url),
       audit AS (${AUDIT_PUBLISHED})
  SELECT id FROM free`;

/** Records successes; one flag per item, false for rows someone else held locked (record those one by one). */
export async function recordPublishedBatch(sql: Sql, items: Success[]): Promise<boolean[]> {
  const recorded = await rows<{ id: string }>(sql, RECORD_BATCH, [
    items.map((s) => s.deliveryId),
    items.map((s) => s.attemptId),
    items.map((s) => s.responseCode),
    items.map((s) => s.externalId),
    items.map((s) => s.externalUrl),
  ]);
  const ids = new Set(recorded.map((r) => r.id));
  return items.map((s) => ids.has(s.deliveryId));
}

const RECORD_ONE = `
  WITH attempt AS (
           UPDATE delivery_attempts SET outcome = 'SUCCEEDED', finished_at = now(), response_code = $3, error_class = NULL, response_message = NULL
            WHERE id = $2 AND outcome IN ('IN_PROGRESS', 'UNKNOWN'))
       , delivery AS (
           UPDATE deliveries SET status = $6::"DeliveryStatus", external_id = $4, external_url = $5, published_at = now(), last_error = NULL, updated_at = now()
            WHERE id = $1 AND status = ANY($7::"DeliveryStatus"[])
           RETURNING id, workspace_id, post_id, channel_id, external_url)
  ${AUDIT_PUBLISHED}`;

export async function recordPublished(sql: Sql, s: Success): Promise<void> {
  await sql.query(RECORD_ONE, [s.deliveryId, s.attemptId, s.responseCode, s.externalId, s.externalUrl, PUBLISHED.to, PUBLISHED.from]);
}

export interface FailedAttempt {
  attemptId: string;
  outcome: string;
  errorClass: string;
  responseCode: number | null;
  message: string;
}

export type NextAfterFailure = { status: 'SCHEDULED'; runAt: Date | null; lastError: string } | { status: 'FAILED' | 'UNCONFIRMED'; lastError: string };

/**
 * Closes a failed attempt and moves its delivery on (call inside a transaction). SCHEDULED with a runAt is a retry
 * with its job; without one it is held (the channel's reconnect or resume queues it). Returns false when the attempt
 * was already closed or the delivery had already left PUBLISHING (nothing changed).
 */
export async function recordFailedAttempt(sql: Sql, deliveryId: string, attempt: FailedAttempt, next: NextAfterFailure): Promise<boolean> {
  const closed = await sql.query(
    `UPDATE delivery_attempts SET outcome = $2, finished_at = now(), error_class = $3, response_code = $4, response_message = $5 WHERE id = $1 AND outcome = 'IN_PROGRESS'`,
    [attempt.attemptId, attempt.outcome, attempt.errorClass, attempt.responseCode, attempt.message],
  );
  // Already closed (this record ran before and its answer was lost, or recovery took the attempt over): the delivery
  // may be PUBLISHING again under a later attempt, which this must not touch.
  if (!closed.rowCount) return false;
  const { from, to } = AFTER_FAILURE[next.status];
  const runAt = next.status === 'SCHEDULED' ? next.runAt : null;
  const moved = await sql.query<{ workspace_id: string; post_id: string; channel_id: string }>(
    `UPDATE deliveries SET status = $2::"DeliveryStatus", scheduled_at = coalesce($3, scheduled_at), last_error = $4, updated_at = now()
      WHERE id = $1 AND status = ANY($5::"DeliveryStatus"[]) RETURNING workspace_id, post_id, channel_id`,
    [deliveryId, to, runAt, next.lastError, from],
  );
  if (moved.rowCount && runAt) await enqueuePublishJobs(sql, [{ deliveryId, runAt }]);
  // Given up on, or left for a person to check: the audit trail says so (the network's message stays on the delivery,
  // not in the trail), and the people concerned are notified from that event.
  const ended = next.status !== 'SCHEDULED' ? moved.rows[0] : undefined;
  if (ended) {
    const details = { postId: ended.post_id, channelId: ended.channel_id, errorClass: attempt.errorClass, responseCode: attempt.responseCode };
    const action = next.status === 'FAILED' ? 'delivery.failed' : 'delivery.unconfirmed';
    await recordAudit(sql, { actor: systemActor(ended.workspace_id), action, target: { type: 'delivery', id: deliveryId }, details });
  }
  return (moved.rowCount ?? 0) > 0;
}

/** What an interrupted publish already did, committed at once so the next attempt starts from there. */
export async function saveProgress(sql: Sql, deliveryId: string, progress: unknown): Promise<void> {
  await sql.query(`UPDATE deliveries SET publish_progress = $2 WHERE id = $1`, [deliveryId, JSON.stringify(progress)]);
}

export interface AbandonedAttempt {
  attemptId: string;
  deliveryId: string;
  platform: PlatformName;
  scheduledAt: Date;
}

// Open attempts of deliveries still PUBLISHING, locked for the caller's transaction; `WHERE` says whose.
const openAttempts = (where: string) => `
  SELECT a.id AS "attemptId", a.delivery_id AS "deliveryId", ch.platform::text AS platform, d.scheduled_at AS "scheduledAt"
    FROM delivery_attempts a
    JOIN deliveries d ON d.id = a.delivery_id AND d.status = 'PUBLISHING'
    JOIN channels ch ON ch.id = d.channel_id
   WHERE a.outcome = 'IN_PROGRESS' AND ${where}
     FOR UPDATE OF a, d SKIP LOCKED`;

/** IN_PROGRESS attempts whose worker holds no lock, other than `ownKey`'s (a worker never abandons itself). */
export async function findAbandonedAttempts(sql: Sql, ownKey: number | null): Promise<AbandonedAttempt[]> {
  return rows<AbandonedAttempt>(sql, openAttempts(`a.worker_lock_key IS DISTINCT FROM $1 AND NOT ${workerIsAlive('a.worker_lock_key')}`), [ownKey]);
}

/**
 * This worker's own IN_PROGRESS attempts that it is not making (`inFlight` lists those it is): claims whose answer
 * never reached it (the connection dropped after the commit), so nothing was sent.
 */
export async function findStrayAttempts(sql: Sql, ownKey: number, inFlight: string[]): Promise<AbandonedAttempt[]> {
  return rows<AbandonedAttempt>(sql, openAttempts(`a.worker_lock_key = $1 AND NOT (a.id = ANY($2::uuid[]))`), [ownKey, inFlight]);
}

/** A stray attempt sent nothing: closed, and its delivery queued again at its own time, on any network. */
export async function releaseStrayAttempt(sql: Sql, stray: AbandonedAttempt): Promise<void> {
  const message = 'The answer to this claim was lost before anything was sent';
  await recordFailedAttempt(
    sql,
    stray.deliveryId,
    { attemptId: stray.attemptId, outcome: 'RETRYABLE', errorClass: 'CLAIM_LOST', responseCode: null, message },
    { status: 'SCHEDULED', runAt: stray.scheduledAt, lastError: message },
  );
}

/**
 * Closes an abandoned attempt as UNKNOWN and either queues its delivery again (idempotent network) or leaves it for
 * a person. Queued at its own time, not now: it is overdue, and goes before what fell due after it.
 */
export async function recoverAttempt(sql: Sql, abandoned: AbandonedAttempt, retry: boolean, lastError: string): Promise<void> {
  const failed: FailedAttempt = {
    attemptId: abandoned.attemptId,
    outcome: 'UNKNOWN',
    errorClass: 'WORKER_LOST',
    responseCode: null,
    message: 'The worker stopped during this attempt',
  };
  await recordFailedAttempt(sql, abandoned.deliveryId, failed, retry ? { status: 'SCHEDULED', runAt: abandoned.scheduledAt, lastError } : { status: 'UNCONFIRMED', lastError });
}

/** SCHEDULED deliveries on active channels well past their time: their job was lost with a worker. */
export async function findOverdueDeliveries(sql: Sql, overdueMs: number): Promise<string[]> {
  const found = await rows<{ id: string }>(
    sql,
    `SELECT d.id FROM deliveries d JOIN channels ch ON ch.id = d.channel_id
      WHERE d.status = 'SCHEDULED' AND d.scheduled_at < now() - make_interval(secs => $1::float8 / 1000) AND ${CHANNEL_IS_ACTIVE} AND ${WORKSPACE_STAYS}
      ORDER BY d.scheduled_at LIMIT 1000`,
    [overdueMs],
  );
  return found.map((r) => r.id);
}

export type { DeliveryStatus };
