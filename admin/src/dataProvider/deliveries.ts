// deliveries: the deliveries connection (the queue and the history), filtered and ordered by the API, counted by its
// totalCount, and one delivery with its attempt log (delivery(id)).
// List filters, as the pages set them: channelId, status / statuses, source, from / to (dates, YYYY-MM-DD, read as
// the viewer's days), q (text), withAttempts (each row's attempt log too); sort: scheduledAt (the delivery's time), createdAt, updatedAt.
import type { RaRecord } from 'react-admin';
import { gql } from '../graphql';
import { PAGE_INFO, relayList, type Connection } from './relay';
import type { ResourceProvider } from './types';

export interface DeliveryAttemptRecord {
  id: string;
  number: number;
  outcome: string;
  errorClass: string | null;
  responseCode: number | null;
  responseMessage: string | null;
  startedAt: string;
  finishedAt: string | null;
}

export interface DeliveryRecord extends RaRecord<string> {
  status: string;
  scheduledAt: string | null;
  publishedAt: string | null;
  requestedAt: string | null;
  createdAt: string;
  updatedAt: string;
  attempts: number;
  lastError: string | null;
  scheduleReason: string | null;
  externalUrl: string | null;
  contentOverride: string | null;
  channel: { id: string; name: string; platform: string; timezone: string };
  post: { id: string; content: string; source: string; mediaUrls: string[] };
  /** Only on getOne. */
  attemptLog?: DeliveryAttemptRecord[];
}

export const DELIVERY_FIELDS = `id status scheduledAt publishedAt requestedAt createdAt updatedAt attempts lastError scheduleReason externalUrl
  contentOverride channel { id name platform timezone } post { id content source mediaUrls }`;
const ATTEMPT_FIELDS = 'attemptLog { id number outcome errorClass responseCode responseMessage startedAt finishedAt }';

const list = (fields: string) => `query Deliveries($first: Int, $after: String, $filter: DeliveryFilter, $orderBy: DeliveryOrder) {
  deliveries(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
    edges { cursor node { ${fields} } } ${PAGE_INFO} totalCount
  }
}`;
const LIST = list(DELIVERY_FIELDS);
// The history's failures show the last attempt's answer when the delivery kept no error of its own.
const LIST_WITH_ATTEMPTS = list(`${DELIVERY_FIELDS} ${ATTEMPT_FIELDS}`);
const ONE = `query Delivery($id: ID!) { delivery(id: $id) { ${DELIVERY_FIELDS} ${ATTEMPT_FIELDS} } }`;

const ORDER_FIELDS: Record<string, string> = { scheduledAt: 'SCHEDULED_AT', createdAt: 'CREATED_AT', updatedAt: 'UPDATED_AT' };

export const deliveries: ResourceProvider = {
  getList: relayList<DeliveryRecord>(async ({ first, after, filter, sort }) => {
    const orderBy = { field: ORDER_FIELDS[sort?.field ?? ''] ?? 'SCHEDULED_AT', direction: sort?.order === 'DESC' ? 'DESC' : 'ASC' };
    const data = await gql<{ deliveries: Connection<DeliveryRecord> }>(filter?.withAttempts ? LIST_WITH_ATTEMPTS : LIST, { first, after, filter: deliveryFilter(filter), orderBy });
    return data.deliveries;
  }) as ResourceProvider['getList'],
  async getOne(_resource, { id }) {
    const data = await gql<{ delivery: DeliveryRecord | null }>(ONE, { id });
    if (!data.delivery) throw new Error(`delivery ${id} was not found`);
    return { data: data.delivery as never };
  },
  async getMany(_resource, { ids }) {
    const found = await Promise.all(ids.map(async (id) => (await gql<{ delivery: DeliveryRecord | null }>(ONE, { id })).delivery));
    return { data: found.filter((delivery) => delivery !== null) as never };
  },
};

/** A date input's day (YYYY-MM-DD) as the instant the viewer's day starts, `days` later. */
function startOfDay(day: string, days = 0): string {
  const [year, month, date] = day.split('-').map(Number);
  return new Date(year!, month! - 1, date! + days).toISOString();
}

const present = (value: unknown) => value !== undefined && value !== null && value !== '';

/** react-admin's filter values as a DeliveryFilter (the date range inclusive of its last day). */
export function deliveryFilter(filter: Record<string, unknown> = {}) {
  const { channelId, status, statuses, source, from, to, q } = filter;
  return Object.fromEntries(
    Object.entries({
      channelIds: present(channelId) ? [channelId] : undefined,
      statuses: Array.isArray(statuses) && statuses.length ? statuses : present(status) ? [status] : undefined,
      sources: present(source) ? [source] : undefined,
      from: typeof from === 'string' && from ? startOfDay(from) : undefined,
      to: typeof to === 'string' && to ? startOfDay(to, 1) : undefined,
      text: typeof q === 'string' && q.trim() ? q.trim() : undefined,
    }).filter(([, value]) => value !== undefined),
  );
}
