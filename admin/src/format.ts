// Dates and times as the viewer's browser writes them (its locale; its time zone, or the one named), never a fixed format.
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const time = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });

export const formatDateTime = (iso: string | null | undefined): string => (iso ? dateTime.format(new Date(iso)) : '');
export const formatTime = (iso: string | null | undefined): string => (iso ? time.format(new Date(iso)) : '');

const zoned = new Map<string, Intl.DateTimeFormat>();

/**
 * An instant as the viewer's locale writes it, in a given zone and naming that zone (a channel's 09:00 is only
 * meaningful with its zone beside it). Fields one by one: Intl refuses dateStyle/timeStyle with timeZoneName.
 */
export function formatInZone(instant: Date | string, zone: string): string {
  let format = zoned.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat(undefined, {
      weekday: 'short',
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      hour: 'numeric',
      minute: '2-digit',
      timeZone: zone,
      timeZoneName: 'short',
    });
    zoned.set(zone, format);
  }
  return format.format(new Date(instant));
}
