// Where a person's requested time lands on each target channel, under the channels' posting policies.
// Runs inside the caller's transaction, holding the channels' locks until it commits.
import type { DeliveryStatus } from '../domain/deliveryStatus.js';
import { decideRequested, isRefusal, lockChannels, txSql, type SchedulableChannel } from './scheduling.js';
import { Issues } from './validation.js';
import type { Tx } from './deps.js';

/** SHIFT: nearest allowed instant; EXACT: that instant or a refusal; IMMEDIATE: now, whatever the hours. */
export type RequestMode = 'SHIFT' | 'EXACT' | 'IMMEDIATE';

export interface Target {
  channel: SchedulableChannel;
  /** The delivery being moved, if it exists: its own current slot does not count against it. */
  deliveryId?: string;
}

export interface Placed {
  channelId: string;
  deliveryId?: string;
  scheduledAt: Date;
  requestedAt: Date | null;
  scheduleReason: string | null;
}

export async function placeRequested(tx: Tx, targets: Target[], at: Date, mode: RequestMode, path: (string | number)[]): Promise<Placed[]> {
  if (mode === 'IMMEDIATE') {
    return targets.map((t) => ({ channelId: t.channel.id, deliveryId: t.deliveryId, scheduledAt: at, requestedAt: null, scheduleReason: 'Published now on request: posting hours and intervals do not apply' }));
  }
  const query = txSql(tx);
  await lockChannels(query, [...new Set(targets.map((t) => t.channel.id))]);
  const issues = new Issues();
  const placed: Placed[] = [];
  for (const target of targets) {
    const { channel } = target;
    const decision = await decideRequested(query, channel, at, mode, target.deliveryId ? [target.deliveryId] : []);
    if (isRefusal(decision)) {
      const why = decision.reasons.join('; ');
      if (mode === 'EXACT') issues.add(path, 'postingPolicy', `${channel.platform} channel "${channel.name}" does not allow ${at.toISOString()}: ${why}`);
      else issues.add(path, 'noSlot', `${channel.platform} channel "${channel.name}" has no allowed instant in the 60 days from ${at.toISOString()}: ${why}`);
      continue;
    }
    placed.push({ channelId: channel.id, deliveryId: target.deliveryId, scheduledAt: decision.scheduledAt, requestedAt: decision.requestedAt, scheduleReason: decision.reason });
  }
  issues.throwIfAny();
  return placed;
}

/** The request mode a post's own scheduling mode implies for a new time chosen by a person. */
export const modeForReschedule = (mode: string): RequestMode => (mode === 'EXACT' ? 'EXACT' : 'SHIFT');

export type { DeliveryStatus };
