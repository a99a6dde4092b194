// A channel's posting policy: the JSON stored on the channel and edited with updateChannelPolicy, its defaults,
// its validation, and its compiled form (instants and milliseconds) that the slot finder works on.
//
// Two layers, kept apart: the posting rules (windows, blackouts, spacing, caps) are the owner's hard rules and bind
// every post; the queue hours and queue spacing only steer where the smart scheduler puts posts without a time.
// A channel nobody configured has no rules beyond its network's caps, and the default queue hours.
import { ZoneCalendar } from './calendar.js';

export interface TimeRange {
  /** "HH:MM", 24-hour, local to the channel. */
  start: string;
  /** "HH:MM" after start; "24:00" is the end of the day. */
  end: string;
}

export interface Blackout {
  /** "YYYY-MM-DD" (a whole local day) or "YYYY-MM-DDTHH:MM" (local), inclusive. */
  start: string;
  /** Same forms; a date alone means the end of that day. Exclusive for date-times. */
  end: string;
  label?: string;
}

/** ISO weekday "1" (Monday) to "7" (Sunday) -> ranges. Empty (no weekday at all): any hour; a missing weekday: none that day. */
export type Week = Record<string, TimeRange[]>;

export type ScheduleLayer = 'RULES' | 'QUEUE';

export interface PostingPolicy {
  /** The owner's posting hours (a hard rule for every post); empty until set. */
  windows: Week;
  blackouts: Blackout[];
  minIntervalMinutes: number;
  /** Per calendar day in the channel's zone; never above the platform's. */
  dailyCap: number | null;
  /** Per rolling 24 hours; never above the platform's. */
  rolling24hCap: number | null;
  /** Share of each day's capacity the smart scheduler leaves free for hand-scheduled posts. */
  reservedShare: number;
  /** Where the smart scheduler places posts without a time, always inside the posting rules. */
  queueHours: Week;
  /** Spacing between the posts the smart scheduler places (hand-timed posts are not held to it). */
  queueSpacingMinutes: number;
}

/** What a network allows, as the core needs it: given by the caller (src/integrations/limits.ts). */
export interface PlatformLimits {
  /** Default minimum time between two publications on one channel. */
  minIntervalMinutes: number;
  /** Most publications per calendar day in the channel's zone (null: no such limit). */
  dailyCap: number | null;
  /** Most publications in any rolling 24 hours. */
  rolling24hCap: number | null;
  /** Shorter rolling windows the network enforces (Telegram's 20 per minute in a group, X's 100 per 15 minutes). */
  shortCaps: { windowMinutes: number; max: number }[];
}

export const NO_LIMITS: PlatformLimits = { minIntervalMinutes: 0, dailyCap: null, rolling24hCap: null, shortCaps: [] };

export const ALL_WEEK = ['1', '2', '3', '4', '5', '6', '7'];

export const DEFAULT_QUEUE_HOURS: Week = Object.fromEntries(ALL_WEEK.map((d) => [d, [{ start: '08:00', end: '21:00' }]]));

/** The policy of a channel nobody configured: its network's caps, no posting hours, the default queue. */
export function defaultPolicy(limits: PlatformLimits): PostingPolicy {
  return {
    windows: {},
    blackouts: [],
    minIntervalMinutes: 0,
    dailyCap: limits.dailyCap,
    rolling24hCap: limits.rolling24hCap,
    reservedShare: 0.2,
    queueHours: DEFAULT_QUEUE_HOURS,
    queueSpacingMinutes: limits.minIntervalMinutes,
  };
}

/** A stored policy with what it does not name taken from the defaults (policies saved before the queue existed). */
export function completePolicy(stored: Partial<PostingPolicy> | null, limits: PlatformLimits): PostingPolicy {
  return { ...defaultPolicy(limits), ...(stored ?? {}) };
}

