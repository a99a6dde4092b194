// The slot finder: the nearest instant at or after a requested one that every rule of a channel's policy allows,
// and why it moved. Pure: instants in, instants out.
import type { CompiledPolicy, CompiledWeek } from './policy.js';
import type { Occupancy } from './occupancy.js';

export type RuleCode =
  'PAUSED' | 'NO_WINDOWS' | 'OUTSIDE_WINDOW' | 'BLACKOUT' | 'MIN_INTERVAL' | 'DAILY_CAP' | 'ROLLING_CAP' | 'NO_QUEUE_HOURS' | 'OUTSIDE_QUEUE_HOURS' | 'QUEUE_SPACING' | 'HORIZON';

/** The queue layer's codes: the smart scheduler's own preferences, never a reason to refuse a timed post. */
export const QUEUE_CODES: ReadonlySet<RuleCode> = new Set(['NO_QUEUE_HOURS', 'OUTSIDE_QUEUE_HOURS', 'QUEUE_SPACING']);

/** One rule that refused an instant, and where it sends the search next (null: nowhere). */
export interface RuleHit {
  code: RuleCode;
  at: number;
  next: number | null;
  /** The occupied instant, cap or day behind the refusal, for the explanation. */
  detail?: { other?: number; cap?: number; windowMs?: number; dayKey?: string; until?: number };
}

export interface SlotAnswer {
  /** The allowed instant, or null when there is none before `until`. */
  at: number | null;
  /** Every move from the requested instant to the answer, in order. */
  hits: RuleHit[];
}

const MAX_STEPS = 100_000;

export function findSlot(policy: CompiledPolicy, occupied: Occupancy, from: number, until: number): SlotAnswer {
  const hits: RuleHit[] = [];
  let t = from;
  for (let step = 0; step < MAX_STEPS; step++) {
    if (t >= until) {
      hits.push({ code: 'HORIZON', at: t, next: null, detail: { until } });
      return { at: null, hits };
    }
    const hit = firstHit(policy, occupied, t);
    if (!hit) return { at: t, hits };
    hits.push(hit);
    if (hit.next === null) return { at: null, hits };
    t = hit.next;
  }
  throw new Error('findSlot did not converge');
}

/** Every rule that refuses instant t (empty when t is allowed): what EXACT scheduling reports. */
export function violationsAt(policy: CompiledPolicy, occupied: Occupancy, t: number): RuleHit[] {
  return RULES.map((rule) => rule(policy, occupied, t)).filter((h): h is RuleHit => h !== null);
}

const firstHit = (policy: CompiledPolicy, occupied: Occupancy, t: number): RuleHit | null => {
  for (const rule of RULES) {
    const hit = rule(policy, occupied, t);
    if (hit) return hit;
  }
  return null;
};

type Rule = (policy: CompiledPolicy, occupied: Occupancy, t: number) => RuleHit | null;

const paused: Rule = (p, _o, t) => (p.paused ? { code: 'PAUSED', at: t, next: null } : null);

/** Whether t lies in a week's ranges, and if not where the next range starts (null: none within two weeks). */
function weekHit(p: CompiledPolicy, week: CompiledWeek, t: number): { next: number | null } | null {
  if (week === null) return null;
  if (week.every((w) => w.length === 0)) return { next: null };
  let day = p.calendar.dayAt(t);
  for (let i = 0; i < 15; i++, day = p.calendar.nextDay(day)) {
    for (const [start, end] of weekInstants(p, week, day.key, day.weekday)) {
      if (i === 0 && t >= start && t < end) return null;
      if (start > t || (i > 0 && end > start)) return { next: Math.max(start, t) };
    }
  }
  return { next: null };
}

const insideWindow: Rule = (p, _o, t) => {
  const hit = weekHit(p, p.windows, t);
  if (!hit) return null;
  return hit.next === null ? { code: 'NO_WINDOWS', at: t, next: null } : { code: 'OUTSIDE_WINDOW', at: t, next: hit.next };
};

const insideQueueHours: Rule = (p, _o, t) => {
  const hit = p.queue ? weekHit(p, p.queue.hours, t) : null;
  if (!hit) return null;
  return hit.next === null ? { code: 'NO_QUEUE_HOURS', at: t, next: null } : { code: 'OUTSIDE_QUEUE_HOURS', at: t, next: hit.next };
};

const outsideBlackout: Rule = (p, _o, t) => {
  const b = p.blackouts.find(([s, e]) => t >= s && t < e);
  return b ? { code: 'BLACKOUT', at: t, next: b[1], detail: { until: b[1] } } : null;
};

/** t closer than `gap` to a taken instant: the next chance is one gap after it. */
function spacingHit(o: Occupancy, t: number, gap: number): { next: number; other: number } | null {
  if (gap <= 0) return null;
  const before = o.atOrBefore(t);
  if (before !== undefined && t - before < gap) return { next: before + gap, other: before };
  const after = o.atOrAfter(t);
  // Too close to a later post: nothing between fits, so the next chance is one interval after it.
  if (after !== undefined && after - t < gap) return { next: after + gap, other: after };
  return null;
}

const minInterval: Rule = (p, o, t) => {
  const hit = spacingHit(o, t, p.minIntervalMs);
  return hit ? { code: 'MIN_INTERVAL', at: t, next: hit.next, detail: { other: hit.other } } : null;
};

const queueSpacing: Rule = (p, o, t) => {
  const hit = p.queue ? spacingHit(o, t, p.queue.spacingMs) : null;
  return hit ? { code: 'QUEUE_SPACING', at: t, next: hit.next, detail: { other: hit.other, windowMs: p.queue!.spacingMs } } : null;
};

const dailyCap: Rule = (p, o, t) => {
  if (p.dailyCap === null) return null;
  const day = p.calendar.dayAt(t);
  return o.countIn(day.start, day.end) >= p.dailyCap ? { code: 'DAILY_CAP', at: t, next: day.end, detail: { cap: p.dailyCap, dayKey: day.key } } : null;
};

const rollingCaps: Rule = (p, o, t) => {
  for (const { windowMs, max } of p.rollingCaps) {
    // Any window of windowMs that would contain t and already holds `max` posts refuses t. The fullest such window
    // starts at one of the posts in (t - windowMs, t], or at t itself.
    for (const start of o.between(t - windowMs + 1, t + 1)) {
      if (o.countIn(start, start + windowMs) >= max) return { code: 'ROLLING_CAP', at: t, next: start + windowMs, detail: { cap: max, windowMs } };
    }
    if (o.countIn(t, t + windowMs) >= max) {
      const next = o.atOrAfter(t + 1) ?? t + windowMs;
      return { code: 'ROLLING_CAP', at: t, next: next + 1, detail: { cap: max, windowMs } };
    }
  }
  return null;
};

const RULES: Rule[] = [paused, insideWindow, insideQueueHours, outsideBlackout, minInterval, queueSpacing, dailyCap, rollingCaps];

const weekCache = new WeakMap<CompiledWeek & object, Map<string, [number, number][]>>();

/** A local day's ranges of a week as instants, cached per compiled week (converting wall times is the costly part). */
export function weekInstants(p: CompiledPolicy, week: CompiledWeek & object, dayKey: string, weekday: number): [number, number][] {
  let cache = weekCache.get(week);
  if (!cache) weekCache.set(week, (cache = new Map()));
  let found = cache.get(dayKey);
  if (!found) {
    found = week[weekday].map(([s, e]): [number, number] => [p.calendar.instantOf(dayKey, s), p.calendar.instantOf(dayKey, e)]).filter(([s, e]) => e > s);
    cache.set(dayKey, found);
  }
  return found;
}
