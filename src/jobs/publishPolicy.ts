// The posting policy, enforced a second time when a delivery falls due: the channel's hours, blackouts, interval or
// caps may have changed, or filled, since it was scheduled; and the platforms' announced rate limits (rateLimits.ts).
// A refused delivery moves to its next allowed instant (recorded, and pushed by the NOTIFY trigger) instead of being
// published or dropped.
//   - hours and blackouts depend only on the clock: checked for a batch of deliveries at once, without locks;
//   - intervals and caps depend on what else went out: checked under the channel's row lock, held until the claim
//     commits, so two workers never both take the last slot under a cap.
import type pg from 'pg';
import { compilePolicy, type CompiledPolicy, type PostingPolicy } from '../scheduling/policy.js';
import { Occupancy } from '../scheduling/occupancy.js';
import { findSlot, violationsAt, type RuleHit } from '../scheduling/slots.js';
import { explainMove } from '../scheduling/explain.js';
import { completePolicy } from '../scheduling/policy.js';
import { limitsFor } from '../integrations/limits.js';
import { BLOCK_COLUMNS, BLOCK_JOIN } from '../store/rateLimits.js';
import { loadOccupancy, loadRecentlyOut, lockChannels } from '../store/channels.js';
import { postponeDelivery } from '../store/deliveries.js';
import { SHIFT_LIMIT_MS } from '../services/scheduling.js';

export interface DueDelivery {
  id: string;
  status: string;
  due: boolean;
  /** As read: a move applies only if the delivery still has these (store/deliveries.ts postponeDelivery `seen`). */
  scheduled_at: Date;
  /** Out at once, outside posting hours and intervals (publishNow, publishDeliveryNow): deliveries.publish_now alone says it. */
  publish_now: boolean;
  channel_id: string;
  platform: string;
  timezone: string;
  paused: boolean;
  policy: Partial<PostingPolicy> | null;
  blocked_until: Date | null;
  block_reason: string | null;
}

/** What the worker does with a due delivery: claim it as is, claim it under the channel lock, or move it. */
export type Gate =
  { kind: 'free' } | { kind: 'wait'; until: Date; reason: string } | { kind: 'locked'; policy: CompiledPolicy } | { kind: 'move'; policy: CompiledPolicy; hits: RuleHit[] };

export const DUE_DELIVERIES = `
  SELECT d.id, d.status, d.scheduled_at <= now() + interval '1 second' AS due, d.scheduled_at, d.publish_now, ch.id AS channel_id,
         ch.platform::text AS platform, ch.timezone, ch.paused, ch.policy, ${BLOCK_COLUMNS}
    FROM deliveries d JOIN channels ch ON ch.id = d.channel_id
         ${BLOCK_JOIN}
   WHERE d.id = ANY($1::uuid[])`;

const CLOCK_RULES = new Set(['OUTSIDE_WINDOW', 'BLACKOUT', 'NO_WINDOWS']);
const compiled = new Map<string, CompiledPolicy>();

/** The policy as it applies to this delivery: one to publish now ignores hours and intervals, never caps. */
export function policyFor(d: Pick<DueDelivery, 'policy' | 'platform' | 'timezone' | 'publish_now'>): CompiledPolicy {
  const base = completePolicy(d.policy, limitsFor(d.platform));
  const immediate = d.publish_now;
  const key = `${d.platform}|${d.timezone}|${immediate}|${JSON.stringify(base)}`;
  let policy = compiled.get(key);
  if (!policy) {
    const effective = immediate ? { ...base, windows: {}, blackouts: [], minIntervalMinutes: 0 } : base;
    policy = compilePolicy(effective, { timezone: d.timezone, limits: limitsFor(d.platform), paused: false });
    if (compiled.size > 1000) compiled.clear();
    compiled.set(key, policy);
  }
  return policy;
}

const dependsOnOthers = (p: CompiledPolicy) => p.minIntervalMs > 0 || p.dailyCap !== null || p.rollingCaps.length > 0;

/** The lock-free part of the check. Anything not SCHEDULED and due, or on a paused channel, is left to the claim. */
export function gateFor(d: DueDelivery | undefined, now: number): Gate {
  if (!d || d.status !== 'SCHEDULED' || !d.due || d.paused) return { kind: 'free' };
  if (d.blocked_until) return { kind: 'wait', until: d.blocked_until, reason: d.block_reason ?? 'rate limit' };
  const policy = policyFor(d);
  const hits = violationsAt(policy, new Occupancy(), now).filter((h) => CLOCK_RULES.has(h.code));
  if (hits.length) return { kind: 'move', policy, hits };
  return dependsOnOthers(policy) ? { kind: 'locked', policy } : { kind: 'free' };
}

/**
 * Under the channel's row lock (the caller's open transaction): the rules that depend on what else went out.
 * Returns the hits that refuse publishing now (empty: go ahead and claim, still inside the transaction).
 */
export async function lockAndCheck(client: pg.PoolClient, deliveryId: string, channelId: string, policy: CompiledPolicy, now: number): Promise<RuleHit[]> {
  await lockChannels(client, [channelId]);
  return violationsAt(policy, await loadRecentlyOut(client, channelId, deliveryId), now);
}

/**
 * Moves a due delivery to its next allowed instant (or back to PENDING when there is none), in the caller's
 * transaction. One to publish now is moved only by a cap: that ends its "now" (store/deliveries.ts scheduleDeliveries),
 * so its next instant is found under the whole policy, hours included. False: the delivery changed since the gate
 * read it (a reschedule or publishDeliveryNow won, with its own job), and nothing was moved.
 */
export async function moveDelivery(client: pg.PoolClient, d: DueDelivery, policy: CompiledPolicy, hits: RuleHit[], now: number): Promise<boolean> {
  const placing = d.publish_now ? policyFor({ ...d, publish_now: false }) : policy;
  const occupied = await loadOccupancy(client, d.channel_id, now, now + SHIFT_LIMIT_MS, [d.id]);
  const answer = findSlot(placing, occupied, now, now + SHIFT_LIMIT_MS);
  const reason = `At publish time: ${explainMove(now, answer.at, [...hits, ...answer.hits], d.timezone)}`;
  return postponeDelivery(client, d.id, answer.at === null ? null : new Date(answer.at), reason, {
    recordRequested: true,
    seen: { scheduledAt: d.scheduled_at, publishNow: d.publish_now },
    clearPublishNow: true,
  });
}
