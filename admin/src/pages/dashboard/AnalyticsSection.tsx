// The dashboard's delivery analytics: the range and channel filter, the headline figures, published and failed per
// day, per channel, and the failure reasons. Days are the viewer's, in their time zone, named on screen.
import { useState } from 'react';
import { Alert, Box, Card, CardContent, LinearProgress, Typography } from '@mui/material';
import { useTranslate } from 'react-admin';
import { AnalyticsControls } from './AnalyticsControls';
import { AnalyticsFigures } from './AnalyticsFigures';
import { ChannelBreakdown } from './ChannelBreakdown';
import { DailyChart } from './DailyChart';
import { FailureReasons } from './FailureReasons';
import { formatLongDay } from './formatAnalytics';
import { useAnalytics, VIEWER_ZONE, type RangeDays } from './useAnalytics';

export function AnalyticsSection() {
  const translate = useTranslate();
  const [days, setDays] = useState<RangeDays>(7);
  const [channelIds, setChannelIds] = useState<string[]>([]);
  const { data, error, isPending, isPlaceholderData, isFetching } = useAnalytics(days, channelIds);
  const updating = isPending || (isFetching && isPlaceholderData);
  return (
    <Card component="section" aria-labelledby="analytics-heading" aria-busy={updating} sx={{ gridColumn: '1 / -1' }}>
      <CardContent>
        <Typography component="h2" variant="h6" id="analytics-heading" sx={{ mb: 1 }}>
          {translate('postflow.dashboard.analytics.title')}
        </Typography>
        <AnalyticsControls days={days} onDays={setDays} channelIds={channelIds} onChannelIds={setChannelIds} />
        {updating && <LinearProgress aria-label={translate('postflow.dashboard.analytics.loading')} sx={{ mb: 1 }} />}
        {error && <Alert severity="warning">{translate('postflow.dashboard.loadFailed', { message: error.message })}</Alert>}
        {data && (
          <Box data-testid="analytics" data-range={isPlaceholderData ? 'stale' : `${days}`}>
            <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>
              {translate('postflow.dashboard.analytics.zone', {
                from: formatLongDay(data.days[0]?.day ?? ''),
                to: formatLongDay(data.days.at(-1)?.day ?? ''),
                zone: data.timeZone || VIEWER_ZONE,
              })}
            </Typography>
            <AnalyticsFigures analytics={data} />
            <DailyChart analytics={data} />
            <Box sx={{ display: 'grid', gap: 3, gridTemplateColumns: { xs: '1fr', md: '3fr 2fr' } }}>
              <ChannelBreakdown analytics={data} />
              <FailureReasons analytics={data} />
            </Box>
          </Box>
        )}
      </CardContent>
    </Card>
  );
}
