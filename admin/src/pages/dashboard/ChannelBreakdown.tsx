// Per channel: published, failed and on-time rate, as a table (readable as it is, by everyone).
import { Table, TableBody, TableCell, TableContainer, TableHead, TableRow, Typography } from '@mui/material';
import { useTranslate } from 'react-admin';
import { formatCount, formatShare } from './formatAnalytics';
import type { Analytics } from './useAnalytics';

export function ChannelBreakdown({ analytics }: { analytics: Analytics }) {
  const translate = useTranslate();
  const none = translate('postflow.dashboard.analytics.none');
  return (
    <section aria-labelledby="analytics-per-channel">
      <Typography component="h3" variant="subtitle1" id="analytics-per-channel">
        {translate('postflow.dashboard.analytics.perChannel')}
      </Typography>
      {analytics.channels.length ? (
        <TableContainer>
          <Table size="small" aria-labelledby="analytics-per-channel" data-testid="analytics-per-channel">
            <TableHead>
              <TableRow>
                <TableCell scope="col">{translate('postflow.dashboard.analytics.channel')}</TableCell>
                <TableCell scope="col" align="right">
                  {translate('postflow.dashboard.analytics.published')}
                </TableCell>
                <TableCell scope="col" align="right">
                  {translate('postflow.dashboard.analytics.failed')}
                </TableCell>
                <TableCell scope="col" align="right">
                  {translate('postflow.dashboard.analytics.onTimeRate')}
                </TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {analytics.channels.map((row) => (
                <TableRow key={row.channel.id}>
                  <TableCell component="th" scope="row">
                    {row.channel.name}
                  </TableCell>
                  <TableCell align="right">{formatCount(row.published)}</TableCell>
                  <TableCell align="right">{formatCount(row.failed)}</TableCell>
                  <TableCell align="right">{formatShare(row.onTimeRate, none)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </TableContainer>
      ) : (
        <Typography color="text.secondary">{translate('postflow.dashboard.analytics.noChannels')}</Typography>
      )}
    </section>
  );
}
