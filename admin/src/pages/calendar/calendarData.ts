// What the calendar reads and writes, through the one GraphQL client: every delivery of the visible range (pages of
// 500 until done), the channels, the selected channel's policy, and rescheduleDelivery. The range's query key starts
// with 'deliveries', so a live deliveryUpdated event (useLiveInvalidate) refetches it like every deliveries list.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { gql } from '../../graphql';
import { POLICY_QUERY, type ChannelPolicy } from './policyShading';

export interface CalendarDelivery {
  id: string;
  status: string;
  scheduledAt: string | null;
  publishedAt: string | null;
  scheduleReason: string | null;
  post: { id: string; content: string };
  channel: { id: string; name: string; timezone: string };
}

export interface CalendarChannel {
  id: string;
  name: string;
  platform: string;
  timezone: string;
}

export interface VisibleRange {
  from: string;
  to: string;
}

const PAGE_SIZE = 500;

/**
 * Everything but CANCELLED: a cancelled post no longer goes out, and showing it would crowd the days that matter.
 * (The queue lists them.)
 */
export const SHOWN_STATUSES = ['AWAITING_APPROVAL', 'DRAFT', 'FAILED', 'PENDING', 'PUBLISHED', 'PUBLISHING', 'SCHEDULED', 'UNCONFIRMED'];

/** What rescheduleDelivery may move to a new time (the server's EDITABLE_STATUSES less CANCELLED, which is not shown). */
export const MOVABLE_STATUSES = new Set(['DRAFT', 'PENDING', 'SCHEDULED', 'FAILED']);

const DELIVERIES_QUERY = `query CalendarDeliveries($filter: DeliveryFilter!, $after: String) {
  deliveries(filter: $filter, first: ${PAGE_SIZE}, after: $after) {
    edges { node { id status scheduledAt publishedAt scheduleReason post { id content } channel { id name timezone } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

interface DeliveriesPage {
  deliveries: { edges: { node: CalendarDelivery }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
}

export async function fetchRange(range: VisibleRange, channelId: string | null): Promise<CalendarDelivery[]> {
  const filter = { from: range.from, to: range.to, statuses: SHOWN_STATUSES, ...(channelId && { channelIds: [channelId] }) };
  const all: CalendarDelivery[] = [];
  let after: string | null = null;
  for (;;) {
    const page: DeliveriesPage = await gql<DeliveriesPage>(DELIVERIES_QUERY, { filter, after });
    all.push(...page.deliveries.edges.map((edge) => edge.node));
    if (!page.deliveries.pageInfo.hasNextPage) return all;
    after = page.deliveries.pageInfo.endCursor;
  }
}

export function useRangeDeliveries(range: VisibleRange | null, channelId: string | null) {
  return useQuery({
    queryKey: ['deliveries', 'calendar', range, channelId],
    queryFn: () => fetchRange(range!, channelId),
    enabled: range !== null,
    // The month being left stays on screen until the next one has arrived, rather than an empty grid in between.
    placeholderData: keepPreviousData,
  });
}

export function useCalendarChannels() {
  return useQuery({
    queryKey: ['channels', 'calendar'],
    queryFn: async () => (await gql<{ channels: CalendarChannel[] }>('query CalendarChannels { channels { id name platform timezone } }')).channels,
  });
}

export function useChannelPolicy(channelId: string | null) {
  return useQuery({
    queryKey: ['channels', 'calendar', 'policy', channelId],
    queryFn: async () => (await gql<{ channel: ChannelPolicy }>(POLICY_QUERY, { id: channelId })).channel,
    enabled: channelId !== null,
  });
}

const RESCHEDULE = `mutation CalendarReschedule($id: ID!, $at: DateTime!) {
  rescheduleDelivery(id: $id, scheduledAt: $at, schedulingMode: EXACT) { id status scheduledAt }
}`;

/** Moves a delivery to exactly that instant; a refusal rejects with gql()'s HttpError (see refusalOf). */
export async function rescheduleExactly(id: string, at: Date): Promise<{ id: string; status: string; scheduledAt: string }> {
  return (await gql<{ rescheduleDelivery: { id: string; status: string; scheduledAt: string } }>(RESCHEDULE, { id, at: at.toISOString() })).rescheduleDelivery;
}
