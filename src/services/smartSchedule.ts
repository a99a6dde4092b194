// The smart scheduler ("add to queue"): PENDING deliveries get evenly spread slots over the horizon, one channel
// at a time under that channel's lock. Run by the smart_schedule job (periodically and after bulk creation) and
// by the runSmartSchedule / autoSchedule mutations.
import type pg from 'pg';
import { rows, transaction } from '../store/sql.js';
import { CHANNEL_IS_ACTIVE, channelsWithPending, loadOccupancy, lockChannels } from '../store/channels.js';
import { explainDeliveries, placePendingDeliveries } from '../store/deliveries.js';
import { placePending, type PendingDelivery } from '../scheduling/distribute.js';
import { explainHit } from '../scheduling/explain.js';
import type { RuleHit } from '../scheduling/slots.js';
import { compileFor, type SchedulableChannel } from './scheduling.js';

export interface SmartScheduleSummary {
  placed: number;
  pending: number;
  channels: number;
}

export async function runSmartSchedule(pool: pg.Pool, options: { horizonMs: number; workspaceId?: string; now?: number }): Promise<SmartScheduleSummary> {
  const channelIds = await channelsWithPending(pool, options.workspaceId ?? null);
  const summary: SmartScheduleSummary = { placed: 0, pending: 0, channels: channelIds.length };
  for (const channelId of channelIds) {
    const { placed, pending } = await scheduleChannel(pool, channelId, options.now ?? Date.now(), options.horizonMs);
    summary.placed += placed;
    summary.pending += pending;
  }
  return summary;
}

async function scheduleChannel(pool: pg.Pool, channelId: string, now: number, horizonMs: number) {
  return transaction(pool, async (client) => {
    await lockChannels(client, [channelId]);
    const [channel] = await rows<SchedulableChannel>(
      client,
      `SELECT id, name, platform::text, timezone, NOT ${CHANNEL_IS_ACTIVE} AS paused, policy FROM channels ch WHERE id = $1`,
      [channelId],
    );
    const pending = await rows<{ id: string; priority: number; created_at: Date; source: string; schedule_reason: string | null }>(
      client,
      `SELECT d.id, p.priority, p.created_at, p.source::text AS source, d.schedule_reason
         FROM deliveries d JOIN posts p ON p.id = d.post_id
        WHERE d.channel_id = $1 AND d.status = 'PENDING'`,
      [channelId],
    );
    const schedule = { policy: compileFor(channel, 'QUEUE'), occupied: await loadOccupancy(client, channelId, now, now + horizonMs) };
    const items: PendingDelivery[] = pending.map((d) => ({ id: d.id, channelId, priority: d.priority, createdAt: new Date(d.created_at).getTime(), sourceKey: d.source }));
    const { placed, unplaced } = placePending(items, new Map([[channelId, schedule]]), now, horizonMs);

    const days = Math.round(horizonMs / 86_400_000);
    await placePendingDeliveries(
      client,
      placed.map((p) => ({
        deliveryId: p.id,
        at: new Date(p.at),
        reason: `Placed by the smart scheduler in the queue hours: slot ${p.slot} of ${p.slots} free in the next ${days} days`,
      })),
    );
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
    await explainDeliveries(
      client,
      changed.map((u) => ({ deliveryId: u.id, reason: u.reason })),
    );
    return { placed: placed.length, pending: unplaced.length };
  });
}
