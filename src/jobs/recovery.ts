// Takes over what a dead worker left behind (see store/workers.ts):
//   - publish attempts it had in flight: closed as UNKNOWN, then a network that honours our idempotency key gets the
//     same request again (it cannot post twice); one that does not is left UNCONFIRMED for a person, because a
//     double post is worse than a late one;
//   - jobs its graphile-worker pool had fetched: handed back, so they run within seconds instead of hours;
//   - deliveries still SCHEDULED long past their time (a job lost some other way): their job is queued again.
// And what this worker left behind itself: attempts it claimed but never heard back about (the claim's answer was
// lost with the connection), which sent nothing and go back to SCHEDULED.
// Nothing is taken over the first time it looks abandoned: only once it has looked so for `graceMs`, on sweeps no
// further apart than that. A live worker whose connection dropped for a moment (a database restart) locks its key
// again within a second or so, and must find its attempts and jobs as it left them.
import type pg from 'pg';
import { transaction } from '../store/sql.js';
import { enqueuePublishJobs } from '../store/jobs.js';
import { findAbandonedAttempts, findOverdueDeliveries, findStrayAttempts, recoverAttempt, releaseStrayAttempt } from '../store/publishing.js';
import { findDeadPools, unlockPools } from '../store/workers.js';
import { settleLater } from './settleUnconfirmed.js';
import type { ProviderRegistry } from '../integrations/registry.js';
import type { Logger } from '../logger.js';

export interface RecoveryOptions {
  pool: pg.Pool;
  providers: ProviderRegistry;
  logger: Logger;
  /** This worker's own key: its attempts are never abandoned by itself. */
  ownKey: number;
  /** The attempts this worker is making right now (claimed, answer awaited or being recorded). */
  inFlight: ReadonlySet<string>;
  graceMs: number;
  overdueMs: number;
}

export interface RecoverySweep {
  (): Promise<{ recovered: number; released: number; unlocked: number; requeued: number }>;
  /** The sweep could not run (this worker lost its own lock): what it saw before is stale. */
  forget(): void;
}

/** Things seen looking abandoned, and since when; only what is seen again on the next sweep stays. */
class Suspects {
  private since = new Map<string, number>();

  /** Of `seen`, those that have looked abandoned for at least `graceMs`. */
  ripe(seen: string[], now: number, graceMs: number): Set<string> {
    const next = new Map<string, number>();
    for (const id of seen) next.set(id, this.since.get(id) ?? now);
    this.since = next;
    return new Set(seen.filter((id) => now - next.get(id)! >= graceMs));
  }

  forget(id?: string) {
    if (id === undefined) this.since.clear();
    else this.since.delete(id);
  }
}

export function createRecoverySweep({ pool, providers, logger, ownKey, inFlight, graceMs, overdueMs }: RecoveryOptions): RecoverySweep {
  const abandoned = new Suspects();
  const strays = new Suspects();
  const pools = new Suspects();
  let lastSweep = 0;

  const sweep = async () => {
    const now = Date.now();
    // Sweeps too far apart cannot tell a worker that is gone from one that was away for a moment.
    if (now - lastSweep > 2 * graceMs) for (const s of [abandoned, strays, pools]) s.forget();
    lastSweep = now;

    const { recovered, released } = await transaction(pool, async (client) => {
      const found = await findAbandonedAttempts(client, ownKey);
      const ripe = abandoned.ripe(
        found.map((a) => a.attemptId),
        now,
        graceMs,
      );
      for (const a of found.filter((f) => ripe.has(f.attemptId))) {
        abandoned.forget(a.attemptId);
        const idempotent = providers.get(a.platform).idempotent;
        const lastError = idempotent
          ? `The worker stopped while publishing to ${a.platform}: sent again with the same idempotency key`
          : `The worker stopped while publishing to ${a.platform}: the post may or may not be there, and ${a.platform} has no way to retry safely. Check the channel, then confirm it (confirmPublished) or retry it (retryDelivery with force).`;
        await recoverAttempt(client, a, idempotent, lastError);
        if (!idempotent) await settleLater(client, providers, a.platform, a.deliveryId);
        logger.warn('recovered a publish abandoned by a stopped worker', { deliveryId: a.deliveryId, retried: idempotent });
      }
      const own = await findStrayAttempts(client, ownKey, [...inFlight]);
      // A claim made while this ran, not yet in the set, is only a suspect: the grace lets it join the set first.
      const lost = strays.ripe(
        own.map((a) => a.attemptId),
        now,
        graceMs,
      );
      for (const a of own.filter((o) => lost.has(o.attemptId))) {
        strays.forget(a.attemptId);
        await releaseStrayAttempt(client, a);
        logger.warn('queued again a delivery whose claim answer was lost (nothing was sent)', { deliveryId: a.deliveryId });
      }
      return { recovered: ripe.size, released: lost.size };
    });

    const dead = pools.ripe(await findDeadPools(pool), now, graceMs);
    await unlockPools(pool, [...dead]);
    for (const id of dead) pools.forget(id);
    if (dead.size) logger.warn('handed back jobs fetched by stopped workers', { pools: dead.size });

    const requeued = await transaction(pool, async (client) => {
      const overdue = await findOverdueDeliveries(client, overdueMs);
      await enqueuePublishJobs(
        client,
        overdue.map((id) => ({ deliveryId: id, runAt: new Date() })),
      );
      return overdue.length;
    });
    if (requeued) logger.warn('queued overdue deliveries again', { count: requeued });
    return { recovered, released, unlocked: dead.size, requeued };
  };
  return Object.assign(sweep, { forget: () => [abandoned, strays, pools].forEach((s) => s.forget()) });
}
