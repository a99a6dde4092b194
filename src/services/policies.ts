// A change to a channel's posting policy, checked: the stored JSON is whole; a change names only what it changes.
import { ALL_WEEK, validatePolicy, type Blackout, type PostingPolicy, type TimeRange } from '../scheduling/policy.js';
import { limitsFor } from '../integrations/limits.js';
import { Issues } from './validation.js';

export interface PolicyPatch {
  /** Replaces every weekly window; a weekday left out allows nothing. */
  windows?: { weekday: number; ranges: TimeRange[] }[] | null;
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
  if (patch.windows != null) {
    const windows: Record<string, TimeRange[]> = Object.fromEntries(ALL_WEEK.map((d) => [d, []]));
    patch.windows.forEach((w, i) => {
      if (!ALL_WEEK.includes(String(w.weekday))) issues.add([...base, 'windows', i, 'weekday'], 'weekday', 'weekday must be 1 (Monday) to 7 (Sunday)');
      else windows[String(w.weekday)] = [...windows[String(w.weekday)], ...w.ranges.map((r) => ({ start: r.start, end: r.end }))];
    });
    next.windows = windows;
  }
  if (patch.blackouts != null) next.blackouts = patch.blackouts.map((b) => ({ start: b.start, end: b.end, ...(b.label ? { label: b.label } : {}) }));
  if (patch.minIntervalMinutes != null) next.minIntervalMinutes = patch.minIntervalMinutes;
  if (patch.dailyCap !== undefined) next.dailyCap = patch.dailyCap;
  if (patch.rolling24hCap !== undefined) next.rolling24hCap = patch.rolling24hCap;
  if (patch.reservedShare != null) next.reservedShare = patch.reservedShare;
  for (const issue of validatePolicy(next, limitsFor(platform))) {
    // Window issues name weekdays; point them at the input entry for that weekday where there is one.
    const path = issue.path[0] === 'windows' && patch.windows ? windowPath(patch, issue.path) : issue.path;
    issues.add([...base, ...path], issue.rule, issue.message);
  }
  return next;
}

function windowPath(patch: PolicyPatch, path: (string | number)[]): (string | number)[] {
  const index = patch.windows!.findIndex((w) => String(w.weekday) === String(path[1]));
  return index === -1 ? path : ['windows', index, 'ranges', ...path.slice(2)];
}
