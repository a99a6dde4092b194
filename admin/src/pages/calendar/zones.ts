// Wall-clock time in a named IANA zone, for the calendar: the zones a person can pick, and conversions between an
// instant and the local date and time of that zone (the channel's posting hours and blackouts are local to it).
import { Temporal } from 'temporal-polyfill';

export const UTC = 'UTC';

/** The viewer's own zone, as the browser reports it. */
export function viewerTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || UTC;
}

export interface ZoneOption {
  zone: string;
  /** Why it is offered: the viewer's own, a channel's (its names), or UTC. */
  kind: 'viewer' | 'channel' | 'utc';
  channelNames: string[];
}

/** The viewer's zone, each channel's, and UTC, each once (the first reason wins the label). */
export function zoneOptions(channels: { name: string; timezone: string }[]): ZoneOption[] {
  const options = new Map<string, ZoneOption>();
  options.set(viewerTimeZone(), { zone: viewerTimeZone(), kind: 'viewer', channelNames: [] });
  for (const channel of channels) {
    const known = options.get(channel.timezone);
    if (known) known.channelNames.push(channel.name);
    else options.set(channel.timezone, { zone: channel.timezone, kind: 'channel', channelNames: [channel.name] });
  }
  if (!options.has(UTC)) options.set(UTC, { zone: UTC, kind: 'utc', channelNames: [] });
  return [...options.values()];
}

/** The instant of a local date ("2030-03-10") and minute of that day (0..1440) in the zone; a DST gap moves forward. */
export function instantAt(date: string, minuteOfDay: number, zone: string): Date {
  const day = Temporal.PlainDate.from(date).add({ days: Math.floor(minuteOfDay / 1440) });
  const minutes = minuteOfDay % 1440;
  const local = day.toPlainDateTime({ hour: Math.floor(minutes / 60), minute: minutes % 60 });
  return new Date(local.toZonedDateTime(zone, { disambiguation: 'compatible' }).epochMilliseconds);
}

/** The local dates of the zone that meet [from, to), in order (one before and after, for ranges cut by the zone). */
export function localDatesAround(from: Date, to: Date, zone: string): Temporal.PlainDate[] {
  const first = Temporal.Instant.fromEpochMilliseconds(from.getTime()).toZonedDateTimeISO(zone).toPlainDate().subtract({ days: 1 });
  const last = Temporal.Instant.fromEpochMilliseconds(to.getTime()).toZonedDateTimeISO(zone).toPlainDate().add({ days: 1 });
  const dates: Temporal.PlainDate[] = [];
  for (let day = first; Temporal.PlainDate.compare(day, last) <= 0; day = day.add({ days: 1 })) dates.push(day);
  return dates;
}

/** The zone's local date at an instant ("2030-03-10"), and whether the instant is that day's midnight. */
export function localDateOf(instant: number, zone: string): { date: string; atMidnight: boolean } {
  const local = Temporal.Instant.fromEpochMilliseconds(instant).toZonedDateTimeISO(zone);
  return { date: local.toPlainDate().toString(), atMidnight: local.hour === 0 && local.minute === 0 && local.second === 0 };
}

/** The day after a local date ("2030-03-10" -> "2030-03-11"). */
export const nextDate = (date: string): string => Temporal.PlainDate.from(date).add({ days: 1 }).toString();

/** "HH:MM" (24:00 allowed) as minutes of the day. */
export function minutesOf(hhmm: string): number {
  const [hours = '0', minutes = '0'] = hhmm.split(':');
  return Number(hours) * 60 + Number(minutes);
}

/** Re-exported for the calendar's modules: the one zoned format of the console (../../format.ts). */
export { formatInZone } from '../../format';

/** The zone's wall clock at an instant, as a datetime-local input holds it ("2030-03-10T09:30"). */
export function toLocalInput(instant: Date | string, zone: string): string {
  const local = Temporal.Instant.fromEpochMilliseconds(new Date(instant).getTime()).toZonedDateTimeISO(zone).toPlainDateTime();
  return local.toString({ smallestUnit: 'minute' });
}

/** A datetime-local input's value read in the zone, or null when it is not a complete date and time. */
export function fromLocalInput(value: string, zone: string): Date | null {
  try {
    return new Date(Temporal.PlainDateTime.from(value).toZonedDateTime(zone, { disambiguation: 'compatible' }).epochMilliseconds);
  } catch {
    return null;
  }
}
