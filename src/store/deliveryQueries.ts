// The console's reads of deliveries (the queue, the calendar, the history): one page of ids in a chosen order, and the
// count of the same filter. Plain SQL because the calendar's order is an expression Prisma cannot sort by; the rows
// themselves are then read through Prisma for GraphQL. Keyset pages: a cursor names a delivery, whose own sort key
// the next page starts after, so a page costs the same however deep it is.
import type { DeliveryStatus } from '../domain/deliveryStatus.js';
import { rows, type Sql } from './sql.js';

export type DeliveryOrderField = 'SCHEDULED_AT' | 'CREATED_AT' | 'UPDATED_AT';
export type SortDirection = 'ASC' | 'DESC';

export interface DeliveryQuery {
  workspaceId: string;
  /** Half-open [from, to) on the delivery's time; either bound alone also leaves out deliveries without a time. */
  from: Date | null;
  to: Date | null;
  channelIds: string[] | null;
  statuses: DeliveryStatus[] | null;
  /** posts.source: MANUAL, IMPORT (people) or PRODUCT, ARTICLE (content sources). */
  postSources: string[] | null;
  /** Content sources' ids, as they write them on their posts (posts.source_id). */
  sourceIds: string[] | null;
  /** Case-insensitive substring of the post's text or of the delivery's own override. */
  text: string | null;
  postId: string | null;
  order: { field: DeliveryOrderField; direction: SortDirection };
}

export interface KeysetPage {
  after?: string;
  before?: string;
  limit: number;
  /** Read backwards (a `last` page): the caller turns the rows round again. */
  inverted: boolean;
}

/**
 * The delivery's time: when it went out, else when it is due; 'infinity' for one without either (a draft, a queued
 * one), which sorts it last. The same expression as migration 0025's index, so the range and the order use it.
 */
export const DELIVERY_TIME = `coalesce(d.published_at, d.scheduled_at, 'infinity'::timestamptz)`;

const SORT_KEYS: Record<DeliveryOrderField, (alias: string) => string> = {
  SCHEDULED_AT: (a) => `coalesce(${a}.published_at, ${a}.scheduled_at, 'infinity'::timestamptz)`,
  CREATED_AT: (a) => `${a}.created_at`,
  UPDATED_AT: (a) => `${a}.updated_at`,
};

// $1 workspace, $2 from, $3 to, $4 channels, $5 statuses, $6 post sources, $7 source ids, $8 text, $9 post. A null
// parameter switches its condition off: node-pg's statements are unnamed, so each is planned with its values and the
// conditions switched off fold away (the range then meets the index).
const FILTER = `d.workspace_id = $1::uuid
   AND (($2::timestamptz IS NULL AND $3::timestamptz IS NULL)
        OR (${DELIVERY_TIME} >= coalesce($2::timestamptz, '-infinity'::timestamptz) AND ${DELIVERY_TIME} < coalesce($3::timestamptz, 'infinity'::timestamptz)))
   AND ($4::uuid[] IS NULL OR d.channel_id = ANY($4::uuid[]))
   AND ($5::"DeliveryStatus"[] IS NULL OR d.status = ANY($5::"DeliveryStatus"[]))
   AND ($6::"PostSource"[] IS NULL OR p.source = ANY($6::"PostSource"[]))
   AND ($7::text[] IS NULL OR p.source_id = ANY($7::text[]))
   AND ($8::text IS NULL OR strpos(lower(p.content), lower($8::text)) > 0 OR strpos(lower(coalesce(d.content_override, '')), lower($8::text)) > 0)
   AND ($9::uuid IS NULL OR d.post_id = $9::uuid)`;

const filterValues = (q: DeliveryQuery): unknown[] => [q.workspaceId, q.from, q.to, q.channelIds, q.statuses, q.postSources, q.sourceIds, q.text, q.postId];

/** One page of the deliveries matching the query, as ids in page order (reversed when `inverted`), `limit` at most. */
export async function findDeliveryPage(sql: Sql, query: DeliveryQuery, page: KeysetPage): Promise<string[]> {
  const key = SORT_KEYS[query.order.field];
  const ascending = query.order.direction === 'ASC';
  const cursorRow = (n: number) => `(SELECT ${key('c')}, c.id FROM deliveries c WHERE c.id = $${n}::uuid AND c.workspace_id = $1::uuid)`;
  // After the cursor in the requested order is "greater" when ascending; a cursor that names no delivery of this
  // workspace compares as NULL and matches nothing.
  const bounds = `($10::uuid IS NULL OR (${key('d')}, d.id) ${ascending ? '>' : '<'} ${cursorRow(10)})
        AND ($11::uuid IS NULL OR (${key('d')}, d.id) ${ascending ? '<' : '>'} ${cursorRow(11)})`;
  const direction = ascending !== page.inverted ? 'ASC' : 'DESC';
  const found = await rows<{ id: string }>(
    sql,
    `SELECT d.id FROM deliveries d JOIN posts p ON p.id = d.post_id
      WHERE ${FILTER}
        AND ${bounds}
      ORDER BY ${key('d')} ${direction}, d.id ${direction}
      LIMIT $12`,
    [...filterValues(query), page.after ?? null, page.before ?? null, page.limit],
  );
  return found.map((r) => r.id);
}

/** How many deliveries match the query (every page together). */
export async function countDeliveries(sql: Sql, query: DeliveryQuery): Promise<number> {
  const [row] = await rows<{ count: number }>(sql, `SELECT count(*)::int AS count FROM deliveries d JOIN posts p ON p.id = d.post_id WHERE ${FILTER}`, filterValues(query));
  return row!.count;
}
