// Local days of one IANA zone as instants, DST-correct and independent of the process's TZ. A window "09:00-12:00"
// on a local date becomes the instants those wall-clock times exist: on a fall-back day a time that happens twice
// counts from its first occurrence; on a spring-forward day times in the gap do not exist.
import { DateTime } from 'luxon';

export interface LocalDay {
  /** "YYYY-MM-DD" in the zone. */
  key: string;
  /** ISO weekday, 1 = Monday. */
  weekday: number;
  /** Instant of local midnight (or the day's first instant when midnight falls in a DST gap). */
  start: number;
  /** Start of the next local day. */
  end: number;
}

const MINUTE = 60_000;

export class ZoneCalendar {
  private readonly days: LocalDay[] = []; // sorted by start, contiguous where filled
  private readonly byKey = new Map<string, LocalDay>();

  constructor(readonly zone: string) {
    if (!DateTime.now().setZone(zone).isValid) throw new Error(`Unknown time zone "${zone}"`);
  }

  /** The local day containing instant t. */
  dayAt(t: number): LocalDay {
    const days = this.days;
    let lo = 0;
    let hi = days.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (days[mid].end <= t) lo = mid + 1;
      else if (days[mid].start > t) hi = mid - 1;
      else return days[mid];
    }
    const local = DateTime.fromMillis(t, { zone: this.zone });
    return this.dayOf(local.toISODate()!);
  }

  /** The local day with key "YYYY-MM-DD". */
  dayOf(key: string): LocalDay {
    const known = this.byKey.get(key);
    if (known) return known;
    const date = DateTime.fromISO(key, { zone: this.zone });
    const next = date.plus({ days: 1 }).toISODate()!;
    const day: LocalDay = { key, weekday: date.weekday, start: this.instantOf(key, 0), end: this.instantOf(next, 0) };
    this.byKey.set(key, day);
    const at = this.days.findIndex((d) => d.start > day.start);
    this.days.splice(at === -1 ? this.days.length : at, 0, day);
    return day;
  }

  nextDay(day: LocalDay): LocalDay {
    return this.dayAt(day.end);
  }

  /**
   * The first instant at which the zone's wall clock reads `minute` minutes after midnight of `key`
   * (minute may be 1440: the next midnight). In a DST gap: the first instant after the gap.
   */
  instantOf(key: string, minute: number): number {
    const [year, month, day] = key.split('-').map(Number);
    const wall = Date.UTC(year, month - 1, day) + minute * MINUTE; // the wall time read as if it were UTC
    const offsetBefore = this.offsetAt(wall - 26 * 60 * MINUTE);
    const offsetAfter = this.offsetAt(wall + 26 * 60 * MINUTE);
    const candidates = [wall - offsetBefore, wall - offsetAfter].filter((t) => t + this.offsetAt(t) === wall);
    if (candidates.length) return Math.min(...candidates);
    // The wall time falls in a gap: the first instant after it is where the offset changes.
    let lo = wall - offsetAfter;
    let hi = wall - offsetBefore;
    while (hi - lo > MINUTE) {
      const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE || lo + MINUTE;
      if (this.offsetAt(mid) === offsetBefore) lo = mid;
      else hi = mid;
    }
    return hi;
  }

  /** The zone's UTC offset at instant t, in ms. */
  offsetAt(t: number): number {
    return DateTime.fromMillis(t, { zone: this.zone }).offset * MINUTE;
  }
}
