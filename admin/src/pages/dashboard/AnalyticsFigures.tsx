// The range's headline figures: published, failed, the on-time rate and the lateness median and 95th percentile.
import { Box, Typography } from '@mui/material';
import { useTranslate } from 'react-admin';
import { formatCount, formatDuration, formatShare } from './formatAnalytics';
import type { Analytics } from './useAnalytics';

export function AnalyticsFigures({ analytics }: { analytics: Analytics }) {
  const translate = useTranslate();
  const none = translate('postflow.dashboard.analytics.none');
  const figures = [
    { key: 'published', value: formatCount(analytics.published) },
    { key: 'failed', value: formatCount(analytics.failed) },
    { key: 'onTimeRate', value: formatShare(analytics.onTimeRate, none), help: translate('postflow.dashboard.analytics.onTimeHelp') },
    { key: 'latenessP50', value: formatDuration(analytics.latenessP50Seconds, none) },
    { key: 'latenessP95', value: formatDuration(analytics.latenessP95Seconds, none) },
  ];
  return (
    <Box component="dl" sx={{ display: 'grid', gridTemplateColumns: { xs: 'repeat(2, 1fr)', sm: 'repeat(5, 1fr)' }, gap: 2, m: 0, mb: 2 }}>
      {figures.map((figure) => (
        <Box key={figure.key} sx={{ border: 1, borderColor: 'divider', borderRadius: 1, p: 1.5 }}>
          <Typography component="dt" variant="body2" color="text.secondary">
            {translate(`postflow.dashboard.analytics.${figure.key}`)}
          </Typography>
          <Typography component="dd" variant="h5" sx={{ m: 0 }} data-testid={`analytics-${figure.key}`}>
            {figure.value}
          </Typography>
          {figure.help && (
            <Typography component="dd" variant="caption" color="text.secondary" sx={{ m: 0 }}>
              {figure.help}
            </Typography>
          )}
        </Box>
      ))}
    </Box>
  );
}
