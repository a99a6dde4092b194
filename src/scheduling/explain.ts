// Turns the slot finder's rule hits into the sentence stored as a delivery's scheduleReason.
import { DateTime } from 'luxon';
import type { RuleHit } from './slots.js';

export function explainHit(hit: RuleHit, zone: string): string {
  const local = (t: number) => DateTime.fromMillis(t, { zone }).toFormat('ccc yyyy-LL-dd HH:mm ZZZZ');
  const d = hit.detail ?? {};
  switch (hit.code) {
    case 'PAUSED':
      return 'the channel is paused';
    case 'NO_WINDOWS':
      return 'the channel has no posting hours';
    case 'OUTSIDE_WINDOW':
      return `${local(hit.at)} is outside the posting hours`;
    case 'BLACKOUT':
      return `${local(hit.at)} is in a blackout until ${local(d.until!)}`;
    case 'MIN_INTERVAL':
      return `${local(hit.at)} is too close to the post at ${local(d.other!)}`;
    case 'DAILY_CAP':
      return `the daily cap of ${d.cap} posts is reached on ${d.dayKey}`;
    case 'ROLLING_CAP':
      return `the cap of ${d.cap} posts per ${formatWindow(d.windowMs!)} is reached at ${local(hit.at)}`;
    case 'NO_QUEUE_HOURS':
      return 'the channel has no queue hours';
    case 'OUTSIDE_QUEUE_HOURS':
      return `${local(hit.at)} is outside the queue hours`;
    case 'QUEUE_SPACING':
      return `${local(hit.at)} is within the queue spacing of ${formatWindow(d.windowMs!)} from the post at ${local(d.other!)}`;
    case 'HORIZON':
      return `no free slot before ${local(d.until!)}`;
  }
}

/** "moved from A to B: why; why" for a move, or null when the requested instant was allowed. */
export function explainMove(requested: number, at: number | null, hits: RuleHit[], zone: string): string | null {
  if (hits.length === 0) return null;
  const local = (t: number) => DateTime.fromMillis(t, { zone }).toFormat('yyyy-LL-dd HH:mm ZZZZ');
  const reasons = [...new Set(hits.map((h) => explainHit(h, zone)))].slice(0, 4).join('; ');
  return at === null ? `Not placed: ${reasons}` : `Moved from ${local(requested)} to ${local(at)}: ${reasons}`;
}

function formatWindow(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  return `${ms / 60_000} min`;
}
