// Where a requested time lands on each target channel, under the channels' posting policies: the one placement
// function behind createPost, bulkCreatePosts, reschedules, retries and previewSchedule. Requests are placed in
// order, each taking its slot before the next is placed; with `lock`, inside the caller's transaction, holding the
// channels' row locks until it commits.
import type { Channel } from '../generated/prisma/client.js';
import { findSlot, violationsAt } from '../scheduling/slots.js';
import { explainHit, explainMove } from '../scheduling/explain.js';
import type { CompiledPolicy } from '../scheduling/policy.js';
import type { Occupancy } from '../scheduling/occupancy.js';
import { loadOccupancy, lockChannels } from '../store/channels.js';
import type { Sql } from '../store/sql.js';
import { compileFor, SHIFT_LIMIT_MS, type SchedulableChannel } from './scheduling.js';
import { ValidationError } from '../domain/errors.js';

/** SHIFT: nearest allowed instant; EXACT: that instant or a refusal; IMMEDIATE: now, whatever the hours. */
export type RequestMode = 'SHIFT' | 'EXACT' | 'IMMEDIATE';

export interface PlacementRequest {
  /** The caller's name for this request (a row index and channel, say). */
  key: string;
  channel: SchedulableChannel;
  at: Date;
  mode: RequestMode;
  /** The delivery being moved, if it exists: its own current slot does not count against it. */
  deliveryId?: string;
}

export interface Placed {
  key: string;
  channelId: string;
  deliveryId?: string;
  scheduledAt: Date;
  requestedAt: Date | null;
  reason: string | null;
}

export interface Refused {
  key: string;
  channelId: string;
  deliveryId?: string;
  rule: 'postingPolicy' | 'noSlot';
  message: string;
  /** The rule codes that refused it (slots.ts RuleCode). */
  rules: string[];
  /** EXACT: where a SHIFT would have put it (the nearest allowed instant at or after the one asked for), if anywhere. */
  nearestAllowedAt: Date | null;
}

export interface PlacementPlan {
  placed: Map<string, Placed>;
  refused: Refused[];
  /** Each channel's policy and what is taken on it, this plan's placements included (the preview goes on from there). */
  schedules: Map<string, { policy: CompiledPolicy; occupied: Occupancy }>;
}

const IMMEDIATE_REASON = 'Published now on request: posting hours and intervals do not apply';

export async function placeRequests(sql: Sql, requests: PlacementRequest[], options: { lock: boolean }): Promise<PlacementPlan> {
  const channels = new Map<string, SchedulableChannel>();
  for (const r of requests) if (r.mode !== 'IMMEDIATE') channels.set(r.channel.id, r.channel);
  if (options.lock) await lockChannels(sql, [...channels.keys()]);
  // A loop, not Math.min(...times): a bulk of 50,000 posts on several channels is more arguments than V8 takes.
  let from = Infinity;
  let latest = -Infinity;
  for (const r of requests) {
    from = Math.min(from, r.at.getTime());
    latest = Math.max(latest, r.at.getTime());
  }
  if (!requests.length) from = latest = Date.now();
  const until = latest + SHIFT_LIMIT_MS;
  const moving = requests.flatMap((r) => (r.deliveryId ? [r.deliveryId] : []));
  const schedules = new Map<string, { policy: CompiledPolicy; occupied: Occupancy }>();
  for (const channel of channels.values()) {
    schedules.set(channel.id, { policy: compileFor(channel), occupied: await loadOccupancy(sql, channel.id, from, until, moving) });
  }
  const placed = new Map<string, Placed>();
  const refused: Refused[] = [];
  for (const r of requests) {
    const t = r.at.getTime();
    const base = { key: r.key, channelId: r.channel.id, deliveryId: r.deliveryId };
    if (r.mode === 'IMMEDIATE') {
      placed.set(r.key, { ...base, scheduledAt: r.at, requestedAt: null, reason: IMMEDIATE_REASON });
      continue;
    }
    const { policy, occupied } = schedules.get(r.channel.id)!;
    const where = `${r.channel.platform} channel "${r.channel.name}"`;
    if (r.mode === 'EXACT') {
      const hits = violationsAt(policy, occupied, t);
      if (hits.length) {
        // The calendar springs a refused drop back and offers this instead.
        const nearest = findSlot(policy, occupied, t, t + SHIFT_LIMIT_MS).at;
        refused.push({
          ...base,
          rule: 'postingPolicy',
          message: `${where} does not allow ${r.at.toISOString()}: ${hits.map((h) => explainHit(h, r.channel.timezone)).join('; ')}`,
          rules: hits.map((h) => h.code),
          nearestAllowedAt: nearest === null ? null : new Date(nearest),
        });
      } else placed.set(r.key, { ...base, scheduledAt: r.at, requestedAt: null, reason: null });
    } else {
      const answer = findSlot(policy, occupied, t, t + SHIFT_LIMIT_MS);
      if (answer.at === null) {
        const why = answer.hits
          .slice(-1)
          .map((h) => explainHit(h, r.channel.timezone))
          .join('');
        refused.push({
          ...base,
          rule: 'noSlot',
          message: `${where} has no allowed instant in the 60 days from ${r.at.toISOString()}: ${why}`,
          rules: answer.hits.slice(-1).map((h) => h.code),
          nearestAllowedAt: null,
        });
        continue;
      }
      const moved = answer.at !== t;
      placed.set(r.key, {
        ...base,
        scheduledAt: new Date(answer.at),
        requestedAt: moved ? r.at : null,
        reason: moved ? explainMove(t, answer.at, answer.hits, r.channel.timezone) : null,
      });
    }
    const taken = placed.get(r.key);
    if (taken) occupied.add(taken.scheduledAt.getTime());
  }
  return { placed, refused, schedules };
}

/**
 * Places every request or refuses them all, each refusal an issue at `path` with its rule codes, nearest allowed
 * instant, channel and delivery (when it exists). With one request only (rescheduleDelivery, the calendar's drop),
 * its rules and nearest allowed instant are also the error's own extensions: with several they would name one
 * channel's answer for all. Inside the caller's transaction.
 */
export async function placeOrRefuse(sql: Sql, requests: PlacementRequest[], path: (string | number)[]): Promise<Placed[]> {
  const plan = await placeRequests(sql, requests, { lock: true });
  const [first] = plan.refused;
  if (first) {
    const iso = (at: Date | null) => at?.toISOString() ?? null;
    const issues = plan.refused.map((r) => ({
      path,
      rule: r.rule,
      message: r.message,
      rules: r.rules,
      nearestAllowedAt: iso(r.nearestAllowedAt),
      channelId: r.channelId,
      ...(r.deliveryId && { deliveryId: r.deliveryId }),
    }));
    throw new ValidationError(issues, requests.length === 1 ? { rules: first.rules, nearestAllowedAt: iso(first.nearestAllowedAt) } : {});
  }
  return requests.map((r) => plan.placed.get(r.key)!);
}

/** The request mode a post's own scheduling mode implies for a new time chosen by a person. */
export const modeForReschedule = (mode: string): RequestMode => (mode === 'EXACT' ? 'EXACT' : 'SHIFT');

export type { Channel };
