// Takes over what a dead worker left behind (see store/workers.ts):
//   - publish attempts it had in flight: closed as UNKNOWN, then a network that honours our idempotency key gets the
//     same request again (it cannot post twice); one that does not is left UNCONFIRMED for a person, because a
//     double post is worse than a late one;
//   - jobs its graphile-worker pool had fetched: handed back, so they run within seconds instead of hours;
//   - deliveries still SCHEDULED long past their time (a job lost some other way): their job is queued again.
// An attempt is only taken over once its worker has been seen gone for `graceMs`: a live worker whose connection
// dropped for a moment (a database restart) locks its key again within a second or so, and must find its own
// attempts as it left them.
import type pg from 'pg';
import { transaction } from '../store/sql.js';
import { enqueuePublishJobs } from '../store/jobs.js';
import { findAbandonedAttempts, findOverdueDeliveries, recoverAttempt } from '../store/publishing.js';
import { unlockJobsOfDeadPools } from '../store/workers.js';
import { settleLater } from './settleUnconfirmed.js';
import type { ProviderRegistry } from '../integrations/registry.js';
import type { Logger } from '../logger.js';

export interface RecoveryOptions {
  pool: pg.Pool;
  providers: ProviderRegistry;
  logger: Logger;
  /** This worker's own key: its attempts are never abandoned by itself. */
  ownKey: number | null;
  graceMs: number;
  overdueMs: number;
}

export interface RecoverySweep {
  (): Promise<{ recovered: number; unlocked: number; requeued: number }>;
}

export function createRecoverySweep({ pool, providers, logger, ownKey, graceMs, overdueMs }: RecoveryOptions): RecoverySweep {
  const suspects = new Map<string, number>();
  return async () => {
    const recovered = await transaction(pool, async (client) => {
      const found = await findAbandonedAttempts(client, ownKey);
      const now = Date.now();
      const seen = new Set(found.map((a) => a.attemptId));
      for (const id of suspects.keys()) if (!seen.has(id)) suspects.delete(id);
      let count = 0;
      for (const abandoned of found) {
        const since = suspects.get(abandoned.attemptId);
        if (since === undefined) suspects.set(abandoned.attemptId, now);
        if (since === undefined || now - since < graceMs) continue;
        suspects.delete(abandoned.attemptId);
        const idempotent = providers.get(abandoned.platform).idempotent;
        const lastError = idempotent
          ? `The worker stopped while publishing to ${abandoned.platform}: sent again with the same idempotency key`
          : `The worker stopped while publishing to ${abandoned.platform}: the post may or may not be there, and ${abandoned.platform} has no way to retry safely. Check the channel, then confirm it (confirmPublished) or retry it (retryDelivery with force).`;
        await recoverAttempt(client, abandoned, idempotent, lastError);
        if (!idempotent) await settleLater(client, providers, abandoned.platform, abandoned.deliveryId);
        logger.warn('recovered a publish abandoned by a stopped worker', { deliveryId: abandoned.deliveryId, retried: idempotent });
        count += 1;
      }
      return count;
    });
    const unlocked = await unlockJobsOfDeadPools(pool);
    if (unlocked) logger.warn('handed back jobs fetched by stopped workers', { pools: unlocked });
    const requeued = await transaction(pool, async (client) => {
      const overdue = await findOverdueDeliveries(client, overdueMs);
      await enqueuePublishJobs(
        client,
        overdue.map((id) => ({ deliveryId: id, runAt: new Date() })),
      );
      return overdue.length;
    });
    if (requeued) logger.warn('queued overdue deliveries again', { count: requeued });
    return { recovered, unlocked, requeued };
  };
}
