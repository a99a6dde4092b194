// Deliveries as FullCalendar events: titled by channel and an excerpt of the text, coloured by status (colours dark
// enough for white text at AA contrast; the status is also in each event's label, so colour is never the only cue),
// draggable only when rescheduleDelivery would take them.
import type { EventInput } from '@fullcalendar/react';
import { MOVABLE_STATUSES, type CalendarDelivery } from './calendarData';

export const STATUS_COLOURS: Record<string, string> = {
  SCHEDULED: '#1450a3',
  PENDING: '#455a64',
  DRAFT: '#5c5c5c',
  AWAITING_APPROVAL: '#6a1b9a',
  PUBLISHING: '#8a4b00',
  PUBLISHED: '#1b6e20',
  FAILED: '#b71c1c',
  UNCONFIRMED: '#a33a00',
};

const EXCERPT_LENGTH = 40;

export function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > EXCERPT_LENGTH ? `${flat.slice(0, EXCERPT_LENGTH - 1)}…` : flat;
}

/** The instant a delivery is drawn at: when it went out once published, else when it is due. */
export const timeOf = (delivery: CalendarDelivery): string | null => (delivery.status === 'PUBLISHED' ? (delivery.publishedAt ?? delivery.scheduledAt) : delivery.scheduledAt);

export interface DeliveryEventProps {
  delivery: CalendarDelivery;
}

export function deliveryEvents(deliveries: CalendarDelivery[]): EventInput[] {
  const events: EventInput[] = [];
  for (const delivery of deliveries) {
    const start = timeOf(delivery);
    if (!start) continue;
    const colour = STATUS_COLOURS[delivery.status] ?? STATUS_COLOURS.PENDING;
    events.push({
      id: delivery.id,
      title: `${delivery.channel.name}: ${excerpt(delivery.post.content)}`,
      start,
      allDay: false,
      startEditable: MOVABLE_STATUSES.has(delivery.status),
      durationEditable: false,
      color: colour,
      contrastColor: '#ffffff',
      className: `pf-calendar-delivery pf-status-${delivery.status.toLowerCase()}`,
      extendedProps: { delivery } satisfies DeliveryEventProps,
    });
  }
  return events;
}
