// An independent reading of a policy, written from the rules' wording with luxon and plain loops, to check the
// slot finder and the placement against.
import { DateTime } from 'luxon';
import type { PostingPolicy } from '../../src/scheduling/policy.js';
import { minutesOf } from '../../src/scheduling/policy.js';

export interface OracleChannel {
  policy: PostingPolicy;
  zone: string;
  paused?: boolean;
  rollingCaps?: { windowMs: number; max: number }[];
}

export function allowedByWindows(c: OracleChannel, t: number): boolean {
  const local = DateTime.fromMillis(t, { zone: c.zone });
  const minute = local.hour * 60 + local.minute + local.second / 60 + local.millisecond / 60_000;
  return (c.policy.windows[String(local.weekday)] ?? []).some((r) => minute >= minutesOf(r.start) && minute < minutesOf(r.end));
}

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

/** Every rule the instant t breaks, given the channel's other posts. */
export function brokenRules(c: OracleChannel, others: number[], t: number): string[] {
  const broken: string[] = [];
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
