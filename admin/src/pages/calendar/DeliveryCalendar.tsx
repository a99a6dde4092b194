// FullCalendar 7 (React), month and week, in the zone the page chose. Memoised, with stable callbacks from the page:
// a change elsewhere on the page (a refusal shown, a dialog opened) does not make FullCalendar re-read 1,000 events.
// Month cells show a few events and a "+N more" link (dayMaxEvents); events are focusable (eventInteractive) and
// open the delivery's dialog with Enter, the keyboard's way to move one.
import { memo, useCallback } from 'react';
import FullCalendar, { type CalendarController, type DatesSetInfo, type EventClickInfo, type EventDisplayInfo, type EventDropInfo, type EventInput } from '@fullcalendar/react';
import dayGridPlugin from '@fullcalendar/react/daygrid';
import timeGridPlugin from '@fullcalendar/react/timegrid';
import interactionPlugin from '@fullcalendar/react/interaction';
import classicThemePlugin from '@fullcalendar/react/themes/classic';
import allLocales from '@fullcalendar/react/locales-all';
import '@fullcalendar/react/skeleton.css';
import '@fullcalendar/react/themes/classic/theme.css';
import '@fullcalendar/react/themes/classic/palette.css';
import './calendar.css';
import { useTranslate } from 'react-admin';
import type { DeliveryEventProps } from './deliveryEvents';
import type { CalendarDelivery } from './calendarData';
import { formatInZone } from './zones';

export const MONTH_VIEW = 'dayGridMonth';
export const WEEK_VIEW = 'timeGridWeek';

const PLUGINS = [dayGridPlugin, timeGridPlugin, interactionPlugin, classicThemePlugin];
const VIEWS = { [MONTH_VIEW]: { dayMaxEvents: 3 }, [WEEK_VIEW]: { eventMaxStack: 3 } };

export interface DeliveryCalendarProps {
  controller: CalendarController;
  zone: string;
  /** Where it opens (read on mount only). */
  initialDate?: Date;
  initialView: string;
  events: EventInput[];
  onRangeChange: (info: DatesSetInfo) => void;
  /** A delivery dropped at a new instant; revert() puts it back where it was. */
  onDrop: (delivery: CalendarDelivery, at: Date, revert: () => void) => void;
  onOpen: (delivery: CalendarDelivery) => void;
}

const deliveryOf = (event: { extendedProps: Record<string, unknown> }) => (event.extendedProps as Partial<DeliveryEventProps>).delivery;

export const DeliveryCalendar = memo(function DeliveryCalendar({ controller, zone, initialDate, initialView, events, onRangeChange, onDrop, onOpen }: DeliveryCalendarProps) {
  const translate = useTranslate();

  const handleDrop = useCallback(
    (info: EventDropInfo) => {
      const delivery = deliveryOf(info.event);
      if (!delivery || !info.event.start) return info.revert();
      onDrop(delivery, info.event.start, info.revert);
    },
    [onDrop],
  );
  const handleClick = useCallback(
    (info: EventClickInfo) => {
      const delivery = deliveryOf(info.event);
      if (delivery) onOpen(delivery);
    },
    [onOpen],
  );
  // A label for screen readers, and the ids the browser tests find events by: DOM attributes, no React per event.
  const labelEvent = useCallback(
    (info: EventDisplayInfo & { el: HTMLElement }) => {
      const delivery = deliveryOf(info.event);
      // Shading (outside the hours, a blackout): its name as a tooltip.
      if (!delivery) return info.el.setAttribute('title', info.event.title);
      if (!info.event.start) return;
      const status = translate(`postflow.queue.status.${delivery.status}`);
      info.el.setAttribute('data-delivery-id', delivery.id);
      info.el.setAttribute(
        'aria-label',
        translate('postflow.calendar.eventLabel', { channel: delivery.channel.name, text: delivery.post.content, status, time: formatInZone(info.event.start, zone) }),
      );
    },
    [translate, zone],
  );
  const moreLinkText = useCallback((count: number) => translate('postflow.calendar.moreLink', { smart_count: count }), [translate]);
  const moreLinkHint = useCallback((count: number) => translate('postflow.calendar.moreHint', { smart_count: count }), [translate]);

  return (
    <FullCalendar
      controller={controller}
      plugins={PLUGINS}
      views={VIEWS}
      initialView={initialView}
      initialDate={initialDate}
      headerToolbar={false}
      timeZone={zone}
      locales={allLocales}
      locale={navigator.language}
      height="auto"
      events={events}
      editable
      eventDurationEditable={false}
      eventInteractive
      datesSet={onRangeChange}
      eventDrop={handleDrop}
      eventClick={handleClick}
      eventDidMount={labelEvent}
      backgroundEventDidMount={labelEvent}
      moreLinkText={moreLinkText}
      moreLinkHint={moreLinkHint}
      nowIndicator
      scrollTime="08:00:00"
    />
  );
});
