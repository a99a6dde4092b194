// The calendar's own toolbar (FullCalendar's is turned off): previous / today / next, the range's title, month or week.
// MUI buttons, so they are labelled through the i18nProvider, reachable by Tab and wrap on a phone.
import { Box, Button, IconButton, ToggleButton, ToggleButtonGroup, Tooltip, Typography } from '@mui/material';
import ChevronLeftIcon from '@mui/icons-material/ChevronLeft';
import ChevronRightIcon from '@mui/icons-material/ChevronRight';
import type { CalendarController } from '@fullcalendar/react';
import { useTranslate } from 'react-admin';
import { MONTH_VIEW, WEEK_VIEW } from './DeliveryCalendar';

export function CalendarToolbar({ controller }: { controller: CalendarController }) {
  const translate = useTranslate();
  const view = controller.view;
  return (
    <Box sx={{ display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: 1, mb: 1 }}>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 0.5 }}>
        <Tooltip title={translate('postflow.calendar.previous')}>
          <IconButton aria-label={translate('postflow.calendar.previous')} onClick={() => controller.prev()}>
            <ChevronLeftIcon />
          </IconButton>
        </Tooltip>
        <Button variant="outlined" size="small" onClick={() => controller.today()}>
          {translate('postflow.calendar.today')}
        </Button>
        <Tooltip title={translate('postflow.calendar.next')}>
          <IconButton aria-label={translate('postflow.calendar.next')} onClick={() => controller.next()}>
            <ChevronRightIcon />
          </IconButton>
        </Tooltip>
      </Box>
      <Typography component="h2" variant="h6" sx={{ flexGrow: 1, minWidth: 0 }} data-testid="calendar-range-title">
        {view?.title ?? ''}
      </Typography>
      <ToggleButtonGroup
        exclusive
        size="small"
        value={view?.type ?? MONTH_VIEW}
        onChange={(_event, next: string | null) => next && controller.changeView(next)}
        aria-label={translate('postflow.calendar.views')}
      >
        <ToggleButton value={MONTH_VIEW}>{translate('postflow.calendar.month')}</ToggleButton>
        <ToggleButton value={WEEK_VIEW}>{translate('postflow.calendar.week')}</ToggleButton>
      </ToggleButtonGroup>
    </Box>
  );
}
