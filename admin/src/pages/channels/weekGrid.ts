// Weekly hours as the editor's grid: 7 days (Monday first, as the API's weekday 1) x 24 one-hour cells, to and from
// the API's WeekdayWindows. The grid has whole hours only: a range set to the minute elsewhere (09:30-17:00) shows
// on every hour it touches, and `toMinute` says so, for the editor to warn before saving rounds it out.
import type { WeekdayWindows } from '../../dataProvider/channels';

export type WeekGrid = boolean[][];

export const DAYS = 7;
export const HOURS = 24;

export const emptyGrid = (): WeekGrid => Array.from({ length: DAYS }, () => Array<boolean>(HOURS).fill(false));

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
const hhmm = (hour: number) => `${String(hour).padStart(2, '0')}:00`;

export function gridOf(windows: WeekdayWindows[]): { grid: WeekGrid; toMinute: boolean } {
  const grid = emptyGrid();
  let toMinute = false;
  for (const { weekday, ranges } of windows) {
    const day = grid[weekday - 1];
    if (!day) continue;
    for (const range of ranges) {
      const start = minutesOf(range.start);
      const end = minutesOf(range.end);
      if (start % 60 || end % 60) toMinute = true;
      for (let hour = Math.floor(start / 60); hour < Math.ceil(end / 60) && hour < HOURS; hour += 1) day[hour] = true;
    }
  }
  return { grid, toMinute };
}

/** Every weekday, each run of checked hours one range: a day with none allows nothing (the week stays restricted). */
export function windowsOf(grid: WeekGrid): WeekdayWindows[] {
  return grid.map((hours, index) => {
    const ranges: WeekdayWindows['ranges'] = [];
    let from: number | null = null;
    for (let hour = 0; hour <= HOURS; hour += 1) {
      if (hour < HOURS && hours[hour]) from ??= hour;
      else if (from !== null) {
        ranges.push({ start: hhmm(from), end: hhmm(hour) });
        from = null;
      }
    }
    return { weekday: index + 1, ranges };
  });
}

export const sameGrid = (a: WeekGrid, b: WeekGrid): boolean => JSON.stringify(a) === JSON.stringify(b);
