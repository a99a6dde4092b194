// The analytics' numbers as the viewer's locale writes them: counts, shares and durations (seconds, minutes or hours,
// whichever reads best), and a local day (YYYY-MM-DD) as a short date.
const count = new Intl.NumberFormat();
const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });
const seconds = new Intl.NumberFormat(undefined, { style: 'unit', unit: 'second', unitDisplay: 'short', maximumFractionDigits: 1 });
const minutes = new Intl.NumberFormat(undefined, { style: 'unit', unit: 'minute', unitDisplay: 'short', maximumFractionDigits: 1 });
const hours = new Intl.NumberFormat(undefined, { style: 'unit', unit: 'hour', unitDisplay: 'short', maximumFractionDigits: 1 });
// The day is a calendar date already read in the analytics' zone: formatted in UTC so no zone shifts it.
const shortDay = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
const longDay = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeZone: 'UTC' });

export const formatCount = (n: number) => count.format(n);
export const formatShare = (share: number | null, none: string) => (share === null ? none : percent.format(share));

export function formatDuration(value: number | null, none: string): string {
  if (value === null) return none;
  if (value < 120) return seconds.format(value);
  if (value < 7200) return minutes.format(value / 60);
  return hours.format(value / 3600);
}

const dayDate = (day: string) => new Date(`${day}T00:00:00Z`);
export const formatShortDay = (day: string) => shortDay.format(dayDate(day));
export const formatLongDay = (day: string) => longDay.format(dayDate(day));