export interface PolicyIssue {
  path: (string | number)[];
  rule: string;
  message: string;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$|^24:00$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;

export const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Every problem with a policy, paths relative to the policy object. */
export function validatePolicy(policy: PostingPolicy, limits: PlatformLimits): PolicyIssue[] {
  const issues: PolicyIssue[] = [];
  validateWeek(issues, 'windows', policy.windows);
  validateWeek(issues, 'queueHours', policy.queueHours);
  policy.blackouts.forEach((b, i) => {
    for (const field of ['start', 'end'] as const) {
      if (!DATE.test(b[field]) && !DATETIME.test(b[field]))
        issues.push({ path: ['blackouts', i, field], rule: 'date', message: `"${b[field]}" is not YYYY-MM-DD or YYYY-MM-DDTHH:MM` });
    }
    if ((DATE.test(b.start) || DATETIME.test(b.start)) && (DATE.test(b.end) || DATETIME.test(b.end)) && blackoutEndKey(b.end) <= b.start) {
      issues.push({ path: ['blackouts', i], rule: 'order', message: `the blackout ends (${b.end}) before it starts (${b.start})` });
    }
  });
  if (!Number.isInteger(policy.minIntervalMinutes) || policy.minIntervalMinutes < 0 || policy.minIntervalMinutes > 7 * 24 * 60) {
    issues.push({ path: ['minIntervalMinutes'], rule: 'range', message: 'minIntervalMinutes must be a whole number from 0 to 10080 (a week)' });
  }
  checkCap(issues, 'dailyCap', policy.dailyCap, limits.dailyCap, 'per day');
  checkCap(issues, 'rolling24hCap', policy.rolling24hCap, limits.rolling24hCap, 'per rolling 24 hours');
  if (!(policy.reservedShare >= 0 && policy.reservedShare < 1)) issues.push({ path: ['reservedShare'], rule: 'range', message: 'reservedShare must be at least 0 and below 1' });
  if (!Number.isInteger(policy.queueSpacingMinutes) || policy.queueSpacingMinutes < 0 || policy.queueSpacingMinutes > 7 * 24 * 60) {
    issues.push({ path: ['queueSpacingMinutes'], rule: 'range', message: 'queueSpacingMinutes must be a whole number from 0 to 10080 (a week)' });
  }
  return issues;
}

function validateWeek(issues: PolicyIssue[], field: 'windows' | 'queueHours', week: Week) {
  for (const [day, ranges] of Object.entries(week)) {
    if (!ALL_WEEK.includes(day)) issues.push({ path: [field, day], rule: 'weekday', message: `weekday must be 1 (Monday) to 7 (Sunday), not "${day}"` });
    const sorted = [...ranges].sort((a, b) => a.start.localeCompare(b.start));
    ranges.forEach((r, i) => {
      if (!HHMM.test(r.start) || r.start === '24:00') issues.push({ path: [field, day, i, 'start'], rule: 'time', message: `"${r.start}" is not a time HH:MM` });
      else if (!HHMM.test(r.end)) issues.push({ path: [field, day, i, 'end'], rule: 'time', message: `"${r.end}" is not a time HH:MM (24:00 ends the day)` });
      else if (minutesOf(r.end) <= minutesOf(r.start))
        issues.push({ path: [field, day, i], rule: 'order', message: `${r.start}-${r.end}: the end must come after the start (split a range that crosses midnight in two)` });
    });
    for (let i = 1; i < sorted.length; i++) {
      if (HHMM.test(sorted[i].start) && HHMM.test(sorted[i - 1].end) && minutesOf(sorted[i].start) < minutesOf(sorted[i - 1].end)) {
        issues.push({ path: [field, day], rule: 'overlap', message: `${sorted[i - 1].start}-${sorted[i - 1].end} and ${sorted[i].start}-${sorted[i].end} overlap` });
      }
    }
  }
}

function checkCap(issues: PolicyIssue[], field: string, value: number | null, platformMax: number | null, what: string) {
  if (value === null) {
    if (platformMax !== null)
      issues.push({ path: [field], rule: 'platformLimit', message: `this network allows at most ${platformMax} posts ${what}: ${field} cannot be removed` });
    return;
  }
  if (!Number.isInteger(value) || value < 1) issues.push({ path: [field], rule: 'range', message: `${field} must be a whole number of at least 1, or null` });
  else if (platformMax !== null && value > platformMax)
    issues.push({ path: [field], rule: 'platformLimit', message: `this network allows at most ${platformMax} posts ${what}: ${field} cannot be ${value}` });
}

// "2026-12-24" as an end means the whole day: compare it as the next day's start.
const blackoutEndKey = (end: string) => (DATE.test(end) ? `${end}T24:00` : end);

/** Index 1..7: sorted, non-overlapping [startMinute, endMinute) ranges; null: any hour of any day. */
export type CompiledWeek = [number, number][][] | null;

/** The policy in instants and milliseconds, for one zone. */
export interface CompiledPolicy {
  calendar: ZoneCalendar;
  windows: CompiledWeek;
  /** Sorted, merged [start, end) instants. */
  blackouts: [number, number][];
  paused: boolean;
  minIntervalMs: number;
  dailyCap: number | null;
  /** Rolling caps: the 24-hour one and the platform's shorter ones. */
  rollingCaps: { windowMs: number; max: number }[];
  reservedShare: number;
  /** The queue layer, for the smart scheduler's placements only (compiled with layer QUEUE). */
  queue: { hours: CompiledWeek; spacingMs: number } | null;
}

function compileWeek(week: Week): CompiledWeek {
  if (Object.keys(week).length === 0) return null;
  const days: [number, number][][] = [[]];
  for (const day of ALL_WEEK) days.push((week[day] ?? []).map((r): [number, number] => [minutesOf(r.start), minutesOf(r.end)]).sort((a, b) => a[0] - b[0]));
  return days;
}

/** RULES: what binds every post. QUEUE: the rules plus the queue hours and spacing, where the smart scheduler places. */
export function compilePolicy(policy: PostingPolicy, options: { timezone: string; limits: PlatformLimits; paused: boolean; layer?: ScheduleLayer }): CompiledPolicy {
  const calendar = new ZoneCalendar(options.timezone);
  const windows = compileWeek(policy.windows);
  const toInstant = (value: string, isEnd: boolean) => {
    if (DATE.test(value)) return calendar.instantOf(value, isEnd ? 24 * 60 : 0);
    return calendar.instantOf(value.slice(0, 10), minutesOf(value.slice(11, 16)));
  };
  const blackouts = policy.blackouts
    .map((b): [number, number] => [toInstant(b.start, false), toInstant(b.end, true)])
    .filter(([s, e]) => e > s)
    .sort((a, b) => a[0] - b[0])
    .reduce<[number, number][]>((merged, b) => {
      const last = merged.at(-1);
      if (last && b[0] <= last[1]) last[1] = Math.max(last[1], b[1]);
      else merged.push([b[0], b[1]]);
      return merged;
    }, []);
  const { limits } = options;
  const rollingCaps = [
    ...(policy.rolling24hCap !== null ? [{ windowMs: 24 * 3_600_000, max: policy.rolling24hCap }] : []),
    ...limits.shortCaps.map((c) => ({ windowMs: c.windowMinutes * 60_000, max: c.max })),
  ];
  return {
    calendar,
    windows,
    blackouts,
    paused: options.paused,
    minIntervalMs: policy.minIntervalMinutes * 60_000,
    dailyCap: policy.dailyCap,
    rollingCaps,
    reservedShare: policy.reservedShare,
    queue: options.layer === 'QUEUE' ? { hours: compileWeek(policy.queueHours), spacingMs: policy.queueSpacingMinutes * 60_000 } : null,
  };
}
