// The calendar (/calendar): deliveries of the visible month or week in a time zone chosen explicitly and always
// named, filtered by channel, with the selected channel's posting hours and blackouts shaded. Dragging a delivery
// reschedules it to exactly the drop's instant (EXACT); a drop the rules refuse springs back and offers the nearest
// allowed time. Live: every deliveryUpdated event reads the visible range again.
import { useCallback, useMemo, useState } from 'react';
import { Alert, Box, LinearProgress, Typography } from '@mui/material';
import { useCalendarController, type DatesSetInfo } from '@fullcalendar/react';
import { Title, useStore, useTranslate } from 'react-admin';
import { useLiveInvalidate } from '../../live';
import { useCalendarChannels, useChannelPolicy, useRangeDeliveries, type CalendarDelivery, type VisibleRange } from './calendarData';
import { ALL_CHANNELS, CalendarFilters } from './CalendarFilters';
import { CalendarToolbar } from './CalendarToolbar';
import { DeliveryCalendar, MONTH_VIEW, WEEK_VIEW } from './DeliveryCalendar';
import { DeliveryDialog } from './DeliveryDialog';
import { deliveryEvents } from './deliveryEvents';
import { shadingEvents } from './policyShading';
import { RefusedMove } from './RefusedMove';
import { StatusLegend } from './StatusLegend';
import { useMoveDelivery } from './useMoveDelivery';
import { viewerTimeZone } from './zones';

interface Shown extends VisibleRange {
  view: string;
  /** The middle of the current month or week: where the calendar reopens when the zone changes. */
  middle: Date;
}

export default function CalendarPage() {
  const translate = useTranslate();
  const [zone, setZone] = useStore<string>('postflow.calendar.timeZone', viewerTimeZone());
  const [channelId, setChannelId] = useStore<string>('postflow.calendar.channel', ALL_CHANNELS);
  const [shown, setShown] = useState<Shown | null>(null);
  const [opened, setOpened] = useState<CalendarDelivery | null>(null);
  const controller = useCalendarController();

  useLiveInvalidate('subscription CalendarDeliveries { deliveryUpdated { id } }', [['deliveries']]);
  const channels = useCalendarChannels();
  const selectedChannel = channelId !== ALL_CHANNELS && channels.data?.some((channel) => channel.id === channelId) ? channelId : null;
  const range = useMemo(() => (shown ? { from: shown.from, to: shown.to } : null), [shown]);
  const deliveries = useRangeDeliveries(range, selectedChannel);
  const policy = useChannelPolicy(selectedChannel);
  const { move, moving, refusal, dismiss } = useMoveDelivery(zone);

  const closedLabel = translate('postflow.calendar.closed');
  const blackoutLabel = translate('postflow.calendar.blackout');
  const events = useMemo(() => {
    const items = deliveryEvents(deliveries.data ?? []);
    if (!shown || !policy.data || !selectedChannel) return items;
    const shading = shadingEvents(
      policy.data,
      { from: new Date(shown.from), to: new Date(shown.to), zone, timeGrid: shown.view === WEEK_VIEW },
      { closed: closedLabel, blackout: blackoutLabel },
    );
    return [...shading, ...items];
  }, [deliveries.data, policy.data, selectedChannel, shown, zone, closedLabel, blackoutLabel]);

  const onRangeChange = useCallback((info: DatesSetInfo) => {
    const middle = new Date((info.view.currentStart.getTime() + info.view.currentEnd.getTime()) / 2);
    setShown({ from: info.start.toISOString(), to: info.end.toISOString(), view: info.view.type, middle });
  }, []);
  const onDrop = useCallback((delivery: CalendarDelivery, at: Date, revert: () => void) => void move(delivery.id, at, revert), [move]);
  const onMoveFromDialog = useCallback(
    async (delivery: CalendarDelivery, at: Date) => {
      if (await move(delivery.id, at)) setOpened(null);
    },
    [move],
  );

  const channelName = channels.data?.find((channel) => channel.id === selectedChannel)?.name;
  return (
    <Box sx={{ py: 2, minWidth: 0 }}>
      <Title title={translate('postflow.calendar.title')} />
      <Typography component="h1" variant="h5" sx={{ mb: 2 }}>
        {translate('postflow.calendar.title')}
      </Typography>
      <CalendarFilters
        channels={channels.data ?? []}
        channelId={selectedChannel ?? ALL_CHANNELS}
        zone={zone}
        onChannel={setChannelId}
        onZone={(next) => {
          dismiss();
          setZone(next);
        }}
      />
      <Typography variant="subtitle1" component="p" sx={{ fontWeight: 600 }} data-testid="calendar-zone">
        {translate('postflow.calendar.timesIn', { zone })}
      </Typography>
      <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
        {channelName ? translate('postflow.calendar.shadingShown', { channel: channelName }) : translate('postflow.calendar.pickChannelForRules')}
      </Typography>
      <StatusLegend />
      {refusal && <RefusedMove refusal={refusal} zone={zone} moving={moving} onDismiss={dismiss} onMove={(at) => void move(refusal.deliveryId, at)} />}
      {deliveries.error && <Alert severity="error">{translate('postflow.calendar.loadFailed', { message: deliveries.error.message })}</Alert>}
      <CalendarToolbar controller={controller} />
      <Box aria-live="polite" sx={{ minHeight: 4 }}>
        {deliveries.isFetching ? (
          <LinearProgress aria-label={translate('postflow.calendar.loading')} />
        ) : (
          <Typography variant="caption" color="text.secondary" data-testid="calendar-count">
            {translate('postflow.calendar.count', { smart_count: deliveries.data?.length ?? 0, count: (deliveries.data?.length ?? 0).toLocaleString() })}
          </Typography>
        )}
      </Box>
      <DeliveryCalendar
        // A new zone redraws the calendar from scratch (labels, day cells, ranges), reopened where it was.
        key={zone}
        controller={controller}
        zone={zone}
        initialDate={shown?.middle}
        initialView={shown?.view ?? MONTH_VIEW}
        events={events}
        onRangeChange={onRangeChange}
        onDrop={onDrop}
        onOpen={setOpened}
      />
      {opened && <DeliveryDialog delivery={opened} zone={zone} moving={moving} onMove={onMoveFromDialog} onClose={() => setOpened(null)} />}
    </Box>
  );
}
