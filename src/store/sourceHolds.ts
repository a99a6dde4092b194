// A source whose store uninstalled PostFlow holds its posts not yet out: their SCHEDULED and PENDING deliveries become
// DRAFT (nothing claims or places a draft) with their jobs removed, and each is listed in source_held_deliveries
// with what it was. A reinstall releases exactly those still DRAFT (a person may have scheduled or cancelled one
// meanwhile): a timed one still ahead goes back to its time, any other to the smart scheduler.
import { edge } from '../domain/deliveryStatus.js';
import { enqueuePublishJobs, removePublishJobs, requestSmartSchedule } from './jobs.js';
import { rows, type Sql } from './sql.js';

const HOLD = edge(['SCHEDULED', 'PENDING'], 'DRAFT');
const RELEASE_TIMED = edge(['DRAFT'], 'SCHEDULED');
const RELEASE_QUEUED = edge(['DRAFT'], 'PENDING');

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

/** Releases what holdSourceDeliveries held and is still DRAFT. Returns how many went back. */
export async function releaseSourceDeliveries(sql: Sql, sourceId: string): Promise<number> {
  const released = await rows<{ id: string; status: string; scheduledAt: Date | null }>(
    sql,
    `WITH released AS (DELETE FROM source_held_deliveries WHERE source_id = $1 RETURNING delivery_id, held_from)
     UPDATE deliveries d
        SET status = CASE WHEN r.held_from = 'SCHEDULED' AND d.scheduled_at > now() THEN $2::"DeliveryStatus" ELSE $3::"DeliveryStatus" END,
            scheduled_at = CASE WHEN r.held_from = 'SCHEDULED' AND d.scheduled_at > now() THEN d.scheduled_at END,
            schedule_reason = CASE WHEN r.held_from = 'SCHEDULED' AND d.scheduled_at > now() THEN 'Released: the store reinstalled the app'
                                   ELSE 'Waiting for the smart scheduler' END,
            updated_at = now()
       FROM released r
      WHERE d.id = r.delivery_id AND d.status = ANY($4::"DeliveryStatus"[])
      RETURNING d.id, d.status::text AS status, d.scheduled_at AS "scheduledAt"`,
    [sourceId, RELEASE_TIMED.to, RELEASE_QUEUED.to, RELEASE_TIMED.from],
  );
  await enqueuePublishJobs(
    sql,
    released.filter((d) => d.status === 'SCHEDULED').map((d) => ({ deliveryId: d.id, runAt: d.scheduledAt! })),
  );
  if (released.some((d) => d.status === 'PENDING')) await requestSmartSchedule(sql);
  return released.length;
}

/** How many of the source's deliveries are held now. */
export async function countHeldDeliveries(sql: Sql, sourceId: string): Promise<number> {
  const [row] = await rows<{ n: number }>(sql, `SELECT count(*)::int AS n FROM source_held_deliveries WHERE source_id = $1`, [sourceId]);
  return row?.n ?? 0;
}
