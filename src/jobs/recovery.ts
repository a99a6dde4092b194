// Takes over publish attempts whose worker died mid-call (see workerLiveness.ts). The attempt is closed as
// UNKNOWN, then: a network that honours our idempotency key gets the same request again (it cannot post twice);
// one that does not is failed with a message saying to check, because a double post is worse than a late one.
import type pg from 'pg';
import { withTransaction, executorFor } from '../db/transaction.js';
import { enqueuePublishJobs } from './queue.js';
import { WORKER_IS_GONE_SQL } from './workerLiveness.js';
import type { ProviderRegistry } from '../integrations/registry.js';
import type { PlatformName } from '../integrations/types.js';
import type { Logger } from '../logger.js';

export async function recoverAbandonedPublishes(pool: pg.Pool, providers: ProviderRegistry, logger: Logger): Promise<number> {
  return withTransaction(pool, async (client) => {
    const { rows } = await client.query<{ attempt_id: string; delivery_id: string; platform: PlatformName }>(
      `SELECT a.id AS attempt_id, a.delivery_id, ch.platform
         FROM delivery_attempts a
         JOIN deliveries d ON d.id = a.delivery_id AND d.status = 'PUBLISHING'
         JOIN channels ch ON ch.id = d.channel_id
        WHERE a.outcome = 'IN_PROGRESS' AND ${WORKER_IS_GONE_SQL}
        FOR UPDATE OF a, d SKIP LOCKED`,
    );
    const now = new Date();
    for (const row of rows) {
      const idempotent = providers.get(row.platform).idempotent;
      await client.query(
        `UPDATE delivery_attempts SET outcome = 'UNKNOWN', finished_at = now(), error_class = 'WORKER_LOST',
                response_message = 'The worker stopped during this attempt' WHERE id = $1`,
        [row.attempt_id],
      );
      if (idempotent) {
        await client.query(`UPDATE deliveries SET status = 'SCHEDULED', scheduled_at = $2, updated_at = now() WHERE id = $1`, [row.delivery_id, now]);
        await enqueuePublishJobs(executorFor(client), [{ deliveryId: row.delivery_id, runAt: now }]);
      } else {
        await client.query(`UPDATE deliveries SET status = 'FAILED', last_error = $2, updated_at = now() WHERE id = $1`, [
          row.delivery_id,
          `The worker stopped while publishing to ${row.platform}: the post may or may not be there, and ${row.platform} has no way to retry safely. Check the channel, then retry if it is missing.`,
        ]);
      }
      logger.warn('recovered a publish abandoned by a stopped worker', { deliveryId: row.delivery_id, retried: idempotent });
    }
    return rows.length;
  });
}

/**
 * A job fetched by a worker that was then killed stays locked in graphile-worker for hours. Deliveries still
 * SCHEDULED well past their time get their job queued again: harmless if the old job is merely slow, because the
 * claim in publishDelivery lets only one job publish.
 */
export async function requeueOverdueDeliveries(pool: pg.Pool, overdueMs: number, logger: Logger): Promise<number> {
  return withTransaction(pool, async (client) => {
    const { rows } = await client.query<{ id: string }>(
      `SELECT d.id FROM deliveries d JOIN channels ch ON ch.id = d.channel_id
        WHERE d.status = 'SCHEDULED' AND d.scheduled_at < now() - make_interval(secs => $1::float8 / 1000)
          AND NOT ch.paused AND NOT ch.needs_reconnect AND ch.deleted_at IS NULL
        ORDER BY d.scheduled_at LIMIT 1000
        FOR UPDATE OF d SKIP LOCKED`,
      [overdueMs],
    );
    const now = new Date();
    await enqueuePublishJobs(executorFor(client), rows.map((r) => ({ deliveryId: r.id, runAt: now })));
    if (rows.length) logger.warn('queued overdue deliveries again', { count: rows.length });
    return rows.length;
  });
}
