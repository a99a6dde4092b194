// Every change of a delivery's status made by people and by the schedulers, each one guarded statement whose legal
// "from" states come from the transition table (domain/deliveryStatus.ts). The publishing edges (claim, record,
// recovery) are in publishing.ts. Nothing outside src/store/ writes deliveries.status.
import { edge, EDITABLE_STATUSES, type DeliveryStatus } from '../domain/deliveryStatus.js';
import { enqueuePublishJobs, removePublishJobs } from './jobs.js';
import { rows, type Sql } from './sql.js';

const RESCHEDULE = edge(EDITABLE_STATUSES, 'SCHEDULED');
/** retryDelivery(force): the person checked the network and the post is not there. */
const RETRY_UNCONFIRMED = edge(['UNCONFIRMED'], 'SCHEDULED');
const TO_QUEUE = edge(['DRAFT', 'SCHEDULED', 'PENDING'], 'PENDING');
const CANCEL = edge(['DRAFT', 'PENDING', 'AWAITING_APPROVAL', 'SCHEDULED', 'FAILED', 'UNCONFIRMED'], 'CANCELLED');
/** Approval (issue 12, section 3): a draft submitted, an approval to a time or to the queue, changes requested. */
const SUBMIT = edge(['DRAFT'], 'AWAITING_APPROVAL');
const APPROVE = edge(['AWAITING_APPROVAL'], 'SCHEDULED');
const APPROVE_TO_QUEUE = edge(['AWAITING_APPROVAL'], 'PENDING');
const SEND_BACK = edge(['AWAITING_APPROVAL'], 'DRAFT');
/** Approved (or never needing it) but edited by someone whose posts need approval: back to the approvers. */
const REAPPROVE = edge(['SCHEDULED', 'PENDING', 'FAILED'], 'AWAITING_APPROVAL');
const PLACE = edge(['PENDING'], 'SCHEDULED');
/** At publish time: a rule now refuses the instant, or a rate limit is in force. */
const POSTPONE = edge(['SCHEDULED'], 'SCHEDULED');
const BACK_TO_QUEUE = edge(['SCHEDULED'], 'PENDING');
const CONFIRM = edge(['UNCONFIRMED'], 'PUBLISHED');

export interface Placement {
  deliveryId: string;
  scheduledAt: Date;
  requestedAt: Date | null;
  reason: string | null;
}

/**
 * Puts deliveries at their new times, with their jobs. Returns the ids changed: a delivery whose status left the
 * allowed ones meanwhile (a worker claimed it) is not touched, and the caller decides what that means.
 */
/**
 * `publishNow` (deliveries.publish_now, the one mark of it: publishNow, publishDeliveryNow, an approved publishNow
 * post): these go out now, outside posting hours and intervals; any other placement clears it. It lasts through
 * automatic retries and rate-limit waits (the person still wants it out as soon as the network allows), and ends
 * when a cap moves the delivery (postponeDelivery clearPublishNow) or a hold does (requeueHeldDeliveries): from
 * there it goes out under the posting rules like any other. due_at (0026) becomes the new time: lateness counts from it.
 */
export async function scheduleDeliveries(
  sql: Sql,
  placed: Placement[],
  options: { resetAttempts?: boolean; unconfirmed?: boolean; approved?: boolean; publishNow?: boolean } = {},
): Promise<string[]> {
  if (!placed.length) return [];
  // An approval is the only way out of AWAITING_APPROVAL to a time: the other callers' edges never include it.
  const { from, to } = options.approved ? APPROVE : options.unconfirmed ? RETRY_UNCONFIRMED : RESCHEDULE;
  const changed = await rows<{ id: string; scheduled_at: Date }>(
    sql,
    `UPDATE deliveries d SET status = $1::"DeliveryStatus", scheduled_at = u.at, requested_at = u.requested_at, schedule_reason = u.reason,
            attempts = CASE WHEN $2 THEN 0 ELSE d.attempts END, publish_now = $8, due_at = u.at, updated_at = now()
       FROM unnest($3::uuid[], $4::timestamptz[], $5::timestamptz[], $6::text[]) AS u(id, at, requested_at, reason)
      WHERE d.id = u.id AND d.status = ANY($7::"DeliveryStatus"[])
     RETURNING d.id, d.scheduled_at`,
    [
      to,
      !!options.resetAttempts,
      placed.map((p) => p.deliveryId),
      placed.map((p) => p.scheduledAt),
      placed.map((p) => p.requestedAt),
      placed.map((p) => p.reason),
      from,
      !!options.publishNow,
    ],
  );
  await enqueuePublishJobs(
    sql,
    changed.map((c) => ({ deliveryId: c.id, runAt: c.scheduled_at })),
  );
  return changed.map((c) => c.id);
}

