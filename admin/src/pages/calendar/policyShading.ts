// A channel's posting rules as FullCalendar background events over the visible range: the hours outside its posting
// windows, and its blackouts. Both are local to the CHANNEL's zone (as the server reads them), so they are turned into
// instants here and FullCalendar draws them wherever they fall in the zone the calendar is shown in. FullCalendar's
// own businessHours would be read in the shown zone, which is wrong whenever that is not the channel's.
import type { EventInput } from '@fullcalendar/react';
import { instantAt, localDateOf, localDatesAround, minutesOf, nextDate } from './zones';

export interface TimeRange {
  start: string;
  end: string;
}

export interface ChannelPolicy {
  id: string;
  timezone: string;
  policy: {
    hoursRestricted: boolean;
    windows: { weekday: number; ranges: TimeRange[] }[];
    blackouts: { start: string; end: string; label: string | null }[];
  };
}

export const POLICY_QUERY = `query CalendarChannelPolicy($id: ID!) {
  channel(id: $id) { id timezone policy { hoursRestricted windows { weekday ranges { start end } } blackouts { start end label } } }
}`;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

type Interval = [number, number];

/** The instants outside the posting hours that meet [from, to), merged across midnights. Empty when hours are not restricted. */
export function closedIntervals(channel: ChannelPolicy, from: Date, to: Date): Interval[] {
  if (!channel.policy.hoursRestricted) return [];
  const byWeekday = new Map(channel.policy.windows.map((day) => [day.weekday, day.ranges]));
  const closed: Interval[] = [];
  for (const day of localDatesAround(from, to, channel.timezone)) {
    const date = day.toString();
    const open = (byWeekday.get(day.dayOfWeek) ?? []).map((range) => [minutesOf(range.start), minutesOf(range.end)] as Interval).sort((a, b) => a[0] - b[0]);
    let cursor = 0;
    for (const [start, end] of [...open, [1440, 1440] as Interval]) {
      if (start > cursor) push(closed, [instantAt(date, cursor, channel.timezone).getTime(), instantAt(date, start, channel.timezone).getTime()]);
      cursor = Math.max(cursor, end);
    }
  }
  return closed.filter(([start, end]) => end > from.getTime() && start < to.getTime());
}

/** Each blackout as instants: a date alone is the whole day (an end date to the end of that day), local to the channel. */
export function blackoutIntervals(channel: ChannelPolicy): { start: number; end: number; label: string | null }[] {
  const at = (value: string, isEnd: boolean) =>
    DATE.test(value) ? instantAt(value, isEnd ? 1440 : 0, channel.timezone) : instantAt(value.slice(0, 10), minutesOf(value.slice(11, 16)), channel.timezone);
  return channel.policy.blackouts
    .map((blackout) => ({ start: at(blackout.start, false).getTime(), end: at(blackout.end, true).getTime(), label: blackout.label }))
    .filter(({ start, end }) => end > start);
}

function push(intervals: Interval[], next: Interval) {
  const last = intervals.at(-1);
  if (last && next[0] <= last[1]) last[1] = Math.max(last[1], next[1]);
  else intervals.push(next);
}

/**
 * Background events. Week view: outside the posting hours and the blackouts, each at its instants. Month view: only
 * the blackouts, as whole days of the shown zone (a month cell would be shaded every day by the hours, and
 * FullCalendar draws timed background events in time grids only).
 */
export function shadingEvents(
  channel: ChannelPolicy | null,
  range: { from: Date; to: Date; zone: string; timeGrid: boolean },
  labels: { closed: string; blackout: string },
): EventInput[] {
  if (!channel) return [];
  const { from, to, zone, timeGrid } = range;
  const hours = timeGrid
    ? closedIntervals(channel, from, to).map(([start, end], index) => ({
        id: `closed-${index}`,
        start: new Date(start),
        end: new Date(end),
        display: 'background',
        title: labels.closed,
        className: 'pf-calendar-closed',
      }))
    : [];
  const blackouts = blackoutIntervals(channel)
    .filter(({ start, end }) => end > from.getTime() && start < to.getTime())
    .map(({ start, end, label }, index) => {
      const shared = { id: `blackout-${index}`, display: 'background', title: label ?? labels.blackout, className: 'pf-calendar-blackout' };
      if (timeGrid) return { ...shared, start: new Date(start), end: new Date(end) };
      const last = localDateOf(end, zone);
      return { ...shared, allDay: true, start: localDateOf(start, zone).date, end: last.atMidnight ? last.date : nextDate(last.date) };
    });
  return [...hours, ...blackouts];
}
