// The deliveries connection behind the console's queue, calendar and history: a filter and an order checked (each
// refusal names its field and rule), then pages read by the store's keyset query and the count of the same filter.
import type { DeliveryStatus } from '../domain/deliveryStatus.js';
import {
  countDeliveries,
  findChannelsByIds,
  findDeliveryPage,
  findDeliveryRowsPage,
  type DeliveryOrderField,
  type DeliveryWithPost,
  type PageChannel,
  type DeliveryQuery,
  type KeysetPage,
  type SortDirection,
} from '../store/deliveryQueries.js';
import type { ServiceDeps } from './deps.js';
import { Issues, isUuid, uuidOrNil } from './validation.js';

/** A calendar month of a busy workspace fits in two pages. */
export const MAX_DELIVERY_PAGE = 500;
/** A year's range (a leap year's, so that any calendar year fits). */
export const MAX_RANGE_DAYS = 366;
const MAX_IDS = 100;
const MAX_TEXT = 200;
const DAY = 86_400_000;

export interface DeliveryFilterInput {
  from?: Date | null;
  to?: Date | null;
  channelIds?: string[] | null;
  statuses?: DeliveryStatus[] | null;
  sources?: string[] | null;
  sourceIds?: string[] | null;
  text?: string | null;
  postId?: string | null;
}

export interface DeliveryOrderInput {
  field?: DeliveryOrderField | null;
  direction?: SortDirection | null;
}

export interface PageArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
}

/** A range [from, to) as the console sends it: from before to, and not longer than `maxDays`. */
export function checkRange(issues: Issues, base: (string | number)[], from: Date | null | undefined, to: Date | null | undefined, maxDays: number): void {
  if (!from || !to) return;
  if (!issues.check(from.getTime() < to.getTime(), [...base, 'to'], 'afterFrom', `to (${to.toISOString()}) must be later than from (${from.toISOString()})`)) return;
  issues.check(to.getTime() - from.getTime() <= maxDays * DAY, [...base, 'to'], 'maxRange', `from and to may be at most ${maxDays} days apart`);
}

/**
 * The store's query for a caller's filter and order, or a ValidationError naming every bad field. Ids that are not
 * uuids match nothing (as elsewhere in the API); an empty list matches nothing either.
 */
export function deliveryQuery(workspaceId: string, filter: DeliveryFilterInput | null | undefined, orderBy: DeliveryOrderInput | null | undefined, page: PageArgs): DeliveryQuery {
  const issues = new Issues();
  const f = filter ?? {};
  checkRange(issues, ['filter'], f.from, f.to, MAX_RANGE_DAYS);
  for (const name of ['channelIds', 'sourceIds', 'statuses', 'sources'] as const) {
    issues.check((f[name]?.length ?? 0) <= MAX_IDS, ['filter', name], 'maxItems', `${name} may name at most ${MAX_IDS} values`);
  }
  issues.check((f.text?.length ?? 0) <= MAX_TEXT, ['filter', 'text'], 'maxLength', `text may be at most ${MAX_TEXT} characters`);
  for (const name of ['first', 'last'] as const) {
    const size = page[name];
    if (size != null) issues.check(size >= 0 && size <= MAX_DELIVERY_PAGE, [name], 'max', `${name} must be from 0 to ${MAX_DELIVERY_PAGE}`);
  }
  for (const name of ['after', 'before'] as const) {
    const cursor = page[name];
    if (cursor != null) issues.check(isUuid(cursor), [name], 'cursor', `${name} is not a cursor of this connection: pass an edge's cursor or pageInfo's`);
  }
  issues.throwIfAny();
  return {
    workspaceId,
    from: f.from ?? null,
    to: f.to ?? null,
    channelIds: f.channelIds ? f.channelIds.map(uuidOrNil) : null,
    statuses: f.statuses ? [...new Set(f.statuses)] : null,
    postSources: f.sources ? [...new Set(f.sources)] : null,
    sourceIds: f.sourceIds ?? null,
    // An empty text asks for nothing: no filter.
    text: f.text ? f.text : null,
    postId: f.postId ? uuidOrNil(f.postId) : null,
    order: { field: orderBy?.field ?? 'SCHEDULED_AT', direction: orderBy?.direction ?? 'ASC' },
  };
}

export const findDeliveryIds = (deps: ServiceDeps, query: DeliveryQuery, page: KeysetPage): Promise<string[]> => findDeliveryPage(deps.pool, query, page);

export interface DeliveryWithPostAndChannel extends DeliveryWithPost {
  channel: PageChannel;
}

/** The same page whole: each delivery with its post and its channel (one object per channel, however many share it). */
export async function findDeliveries(deps: ServiceDeps, query: DeliveryQuery, page: KeysetPage): Promise<DeliveryWithPostAndChannel[]> {
  const deliveries = await findDeliveryRowsPage(deps.pool, query, page);
  if (!deliveries.length) return [];
  const channels = new Map((await findChannelsByIds(deps.pool, query.workspaceId, [...new Set(deliveries.map((d) => d.channelId))])).map((c) => [c.id, c]));
  return deliveries.map((delivery) => Object.assign(delivery, { channel: channels.get(delivery.channelId)! }));
}

export const countMatchingDeliveries = (deps: ServiceDeps, query: DeliveryQuery): Promise<number> => countDeliveries(deps.pool, query);