/** Hands deliveries to the smart scheduler (PENDING), removing their publish jobs. Returns the ids changed. */
export async function queueForSmartSchedule(sql: Sql, deliveryIds: string[], options: { approved?: boolean } = {}): Promise<string[]> {
  const { from, to } = options.approved ? APPROVE_TO_QUEUE : TO_QUEUE;
  const changed = await rows<{ id: string }>(
    sql,
    `UPDATE deliveries SET status = $1::"DeliveryStatus", schedule_reason = 'Waiting for the smart scheduler', requested_at = NULL, updated_at = now()
      WHERE id = ANY($2::uuid[]) AND status = ANY($3::"DeliveryStatus"[]) RETURNING id`,
    [to, deliveryIds, from],
  );
  await removePublishJobs(
    sql,
    changed.map((c) => c.id),
  );
  return changed.map((c) => c.id);
}

/**
 * Holds drafts for approval (submitForApproval). scheduled_at stays: it is where the post would go, shown to the
 * approver and counted as taken (store/channels.ts loadOccupancy) until the decision. No job: nothing publishes it.
 */
export async function submitForApproval(sql: Sql, deliveryIds: string[]): Promise<string[]> {
  const changed = await rows<{ id: string }>(
    sql,
    `UPDATE deliveries SET status = $1::"DeliveryStatus", schedule_reason = 'Waiting for approval', updated_at = now()
      WHERE id = ANY($2::uuid[]) AND status = ANY($3::"DeliveryStatus"[]) RETURNING id`,
    [SUBMIT.to, deliveryIds, SUBMIT.from],
  );
  return changed.map((c) => c.id);
}

/** Changes requested: back to DRAFT for the author, keeping scheduled_at as the time asked for when resubmitted. */
export async function sendBackToDraft(sql: Sql, deliveryIds: string[]): Promise<string[]> {
  const changed = await rows<{ id: string }>(
    sql,
    `UPDATE deliveries SET status = $1::"DeliveryStatus", schedule_reason = 'Changes requested by an approver', updated_at = now()
      WHERE id = ANY($2::uuid[]) AND status = ANY($3::"DeliveryStatus"[]) RETURNING id`,
    [SEND_BACK.to, deliveryIds, SEND_BACK.from],
  );
  return changed.map((c) => c.id);
}

/**
 * An edit needs a new approval: the deliveries wait again, without their jobs. A timed one keeps scheduled_at (its
 * slot stays held); a queued one loses it, so that the approval hands it back to the smart scheduler.
 */
export async function holdForReapproval(sql: Sql, deliveryIds: string[]): Promise<string[]> {
  const changed = await rows<{ id: string }>(
    sql,
    `UPDATE deliveries SET status = $1::"DeliveryStatus", schedule_reason = 'Waiting for approval',
            scheduled_at = CASE WHEN status = 'PENDING' THEN NULL ELSE scheduled_at END, updated_at = now()
      WHERE id = ANY($2::uuid[]) AND status = ANY($3::"DeliveryStatus"[]) RETURNING id`,
    [REAPPROVE.to, deliveryIds, REAPPROVE.from],
  );
  const ids = changed.map((c) => c.id);
  await removePublishJobs(sql, ids);
  return ids;
}

/** Cancels what is not out yet, removing the jobs; `reason` (a source's item deleted, say) replaces the schedule reason. Returns the ids changed. */
export const cancelDeliveries = (sql: Sql, deliveryIds: string[], reason?: string) => cancelWhere(sql, `id = ANY($3::uuid[])`, deliveryIds, reason);

