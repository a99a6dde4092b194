// A source whose store uninstalled PostFlow holds its posts not yet out: their SCHEDULED, PENDING and
// AWAITING_APPROVAL deliveries become DRAFT (nothing claims, places or approves a draft) with their jobs removed, and
// each is listed in source_held_deliveries with what it was. A reinstall releases exactly those still DRAFT (a person
// may have scheduled or cancelled one meanwhile) back to what they were held from: one awaiting approval to approval
// again (its time kept for the approver), a timed one still ahead to its time, any other to the smart scheduler. A
// store that joins another workspace retires the source instead: what it held is cancelled, saying why.
import { edge } from '../domain/deliveryStatus.js';
import { enqueuePublishJobs, removePublishJobs, requestSmartSchedule } from './jobs.js';
import { rows, type Sql } from './sql.js';

const HOLD = edge(['SCHEDULED', 'PENDING', 'AWAITING_APPROVAL'], 'DRAFT');
const RELEASE_TIMED = edge(['DRAFT'], 'SCHEDULED');
const RELEASE_QUEUED = edge(['DRAFT'], 'PENDING');
const RELEASE_TO_APPROVAL = edge(['DRAFT'], 'AWAITING_APPROVAL');
const CANCEL_HELD = edge(['DRAFT'], 'CANCELLED');

/** The reason approval gives a delivery waiting for it, and clears when it decides (src/services/approval.ts). */
const AWAITING_APPROVAL_REASON = 'Waiting for approval';

export const HELD_REASON = 'Held: the store uninstalled the app; reinstalling it releases this post';

/** Holds the source's open deliveries (in the caller's transaction). Returns the ids held. */
export async function holdSourceDeliveries(sql: Sql, sourceId: string): Promise<string[]> {
  const held = await rows<{ id: string }>(
    sql,
    `WITH target AS (
       SELECT d.id, d.status FROM deliveries d JOIN posts p ON p.id = d.post_id
        WHERE p.source_id = $1::text AND d.status = ANY($2::"DeliveryStatus"[]) FOR UPDATE OF d),
     moved AS (
       UPDATE deliveries d SET status = $3::"DeliveryStatus", schedule_reason = $4, updated_at = now()
         FROM target t WHERE d.id = t.id RETURNING d.id, t.status AS held_from)
     INSERT INTO source_held_deliveries (delivery_id, source_id, held_from) SELECT id, $1::uuid, held_from FROM moved
     ON CONFLICT (delivery_id) DO NOTHING RETURNING delivery_id AS id`,
    [sourceId, HOLD.from, HOLD.to, HELD_REASON],
  );
  const ids = held.map((h) => h.id);
  await removePublishJobs(sql, ids);
  return ids;
}

/** Releases what holdSourceDeliveries held and is still DRAFT, each to what it was held from. Returns how many went back. */
export async function releaseSourceDeliveries(sql: Sql, sourceId: string): Promise<number> {
  const released = await rows<{ id: string; status: string; scheduledAt: Date | null }>(
    sql,
    `WITH released AS (DELETE FROM source_held_deliveries WHERE source_id = $1 RETURNING delivery_id, held_from),
     target AS (
       SELECT d.id,
              CASE WHEN r.held_from = 'AWAITING_APPROVAL' THEN $4::"DeliveryStatus"
                   WHEN r.held_from = 'SCHEDULED' AND d.scheduled_at > now() THEN $2::"DeliveryStatus"
                   ELSE $3::"DeliveryStatus" END AS status
         FROM released r JOIN deliveries d ON d.id = r.delivery_id
        WHERE d.status = ANY($5::"DeliveryStatus"[]))
     UPDATE deliveries d
        SET status = t.status,
            -- Awaiting approval keeps the time it would go at (the approver decides); the queue has none.
            scheduled_at = CASE WHEN t.status = $3::"DeliveryStatus" THEN NULL ELSE d.scheduled_at END,
            schedule_reason = CASE t.status WHEN $2::"DeliveryStatus" THEN 'Released: the store reinstalled the app'
                                            WHEN $4::"DeliveryStatus" THEN $6
                                            ELSE 'Waiting for the smart scheduler' END,
            updated_at = now()
       FROM target t
      WHERE d.id = t.id
      RETURNING d.id, d.status::text AS status, d.scheduled_at AS "scheduledAt"`,
    [sourceId, RELEASE_TIMED.to, RELEASE_QUEUED.to, RELEASE_TO_APPROVAL.to, RELEASE_TIMED.from, AWAITING_APPROVAL_REASON],
  );
  await enqueuePublishJobs(
    sql,
    released.filter((d) => d.status === 'SCHEDULED').map((d) => ({ deliveryId: d.id, runAt: d.scheduledAt! })),
  );
  if (released.some((d) => d.status === 'PENDING')) await requestSmartSchedule(sql);
  return released.length;
}

/** The store joined another workspace: what the source held and is still DRAFT is cancelled with `reason`. Returns the ids. */
export async function cancelHeldDeliveries(sql: Sql, sourceId: string, reason: string): Promise<string[]> {
  const cancelled = await rows<{ id: string }>(
    sql,
    `WITH released AS (DELETE FROM source_held_deliveries WHERE source_id = $1 RETURNING delivery_id)
     UPDATE deliveries d SET status = $2::"DeliveryStatus", schedule_reason = $4, updated_at = now()
       FROM released r WHERE d.id = r.delivery_id AND d.status = ANY($3::"DeliveryStatus"[])
     RETURNING d.id`,
    [sourceId, CANCEL_HELD.to, CANCEL_HELD.from, reason],
  );
  return cancelled.map((c) => c.id);
}

/** How many of the source's deliveries are held now. */
export async function countHeldDeliveries(sql: Sql, sourceId: string): Promise<number> {
  const [row] = await rows<{ n: number }>(sql, `SELECT count(*)::int AS n FROM source_held_deliveries WHERE source_id = $1`, [sourceId]);
  return row?.n ?? 0;
}
