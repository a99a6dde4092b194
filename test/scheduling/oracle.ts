// An independent reading of a policy, written from the rules' wording with luxon and plain loops, to check the
// slot finder and the placement against.
import { DateTime } from 'luxon';
import type { PostingPolicy, Week } from '../../src/scheduling/policy.js';
import { minutesOf } from '../../src/scheduling/policy.js';

export interface OracleChannel {
  policy: PostingPolicy;
  zone: string;
  paused?: boolean;
  rollingCaps?: { windowMs: number; max: number }[];
}

/** A week with no weekday at all restricts nothing; otherwise t must fall in one of its day's ranges. */
export function inWeek(week: Week, zone: string, t: number): boolean {
  if (Object.keys(week).length === 0) return true;
  const local = DateTime.fromMillis(t, { zone });
  const minute = local.hour * 60 + local.minute + local.second / 60 + local.millisecond / 60_000;
  return (week[String(local.weekday)] ?? []).some((r) => minute >= minutesOf(r.start) && minute < minutesOf(r.end));
}

export const allowedByWindows = (c: OracleChannel, t: number) => inWeek(c.policy.windows, c.zone, t);

export function inBlackout(c: OracleChannel, t: number): boolean {
  const local = DateTime.fromMillis(t, { zone: c.zone });
  const wall = local.toFormat("yyyy-LL-dd'T'HH:mm");
  const date = local.toISODate()!;
  return c.policy.blackouts.some((b) => {
    const afterStart = b.start.length === 10 ? date >= b.start : wall >= b.start;
    const beforeEnd = b.end.length === 10 ? date <= b.end : wall < b.end;
    return afterStart && beforeEnd;
  });
}

/** Every rule the instant t breaks, given the channel's other posts; with layer QUEUE, the queue's preferences too. */
export function brokenRules(c: OracleChannel, others: number[], t: number, layer: 'RULES' | 'QUEUE' = 'RULES'): string[] {
  const broken: string[] = [];
  if (layer === 'QUEUE') {
    if (!inWeek(c.policy.queueHours, c.zone, t)) broken.push('queueHours');
    const spacing = c.policy.queueSpacingMinutes * 60_000;
    if (spacing > 0 && others.some((o) => Math.abs(o - t) < spacing)) broken.push('queueSpacing');
  }
  if (c.paused) broken.push('paused');
  if (!allowedByWindows(c, t)) broken.push('window');
  if (inBlackout(c, t)) broken.push('blackout');
  const gap = c.policy.minIntervalMinutes * 60_000;
  if (gap > 0 && others.some((o) => Math.abs(o - t) < gap)) broken.push('interval');
  if (c.policy.dailyCap !== null) {
    const day = DateTime.fromMillis(t, { zone: c.zone }).toISODate();
    if (others.filter((o) => DateTime.fromMillis(o, { zone: c.zone }).toISODate() === day).length >= c.policy.dailyCap) broken.push('dailyCap');
  }
  const caps = [...(c.policy.rolling24hCap !== null ? [{ windowMs: 86_400_000, max: c.policy.rolling24hCap }] : []), ...(c.rollingCaps ?? [])];
  for (const { windowMs, max } of caps) {
    const all = [...others, t].sort((a, b) => a - b);
    // Windows containing t that start at one of the posts (where the fullest ones start).
    if (all.some((s) => s <= t && t < s + windowMs && all.filter((o) => o >= s && o < s + windowMs).length > max)) broken.push('rollingCap');
  }
  return broken;
}
