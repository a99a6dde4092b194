// The commonest failure reasons, commonest first, each with a bar of its share of the failures.
import { Box, LinearProgress, List, ListItem, Typography } from '@mui/material';
import { useTranslate } from 'react-admin';
import { formatCount } from './formatAnalytics';
import type { Analytics } from './useAnalytics';

export function FailureReasons({ analytics }: { analytics: Analytics }) {
  const translate = useTranslate();
  const most = Math.max(1, ...analytics.failureReasons.map((reason) => reason.count));
  return (
    <section aria-labelledby="analytics-reasons">
      <Typography component="h3" variant="subtitle1" id="analytics-reasons">
        {translate('postflow.dashboard.analytics.reasons')}
      </Typography>
      {analytics.failureReasons.length ? (
        <List dense data-testid="analytics-reasons">
          {analytics.failureReasons.map((reason) => (
            <ListItem key={reason.reason} disableGutters sx={{ display: 'block' }}>
              <Box sx={{ display: 'flex', justifyContent: 'space-between', gap: 1 }}>
                <Typography component="span" sx={{ overflowWrap: 'anywhere' }}>
                  {reason.reason}
                </Typography>
                <Typography component="span">{formatCount(reason.count)}</Typography>
              </Box>
              {/* Decoration: the count beside it says the same. */}
              <LinearProgress variant="determinate" value={(reason.count / most) * 100} color="error" aria-hidden="true" sx={{ height: 6, borderRadius: 1 }} />
            </ListItem>
          ))}
        </List>
      ) : (
        <Typography color="text.secondary">{translate('postflow.dashboard.analytics.noReasons')}</Typography>
      )}
    </section>
  );
}
