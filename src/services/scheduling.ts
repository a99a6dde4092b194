// Where the scheduling core meets a channel: its stored policy compiled for the pure core (src/scheduling/), and
// the next free instants on it. The store loads what is taken; the core decides.
import { compilePolicy, completePolicy, type CompiledPolicy, type PostingPolicy, type ScheduleLayer } from '../scheduling/policy.js';
import { limitsFor } from '../integrations/limits.js';
import { findSlot } from '../scheduling/slots.js';
import { explainHit } from '../scheduling/explain.js';
import { loadOccupancy } from '../store/channels.js';
import type { Sql } from '../store/sql.js';

export interface SchedulableChannel {
  id: string;
  name: string;
  platform: string;
  timezone: string;
  paused: boolean;
  policy: unknown;
}

const DAY = 86_400_000;
/** How far ahead a SHIFT request may move before it is refused. */
export const SHIFT_LIMIT_MS = 60 * DAY;

export const policyOf = (channel: Pick<SchedulableChannel, 'platform' | 'policy'>): PostingPolicy =>
  completePolicy(channel.policy as Partial<PostingPolicy> | null, limitsFor(channel.platform));

/** RULES for every timed post and at publish time; QUEUE for the smart scheduler's placements. */
export const compileFor = (channel: SchedulableChannel, layer: ScheduleLayer = 'RULES'): CompiledPolicy =>
  compilePolicy(policyOf(channel), { timezone: channel.timezone, limits: limitsFor(channel.platform), paused: channel.paused, layer });

/** The next `count` free instants on a channel from `from` under one layer, each with what moved it there. */
export async function nextSlots(
  sql: Sql,
  channel: SchedulableChannel,
  from: number,
  count: number,
  layer: ScheduleLayer = 'RULES',
): Promise<{ at: Date; reason: string | null }[]> {
  const policy = compileFor(channel, layer);
  const occupied = await loadOccupancy(sql, channel.id, from, from + SHIFT_LIMIT_MS);
  const slots: { at: Date; reason: string | null }[] = [];
  let t = from;
  while (slots.length < count) {
    const answer = findSlot(policy, occupied, t, from + SHIFT_LIMIT_MS);
    if (answer.at === null) break;
    slots.push({ at: new Date(answer.at), reason: answer.hits.length ? explainHit(answer.hits.at(-1)!, channel.timezone) : null });
    occupied.add(answer.at);
    t = answer.at + Math.max(1000, policy.minIntervalMs, policy.queue?.spacingMs ?? 0);
  }
  return slots;
}