/** Cancels every open delivery of a channel (it is being deleted). */
export const cancelChannelDeliveries = (sql: Sql, channelId: string) => cancelWhere(sql, `channel_id = $3::uuid`, channelId);

async function cancelWhere(sql: Sql, which: string, value: unknown, reason: string | null = null): Promise<string[]> {
  const changed = await rows<{ id: string }>(
    sql,
    `UPDATE deliveries SET status = $1::"DeliveryStatus", schedule_reason = coalesce($4, schedule_reason), updated_at = now()
      WHERE ${which} AND status = ANY($2::"DeliveryStatus"[]) RETURNING id`,
    [CANCEL.to, CANCEL.from, value, reason],
  );
  const ids = changed.map((c) => c.id);
  await removePublishJobs(sql, ids);
  return ids;
}

/** The smart scheduler's placements: PENDING deliveries get their slot and their job. */
export async function placePendingDeliveries(sql: Sql, placements: { deliveryId: string; at: Date; reason: string }[]): Promise<void> {
  if (!placements.length) return;
  const changed = await rows<{ id: string; scheduled_at: Date }>(
    sql,
    `UPDATE deliveries d SET status = $1::"DeliveryStatus", scheduled_at = u.at, schedule_reason = u.reason, publish_now = false, due_at = u.at, updated_at = now()
       FROM unnest($2::uuid[], $3::timestamptz[], $4::text[]) AS u(id, at, reason)
      WHERE d.id = u.id AND d.status = ANY($5::"DeliveryStatus"[]) RETURNING d.id, d.scheduled_at`,
    [PLACE.to, placements.map((p) => p.deliveryId), placements.map((p) => p.at), placements.map((p) => p.reason), PLACE.from],
  );
  await enqueuePublishJobs(
    sql,
    changed.map((c) => ({ deliveryId: c.id, runAt: c.scheduled_at })),
  );
}

/** Why deliveries are where they are, without moving them (the smart scheduler's "still waiting" reasons). */
export async function explainDeliveries(sql: Sql, reasons: { deliveryId: string; reason: string }[]): Promise<void> {
  if (!reasons.length) return;
  await sql.query(`UPDATE deliveries d SET schedule_reason = u.reason FROM unnest($1::uuid[], $2::text[]) AS u(id, reason) WHERE d.id = u.id`, [
    reasons.map((r) => r.deliveryId),
    reasons.map((r) => r.reason),
  ]);
}

/** What the publish job's gate read of a delivery: its move applies only if nobody changed the delivery since. */
export interface SeenDelivery {
  scheduledAt: Date;
  publishNow: boolean;
}

/**
 * A due delivery moves to a later instant instead of going out (a rule refuses now, or a rate limit is in force),
 * or back to the smart scheduler's queue when there is no allowed instant. `requested` keeps the first requested
 * time; a wait for a rate limit does not count as a move of the person's time. due_at stays: the wait is lateness.
 * With `seen`, false when the delivery changed since it was read (a reschedule or publishDeliveryNow committed in
 * between, and queued its own job): the caller leaves it to that change instead of overwriting it.
 */
export async function postponeDelivery(
  sql: Sql,
  deliveryId: string,
  at: Date | null,
  reason: string,
  options: { recordRequested: boolean; seen?: SeenDelivery; clearPublishNow?: boolean },
): Promise<boolean> {
  const seen = options.seen ?? null;
  const unchanged = `($5::timestamptz IS NULL OR (scheduled_at = $5 AND publish_now = $6))`;
  if (at === null) {
    const queued = await sql.query(
      `UPDATE deliveries SET status = $2::"DeliveryStatus", schedule_reason = $3, publish_now = false, updated_at = now()
        WHERE id = $1 AND status = ANY($4::"DeliveryStatus"[]) AND ${unchanged}`,
      [deliveryId, BACK_TO_QUEUE.to, reason, BACK_TO_QUEUE.from, seen?.scheduledAt ?? null, seen?.publishNow ?? false],
    );
    return (queued.rowCount ?? 0) > 0;
  }
  const moved = await sql.query(
    `UPDATE deliveries SET scheduled_at = $2, schedule_reason = $3, updated_at = now(),
            requested_at = CASE WHEN $4 THEN coalesce(requested_at, scheduled_at) ELSE requested_at END,
            publish_now = publish_now AND NOT $8
      WHERE id = $1 AND status = ANY($7::"DeliveryStatus"[]) AND ${unchanged}`,
    [deliveryId, at, reason, options.recordRequested, seen?.scheduledAt ?? null, seen?.publishNow ?? false, POSTPONE.from, !!options.clearPublishNow],
  );
  if (moved.rowCount) await enqueuePublishJobs(sql, [{ deliveryId, runAt: at }]);
  return (moved.rowCount ?? 0) > 0;
}

