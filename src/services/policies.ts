// A change to a channel's posting policy, checked: the stored JSON is whole; a change names only what it changes.
import { ALL_WEEK, validatePolicy, type Blackout, type PostingPolicy, type TimeRange, type Week } from '../scheduling/policy.js';
import { limitsFor } from '../integrations/limits.js';
import { Issues } from './validation.js';

type WeekInput = { weekday: number; ranges: TimeRange[] }[];

export interface PolicyPatch {
  /** Replaces the posting hours; a weekday left out allows nothing; an empty list removes the rule (any hour). */
  windows?: WeekInput | null;
  /** Replaces the queue hours, the same way. */
  queueHours?: WeekInput | null;
  queueSpacingMinutes?: number | null;
  blackouts?: (Omit<Blackout, 'label'> & { label?: string | null })[] | null;
  minIntervalMinutes?: number | null;
  /** null removes the cap (where the network has none). */
  dailyCap?: number | null;
  rolling24hCap?: number | null;
  reservedShare?: number | null;
}

/** The policy after a patch, or the issues that refuse it (paths start at `base`). */
export function applyPolicyPatch(current: PostingPolicy, patch: PolicyPatch, platform: string, issues: Issues, base: (string | number)[]): PostingPolicy {
  const next: PostingPolicy = { ...current };
  if (patch.windows != null) next.windows = weekOf(patch.windows, issues, [...base, 'windows']);
  if (patch.queueHours != null) next.queueHours = weekOf(patch.queueHours, issues, [...base, 'queueHours']);
  if (patch.queueSpacingMinutes != null) next.queueSpacingMinutes = patch.queueSpacingMinutes;
  if (patch.blackouts != null) next.blackouts = patch.blackouts.map((b) => ({ start: b.start, end: b.end, ...(b.label ? { label: b.label } : {}) }));
  if (patch.minIntervalMinutes != null) next.minIntervalMinutes = patch.minIntervalMinutes;
  if (patch.dailyCap !== undefined) next.dailyCap = patch.dailyCap;
  if (patch.rolling24hCap !== undefined) next.rolling24hCap = patch.rolling24hCap;
  if (patch.reservedShare != null) next.reservedShare = patch.reservedShare;
  for (const issue of validatePolicy(next, limitsFor(platform))) {
    // Week issues name weekdays; point them at the input entry for that weekday where there is one.
    const field = issue.path[0];
    const week = field === 'windows' ? patch.windows : field === 'queueHours' ? patch.queueHours : null;
    const path = week ? weekPath(week, issue.path) : issue.path;
    issues.add([...base, ...path], issue.rule, issue.message);
  }
  return next;
}

function weekOf(input: WeekInput, issues: Issues, path: (string | number)[]): Week {
  if (input.length === 0) return {};
  const week: Week = Object.fromEntries(ALL_WEEK.map((d) => [d, []]));
  input.forEach((w, i) => {
    if (!ALL_WEEK.includes(String(w.weekday))) issues.add([...path, i, 'weekday'], 'weekday', 'weekday must be 1 (Monday) to 7 (Sunday)');
    else week[String(w.weekday)] = [...week[String(w.weekday)], ...w.ranges.map((r) => ({ start: r.start, end: r.end }))];
  });
  return week;
}

function weekPath(week: WeekInput, path: (string | number)[]): (string | number)[] {
  const index = week.findIndex((w) => String(w.weekday) === String(path[1]));
  return index === -1 ? path : [path[0], index, 'ranges', ...path.slice(2)];
}
