// Where the scheduling core meets a channel: its stored policy compiled for the pure core (src/scheduling/), and
// the next free instants on it. The store loads what is taken; the core decides.
import { compilePolicy, defaultPolicy, type CompiledPolicy, type PostingPolicy } from '../scheduling/policy.js';
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
  (channel.policy as PostingPolicy | null) ?? defaultPolicy(limitsFor(channel.platform));

export const compileFor = (channel: SchedulableChannel): CompiledPolicy =>
  compilePolicy(policyOf(channel), { timezone: channel.timezone, limits: limitsFor(channel.platform), paused: channel.paused });

/** The next `count` allowed instants on a channel from `from`, each with what moved it there. */
export async function nextSlots(sql: Sql, channel: SchedulableChannel, from: number, count: number): Promise<{ at: Date; reason: string | null }[]> {
  const policy = compileFor(channel);
  const occupied = await loadOccupancy(sql, channel.id, from, from + SHIFT_LIMIT_MS);
  const slots: { at: Date; reason: string | null }[] = [];
  let t = from;
  while (slots.length < count) {
    const answer = findSlot(policy, occupied, t, from + SHIFT_LIMIT_MS);
    if (answer.at === null) break;
    slots.push({ at: new Date(answer.at), reason: answer.hits.length ? explainHit(answer.hits.at(-1)!, channel.timezone) : null });
    occupied.add(answer.at);
    t = answer.at + Math.max(1000, policy.minIntervalMs);
  }
  return slots;
}