/** A person saw the post on the network: the delivery is published, with the link they give. */
export async function confirmPublished(sql: Sql, deliveryId: string, externalUrl: string): Promise<boolean> {
  const changed = await sql.query(
    `UPDATE deliveries SET status = $2::"DeliveryStatus", external_url = $3, published_at = now(), last_error = NULL,
            schedule_reason = 'Confirmed as published by a person', updated_at = now()
      WHERE id = $1 AND status = ANY($4::"DeliveryStatus"[])`,
    [deliveryId, CONFIRM.to, externalUrl, CONFIRM.from],
  );
  return (changed.rowCount ?? 0) > 0;
}

export interface UnconfirmedDelivery {
  id: string;
  channel_id: string;
  platform: string;
  credentials_encrypted: string;
  settings: Record<string, unknown>;
  text: string;
  /** When the first attempt started: the post, if out, is no older. */
  since: Date;
}

export async function findUnconfirmed(sql: Sql, deliveryId: string): Promise<UnconfirmedDelivery | null> {
  const [found] = await rows<UnconfirmedDelivery>(
    sql,
    `SELECT d.id, d.channel_id, ch.platform::text AS platform, ch.credentials_encrypted, ch.settings, coalesce(d.content_override, p.content) AS text,
            (SELECT min(a.started_at) FROM delivery_attempts a WHERE a.delivery_id = d.id) AS since
       FROM deliveries d JOIN channels ch ON ch.id = d.channel_id JOIN posts p ON p.id = d.post_id
      WHERE d.id = $1 AND d.status = 'UNCONFIRMED' AND ch.deleted_at IS NULL`,
    [deliveryId],
  );
  return found ?? null;
}

/** A lookup found the post on the network: the UNCONFIRMED delivery is PUBLISHED with what the network says. */
export async function settlePublished(sql: Sql, deliveryId: string, found: { externalId: string; externalUrl: string | null }, reason: string): Promise<boolean> {
  const changed = await sql.query(
    `UPDATE deliveries SET status = $2::"DeliveryStatus", external_id = $3, external_url = $4, published_at = now(), last_error = NULL, schedule_reason = $5, updated_at = now()
      WHERE id = $1 AND status = ANY($6::"DeliveryStatus"[])`,
    [deliveryId, CONFIRM.to, found.externalId, found.externalUrl, reason, CONFIRM.from],
  );
  return (changed.rowCount ?? 0) > 0;
}

/** A lookup did not find it: said beside the delivery's error, for the person who settles it. */
export async function noteLookup(sql: Sql, deliveryId: string, note: string): Promise<void> {
  await sql.query(`UPDATE deliveries SET last_error = last_error || ' ' || $2, updated_at = now() WHERE id = $1 AND status = 'UNCONFIRMED'`, [deliveryId, note]);
}

/**
 * Held deliveries of a channel (SCHEDULED while it was paused or disconnected) get their jobs again. A hold ends
 * publish_now: "now" was when it was asked, and a delivery released days later goes out under the posting rules.
 */
export async function requeueHeldDeliveries(sql: Sql, channelId: string): Promise<void> {
  const held = await rows<{ id: string; at: Date }>(
    sql,
    `WITH ended AS (UPDATE deliveries SET publish_now = false WHERE channel_id = $1 AND status = 'SCHEDULED' AND publish_now)
     SELECT id, greatest(coalesce(scheduled_at, now()), now()) AS at FROM deliveries WHERE channel_id = $1 AND status = 'SCHEDULED'`,
    [channelId],
  );
  await enqueuePublishJobs(
    sql,
    held.map((d) => ({ deliveryId: d.id, runAt: d.at })),
  );
}

export type { DeliveryStatus };
