// Published and failed deliveries per day as bars. The chart is hidden from screen readers, who get the same numbers
// as a table (read aloud, not drawn) and a one-sentence summary as the figure's description.
import { Box, Table, TableBody, TableCell, TableHead, TableRow, Typography, useTheme } from '@mui/material';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useTranslate } from 'react-admin';
import { formatCount, formatLongDay, formatShortDay } from './formatAnalytics';
import type { Analytics } from './useAnalytics';

// Read by screen readers, not drawn (sx's width: 1 would be 100%: pixels are spelt out).
export const VISUALLY_HIDDEN = {
  position: 'absolute',
  width: '1px',
  height: '1px',
  overflow: 'hidden',
  clip: 'rect(0 0 0 0)',
  whiteSpace: 'nowrap',
  border: 0,
  padding: 0,
  margin: '-1px',
} as const;

export function DailyChart({ analytics }: { analytics: Analytics }) {
  const translate = useTranslate();
  const theme = useTheme();
  const data = analytics.days.map((day) => ({ ...day, label: formatShortDay(day.day) }));
  const busiest = analytics.days.reduce((best, day) => (day.published + day.failed > best.published + best.failed ? day : best), analytics.days[0]!);
  const description =
    analytics.published + analytics.failed
      ? translate('postflow.dashboard.analytics.perDayDescription', {
          published: formatCount(analytics.published),
          failed: formatCount(analytics.failed),
          days: formatCount(analytics.days.length),
          busiest: formatLongDay(busiest.day),
        })
      : translate('postflow.dashboard.analytics.perDayQuiet');
  const published = translate('postflow.dashboard.analytics.published');
  const failed = translate('postflow.dashboard.analytics.failed');
  return (
    <Box component="figure" aria-labelledby="analytics-per-day" aria-describedby="analytics-per-day-description" sx={{ m: 0, mb: 2 }}>
      <Typography component="figcaption" variant="subtitle1" id="analytics-per-day">
        {translate('postflow.dashboard.analytics.perDay')}
      </Typography>
      <Typography variant="body2" color="text.secondary" id="analytics-per-day-description" data-testid="analytics-per-day-description">
        {description}
      </Typography>
      <Box aria-hidden="true" sx={{ width: '100%', height: 260 }}>
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={data} accessibilityLayer={false} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="label" tick={{ fontSize: 12 }} minTickGap={8} />
            <YAxis allowDecimals={false} tick={{ fontSize: 12 }} />
            <Tooltip />
            <Legend />
            <Bar dataKey="published" name={published} fill={theme.palette.success.main} isAnimationActive={false} />
            <Bar dataKey="failed" name={failed} fill={theme.palette.error.main} isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </Box>
      {/* A table does not shrink to 1 px: its box does. */}
      <Box sx={VISUALLY_HIDDEN}>
        <Table size="small" aria-labelledby="analytics-per-day" data-testid="analytics-per-day-table">
          <TableHead>
            <TableRow>
              <TableCell scope="col">{translate('postflow.dashboard.analytics.day')}</TableCell>
              <TableCell scope="col">{published}</TableCell>
              <TableCell scope="col">{failed}</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {analytics.days.map((day) => (
              <TableRow key={day.day} data-day={day.day}>
                <TableCell component="th" scope="row">
                  {formatLongDay(day.day)}
                </TableCell>
                <TableCell>{formatCount(day.published)}</TableCell>
                <TableCell>{formatCount(day.failed)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Box>
    </Box>
  );
}
