// The smart scheduler ("add to queue"): PENDING deliveries get evenly spread slots over the horizon, one channel
// at a time under that channel's lock. Run by the smart_schedule job (periodically and after bulk creation) and
// by the runSmartSchedule / autoSchedule mutations.
import type pg from 'pg';
import { withTransaction, executorFor } from '../db/transaction.js';
import { enqueuePublishJobs } from '../jobs/queue.js';
import { placePending, type PendingDelivery } from '../scheduling/distribute.js';
import { explainHit } from '../scheduling/explain.js';
import type { RuleHit } from '../scheduling/slots.js';
import { clientSql, compileFor, loadOccupancy, lockChannels, type SchedulableChannel } from './scheduling.js';

export const SMART_SCHEDULE_TASK = 'smart_schedule';

export interface SmartScheduleSummary {
  placed: number;
  pending: number;
  channels: number;
}

export async function runSmartSchedule(pool: pg.Pool, options: { horizonMs: number; workspaceId?: string; now?: number }): Promise<SmartScheduleSummary> {
  const { rows } = await pool.query<{ channel_id: string }>(
    `SELECT DISTINCT channel_id FROM deliveries WHERE status = 'PENDING' AND ($1::uuid IS NULL OR workspace_id = $1::uuid) ORDER BY channel_id`,
    [options.workspaceId ?? null],
  );
  const summary: SmartScheduleSummary = { placed: 0, pending: 0, channels: rows.length };
  for (const { channel_id } of rows) {
    const { placed, pending } = await scheduleChannel(pool, channel_id, options.now ?? Date.now(), options.horizonMs);
    summary.placed += placed;
    summary.pending += pending;
  }
  return summary;
}

async function scheduleChannel(pool: pg.Pool, channelId: string, now: number, horizonMs: number) {
  return withTransaction(pool, async (client) => {
    const query = clientSql(client);
    await lockChannels(query, [channelId]);
    const [channel] = await query<SchedulableChannel>(
      `SELECT id, name, platform::text, timezone, paused OR deleted_at IS NOT NULL OR needs_reconnect AS paused, policy FROM channels WHERE id = $1`,
      [channelId],
    );
    const pending = await query<{ id: string; priority: number; created_at: Date; source: string; schedule_reason: string | null }>(
      `SELECT d.id, p.priority, p.created_at, p.source::text AS source, d.schedule_reason
         FROM deliveries d JOIN posts p ON p.id = d.post_id
        WHERE d.channel_id = $1 AND d.status = 'PENDING'`,
      [channelId],
    );
    const schedule = { policy: compileFor(channel), occupied: await loadOccupancy(query, channelId, now, now + horizonMs) };
    const items: PendingDelivery[] = pending.map((d) => ({ id: d.id, channelId, priority: d.priority, createdAt: new Date(d.created_at).getTime(), sourceKey: d.source }));
    const { placed, unplaced } = placePending(items, new Map([[channelId, schedule]]), now, horizonMs);

    if (placed.length) {
      await client.query(
        `UPDATE deliveries d SET status = 'SCHEDULED', scheduled_at = u.at, schedule_reason = u.reason, updated_at = now()
           FROM unnest($1::uuid[], $2::timestamptz[], $3::text[]) AS u(id, at, reason)
          WHERE d.id = u.id AND d.status = 'PENDING'`,
        [placed.map((p) => p.id), placed.map((p) => new Date(p.at)), placed.map((p) => `Placed by the smart scheduler: slot ${p.slot} of ${p.slots} free in the next ${Math.round(horizonMs / 86_400_000)} days`)],
      );
      await enqueuePublishJobs(executorFor(client), placed.map((p) => ({ deliveryId: p.id, runAt: new Date(p.at) })));
    }
    const reasons = new Map(pending.map((d) => [d.id, d.schedule_reason]));
    // Most unplaced deliveries share one reason (the horizon is full): explain each distinct hit once.
    const explained = new Map<string, string>();
    const explain = (hit: RuleHit | undefined) => {
      const key = hit ? `${hit.code}:${hit.at}` : 'none';
      if (!explained.has(key)) explained.set(key, hit ? explainHit(hit, channel.timezone) : 'none free');
      return explained.get(key)!;
    };
    const changed = unplaced
      .map((u) => ({ id: u.id, reason: `Waiting for a free slot: ${explain(u.hits.at(-1))} (${u.capacity} usable in the horizon, ${pending.length} pending)` }))
      .filter((u) => reasons.get(u.id) !== u.reason);
    if (changed.length) {
      await client.query(`UPDATE deliveries d SET schedule_reason = u.reason FROM unnest($1::uuid[], $2::text[]) AS u(id, reason) WHERE d.id = u.id`, [
        changed.map((u) => u.id),
        changed.map((u) => u.reason),
      ]);
    }
    return { placed: placed.length, pending: unplaced.length };
  });
}

/** Queues a run of the smart scheduler now (one at a time: a second request replaces the first if not yet started). */
export async function requestSmartSchedule(sql: (text: string, values: unknown[]) => Promise<unknown>): Promise<void> {
  await sql(`SELECT graphile_worker.add_job($1, '{}'::json, job_key := $1, run_at := now())`, [SMART_SCHEDULE_TASK]);
}
