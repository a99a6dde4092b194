// What each event colour means (each event's label also names its status: colour is never the only cue).
import { Box, Typography } from '@mui/material';
import { useTranslate } from 'react-admin';
import { SHOWN_STATUSES } from './calendarData';
import { STATUS_COLOURS } from './deliveryEvents';

export function StatusLegend() {
  const translate = useTranslate();
  return (
    <Box component="ul" aria-label={translate('postflow.calendar.legend')} sx={{ display: 'flex', flexWrap: 'wrap', gap: 1.5, listStyle: 'none', p: 0, m: 0, mb: 1 }}>
      {SHOWN_STATUSES.map((status) => (
        <Box component="li" key={status} sx={{ display: 'flex', alignItems: 'center', gap: 0.5 }}>
          <Box aria-hidden sx={{ width: 12, height: 12, borderRadius: '2px', bgcolor: STATUS_COLOURS[status] }} />
          <Typography variant="caption">{translate(`postflow.queue.status.${status}`)}</Typography>
        </Box>
      ))}
    </Box>
  );
}
