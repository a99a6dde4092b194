// A delivery's time as two readers need it: in the channel's time zone (when it goes out there) and in the viewer's
// (when that is for the person looking), each with its zone named, in the viewer's locale.
import type { DeliveryRecord } from '../../dataProvider/deliveries';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string | undefined): Intl.DateTimeFormat {
  const key = timeZone ?? '';
  let found = formatters.get(key);
  if (!found) {
    try {
      found = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short', timeZone });
    } catch {
      // A zone this browser does not know: the viewer's, rather than nothing.
      found = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
    }
    formatters.set(key, found);
  }
  return found;
}

/** The viewer's own IANA zone. */
export const viewerTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

/** "Mar 3, 2027, 9:00 AM (Europe/Paris)"; the viewer's zone when none is given. */
export function formatInZone(iso: string, timeZone?: string): string {
  return `${formatter(timeZone).format(new Date(iso))} (${timeZone ?? viewerTimeZone()})`;
}

/** The delivery's time: when it went out once published, else when it is due. */
export const deliveryTime = (delivery: Pick<DeliveryRecord, 'publishedAt' | 'scheduledAt'>): string | null => delivery.publishedAt ?? delivery.scheduledAt;

/** The start of a text, cut at a word where it can be. */
export function excerpt(text: string, length = 80): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= length) return flat;
  const cut = flat.slice(0, length);
  const space = cut.lastIndexOf(' ');
  return `${space > length / 2 ? cut.slice(0, space) : cut}…`;
}

/** A datetime-local input's value (the viewer's wall clock) for an instant, and back. */
export function toLocalInput(iso: string): string {
  const date = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export function fromLocalInput(value: string): string | null {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}
