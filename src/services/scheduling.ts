// Where the scheduling core meets the database: a channel's policy and its taken instants are loaded here, the
// pure core (src/scheduling/) decides, and the callers save the result.
import { compilePolicy, defaultPolicy, type CompiledPolicy, type PostingPolicy } from '../scheduling/policy.js';
import { Occupancy } from '../scheduling/occupancy.js';
import { findSlot, violationsAt, type RuleHit } from '../scheduling/slots.js';
import { explainHit, explainMove } from '../scheduling/explain.js';

/** Runs a query and returns its rows: a pg client's query, or a Prisma transaction's $queryRawUnsafe. */
export type SqlQuery = <T>(text: string, values: unknown[]) => Promise<T[]>;

/** A SqlQuery over a pg client (inside the caller's transaction). */
export const clientSql = (client: { query: (text: string, values: unknown[]) => Promise<{ rows: unknown[] }> }): SqlQuery => async (text, values) =>
  (await client.query(text, values)).rows as never;

/** A SqlQuery over a Prisma client or interactive transaction. */
export const txSql = (client: { $queryRawUnsafe: (text: string, ...values: unknown[]) => Promise<unknown> }): SqlQuery => (text, values) =>
  client.$queryRawUnsafe(text, ...values) as never;

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
  (channel.policy as PostingPolicy | null) ?? defaultPolicy(channel.platform);

export const compileFor = (channel: SchedulableChannel): CompiledPolicy =>
  compilePolicy(policyOf(channel), { timezone: channel.timezone, platform: channel.platform, paused: channel.paused });

/** Instants taken on a channel around [from, until): scheduled or publishing ones, and when published ones went out. */
export async function loadOccupancy(query: SqlQuery, channelId: string, from: number, until: number, exclude: string[] = []): Promise<Occupancy> {
  const rows = await query<{ at: Date }>(
    `SELECT coalesce(published_at, scheduled_at) AS at FROM deliveries
      WHERE channel_id = $1::uuid AND status IN ('SCHEDULED', 'PUBLISHING', 'PUBLISHED')
        AND coalesce(published_at, scheduled_at) >= $2 AND coalesce(published_at, scheduled_at) < $3
        AND NOT (id = ANY($4::uuid[]))`,
    [channelId, new Date(from - 2 * DAY), new Date(until + 8 * DAY), exclude],
  );
  return new Occupancy(rows.map((r) => new Date(r.at).getTime()));
}

/** Serialises scheduling decisions on a channel: two transactions never both take its last slot. */
export async function lockChannels(query: SqlQuery, channelIds: string[]): Promise<void> {
  if (channelIds.length) await query(`SELECT id FROM channels WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [channelIds]);
}

export interface Decision {
  scheduledAt: Date;
  /** The requested instant, when the policy moved it. */
  requestedAt: Date | null;
  reason: string | null;
}

export interface Refusal {
  reasons: string[];
}

/**
 * Where a delivery requested at `requested` goes on this channel: SHIFT moves it to the nearest allowed instant,
 * EXACT refuses it when a rule forbids the instant. Call inside a transaction that holds lockChannels.
 */
export async function decideRequested(query: SqlQuery, channel: SchedulableChannel, requested: Date, mode: 'SHIFT' | 'EXACT', exclude: string[] = []): Promise<Decision | Refusal> {
  const policy = compileFor(channel);
  const t = requested.getTime();
  const occupied = await loadOccupancy(query, channel.id, t, t + SHIFT_LIMIT_MS, exclude);
  if (mode === 'EXACT') {
    const hits = violationsAt(policy, occupied, t);
    return hits.length ? { reasons: hits.map((h) => explainHit(h, channel.timezone)) } : { scheduledAt: requested, requestedAt: null, reason: null };
  }
  const answer = findSlot(policy, occupied, t, t + SHIFT_LIMIT_MS);
  if (answer.at === null) return { reasons: answer.hits.slice(-1).map((h) => explainHit(h, channel.timezone)) };
  if (answer.at === t) return { scheduledAt: requested, requestedAt: null, reason: null };
  return { scheduledAt: new Date(answer.at), requestedAt: requested, reason: explainMove(t, answer.at, answer.hits, channel.timezone) };
}

export const isRefusal = (d: Decision | Refusal): d is Refusal => 'reasons' in d;

/** The next `count` allowed instants on a channel from `from`, each with what moved it there. */
export async function nextSlots(query: SqlQuery, channel: SchedulableChannel, from: number, count: number): Promise<{ at: Date; reason: string | null }[]> {
  const policy = compileFor(channel);
  const occupied = await loadOccupancy(query, channel.id, from, from + SHIFT_LIMIT_MS);
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

export type { RuleHit };
