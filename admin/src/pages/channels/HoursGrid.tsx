// A week of hours as a table of checkboxes: a row per hour, a column per day (so it fits a phone's width), each cell
// labelled with its day and hour for screen readers. One cell is in the tab order; the arrow keys move between
// cells (Home / End: first and last hour), Space toggles. Days and hours are written in the viewer's locale. A week
// already set shows as a summary line, the grid opened on demand (two grids of 168 cells make a heavy page).
import { useRef, useState, type KeyboardEvent } from 'react';
import { Box, Button, Stack, Typography } from '@mui/material';
import { useInput, useTranslate } from 'react-admin';
import { DAYS, HOURS, emptyGrid, windowsOf, type WeekGrid } from './weekGrid';

// 2024-01-01 was a Monday: the API's weekday 1.
const DAY_NAMES = Array.from({ length: DAYS }, (_, day) => new Date(Date.UTC(2024, 0, 1 + day)));
const longDay = new Intl.DateTimeFormat(undefined, { weekday: 'long', timeZone: 'UTC' });
const shortDay = new Intl.DateTimeFormat(undefined, { weekday: 'short', timeZone: 'UTC' });
const hourFormat = new Intl.DateTimeFormat(undefined, { hour: 'numeric', timeZone: 'UTC' });
const hourName = (hour: number) => hourFormat.format(new Date(Date.UTC(2024, 0, 1, hour)));

export function HoursGrid({ source, caption, disabled = false }: { source: string; caption: string; disabled?: boolean }) {
  const translate = useTranslate();
  const { field } = useInput<WeekGrid>({ source });
  const grid: WeekGrid = field.value ?? emptyGrid();
  const [focus, setFocus] = useState<[number, number]>([0, 9]);
  const [open, setOpen] = useState(() => !grid.some((hours) => hours.some(Boolean)));
  const table = useRef<HTMLTableElement>(null);

  const set = (next: WeekGrid) => field.onChange(next);
  const toggle = (day: number, hour: number) => set(grid.map((hours, d) => (d === day ? hours.map((on, h) => (h === hour ? !on : on)) : hours)));
  const move = (event: KeyboardEvent, day: number, hour: number) => {
    const to: Record<string, [number, number]> = {
      ArrowLeft: [Math.max(0, day - 1), hour],
      ArrowRight: [Math.min(DAYS - 1, day + 1), hour],
      ArrowUp: [day, Math.max(0, hour - 1)],
      ArrowDown: [day, Math.min(HOURS - 1, hour + 1)],
      Home: [day, 0],
      End: [day, HOURS - 1],
    };
    const target = to[event.key];
    if (!target) return;
    event.preventDefault();
    setFocus(target);
    table.current?.querySelector<HTMLInputElement>(`input[data-cell="${target[0]}-${target[1]}"]`)?.focus();
  };

  const summary = summaryOf(grid) || translate('postflow.channels.gridNone');
  return (
    <Box>
      <Typography variant="body2" sx={{ mb: 1 }} data-testid={`${source}-summary`}>
        {caption}: {summary}
      </Typography>
      <Stack direction="row" spacing={1} useFlexGap sx={{ flexWrap: 'wrap', mb: 1 }}>
        <Button size="small" variant="outlined" aria-expanded={open} onClick={() => setOpen(!open)}>
          {translate(open ? 'postflow.channels.gridHide' : 'postflow.channels.gridShow', { grid: caption })}
        </Button>
        <Button size="small" variant="outlined" disabled={disabled} onClick={() => set(emptyGrid())} aria-label={`${translate('postflow.channels.gridClear')}: ${caption}`}>
          {translate('postflow.channels.gridClear')}
        </Button>
        <Button
          size="small"
          variant="outlined"
          disabled={disabled}
          onClick={() => set(grid.map(() => [...grid[0]!]))}
          aria-label={`${translate('postflow.channels.gridCopyMonday')}: ${caption}`}
        >
          {translate('postflow.channels.gridCopyMonday')}
        </Button>
      </Stack>
      {open ? (
        <Box sx={{ overflowX: 'auto', maxWidth: '100%' }}>
          <Box
            component="table"
            ref={table}
            sx={{
              borderCollapse: 'collapse',
              fontSize: '0.8rem',
              '& th, & td': { border: 1, borderColor: 'divider', p: 0, textAlign: 'center' },
              '& th[scope=row]': { px: 0.5, whiteSpace: 'nowrap', textAlign: 'right', fontWeight: 400 },
              '& td.on': { bgcolor: 'primary.light' },
              '& input': { width: 20, height: 20, m: '4px', cursor: 'pointer' },
            }}
          >
            <caption style={{ captionSide: 'top', textAlign: 'left', fontWeight: 600, paddingBottom: 4 }}>{caption}</caption>
            <thead>
              <tr>
                <th scope="col">{translate('postflow.channels.gridHour')}</th>
                {DAY_NAMES.map((date) => (
                  <th scope="col" key={date.toISOString()} abbr={longDay.format(date)}>
                    {shortDay.format(date)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {Array.from({ length: HOURS }, (_, hour) => (
                <tr key={hour}>
                  <th scope="row">{hourName(hour)}</th>
                  {DAY_NAMES.map((date, day) => (
                    <td key={day} className={grid[day]?.[hour] ? 'on' : undefined}>
                      <input
                        type="checkbox"
                        data-cell={`${day}-${hour}`}
                        checked={!!grid[day]?.[hour]}
                        disabled={disabled}
                        tabIndex={focus[0] === day && focus[1] === hour ? 0 : -1}
                        aria-label={translate('postflow.channels.gridCell', { grid: caption, day: longDay.format(date), from: hourName(hour), to: hourName((hour + 1) % HOURS) })}
                        onChange={() => toggle(day, hour)}
                        onFocus={() => setFocus([day, hour])}
                        onKeyDown={(event) => move(event, day, hour)}
                      />
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </Box>
        </Box>
      ) : null}
    </Box>
  );
}

/** "Mon 9 AM–5 PM; Tue ..." in the viewer's locale. */
function summaryOf(grid: WeekGrid): string {
  const hour = (hhmm: string) => hourName(Number(hhmm.slice(0, 2)) % HOURS);
  return windowsOf(grid)
    .filter((day) => day.ranges.length)
    .map((day) => `${shortDay.format(DAY_NAMES[day.weekday - 1]!)} ${day.ranges.map((range) => `${hour(range.start)}–${hour(range.end)}`).join(', ')}`)
    .join('; ');
}
