// The console's reads of deliveries (the queue, the calendar, the history): one page in a chosen order, and the count
// of the same filter. Plain SQL because the calendar's order is an expression Prisma cannot sort by. Keyset pages: a
// cursor names a delivery, whose own sort key the next page starts after, so a page costs the same however deep it is.
// A page is read either as ids (for Prisma to read with a deep GraphQL selection) or whole, each delivery with its
// post (one statement) and then the page's channels: materialising 500 rows through Prisma cost ten times the SQL.
import type { DeliveryStatus } from '../domain/deliveryStatus.js';
import type { Channel, Delivery, Post } from '../generated/prisma/client.js';
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

/** The page's WHERE (filter and cursors), ORDER BY and LIMIT, after `FROM deliveries d JOIN posts p`; $1-$12. */
function keysetPage(query: DeliveryQuery, page: KeysetPage): { tail: string; values: unknown[] } {
  const key = SORT_KEYS[query.order.field];
  const ascending = query.order.direction === 'ASC';
  const cursorRow = (n: number) => `(SELECT ${key('c')}, c.id FROM deliveries c WHERE c.id = $${n}::uuid AND c.workspace_id = $1::uuid)`;
  // After the cursor in the requested order is "greater" when ascending; a cursor that names no delivery of this
  // workspace compares as NULL and matches nothing.
  const bounds = `($10::uuid IS NULL OR (${key('d')}, d.id) ${ascending ? '>' : '<'} ${cursorRow(10)})
        AND ($11::uuid IS NULL OR (${key('d')}, d.id) ${ascending ? '<' : '>'} ${cursorRow(11)})`;
  const direction = ascending !== page.inverted ? 'ASC' : 'DESC';
  return {
    tail: `WHERE ${FILTER}
        AND ${bounds}
      ORDER BY ${key('d')} ${direction}, d.id ${direction}
      LIMIT $12`,
    values: [...filterValues(query), page.after ?? null, page.before ?? null, page.limit],
  };
}

/** One page of the deliveries matching the query, as ids in page order (reversed when `inverted`), `limit` at most. */
export async function findDeliveryPage(sql: Sql, query: DeliveryQuery, page: KeysetPage): Promise<string[]> {
  const { tail, values } = keysetPage(query, page);
  const found = await rows<{ id: string }>(sql, `SELECT d.id FROM deliveries d JOIN posts p ON p.id = d.post_id ${tail}`, values);
  return found.map((r) => r.id);
}

/** A channel as the page reads it: every column but the sealed credentials, which nothing shown to a person needs. */
export type PageChannel = Omit<Channel, 'credentialsEncrypted'>;

/** A delivery with its post, field for field as Prisma reads them (GraphQL's Delivery and Post). */
export interface DeliveryWithPost extends Delivery {
  post: Post;
}

// Each model's fields by Prisma name -> column. `satisfies` makes a field added to schema.prisma and missing here a
// compile error, so these rows never lack what the Prisma-read ones have.
const DELIVERY_COLUMNS = {
  id: 'id',
  postId: 'post_id',
  channelId: 'channel_id',
  workspaceId: 'workspace_id',
  status: 'status',
  scheduledAt: 'scheduled_at',
  requestedAt: 'requested_at',
  scheduleReason: 'schedule_reason',
  attempts: 'attempts',
  lastError: 'last_error',
  externalId: 'external_id',
  externalUrl: 'external_url',
  publishedAt: 'published_at',
  contentOverride: 'content_override',
  linkCard: 'link_card',
  publishProgress: 'publish_progress',
  publishNow: 'publish_now',
  dueAt: 'due_at',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
} as const satisfies Record<keyof Delivery, string>;

const POST_COLUMNS = {
  id: 'id',
  workspaceId: 'workspace_id',
  authorId: 'author_id',
  content: 'content',
  mediaUrls: 'media_urls',
  source: 'source',
  sourceId: 'source_id',
  priority: 'priority',
  schedulingMode: 'scheduling_mode',
  idempotencyKey: 'idempotency_key',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
} as const satisfies Record<keyof Post, string>;

const CHANNEL_COLUMNS = {
  id: 'id',
  workspaceId: 'workspace_id',
  platform: 'platform',
  name: 'name',
  accountHandle: 'account_handle',
  settings: 'settings',
  timezone: 'timezone',
  policy: 'policy',
  paused: 'paused',
  needsReconnect: 'needs_reconnect',
  authError: 'auth_error',
  credentialsExpireAt: 'credentials_expire_at',
  appKey: 'app_key',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  deletedAt: 'deleted_at',
} as const satisfies Record<keyof PageChannel, string>;

const DELIVERY_FIELDS = Object.keys(DELIVERY_COLUMNS);
const POST_FIELDS = Object.keys(POST_COLUMNS);
const CHANNEL_FIELDS = Object.keys(CHANNEL_COLUMNS);
const columnsOf = (alias: string, columns: Record<string, string>) => Object.values(columns).map((column) => `${alias}.${column}`);
const POST_AT = DELIVERY_FIELDS.length;
const PAGE_COLUMNS = [...columnsOf('d', DELIVERY_COLUMNS), ...columnsOf('p', POST_COLUMNS)].join(', ');
const CHANNELS_COLUMNS = columnsOf('ch', CHANNEL_COLUMNS).join(', ');

/** Fields `names` from `row` starting at `offset`, as one object. */
function pick(row: unknown[], offset: number, names: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < names.length; i++) out[names[i]!] = row[offset + i];
  return out;
}

// Arrays, not an object per row from pg: the fields are named once, from the same lists the columns came from.
const arrays = (sql: Sql, text: string, values: unknown[]) => (sql as import('pg').Pool).query<unknown[]>({ text, values, rowMode: 'array' });

/** The same page as findDeliveryPage, read whole: each delivery with its post, in page order. */
export async function findDeliveryRowsPage(sql: Sql, query: DeliveryQuery, page: KeysetPage): Promise<DeliveryWithPost[]> {
  const { tail, values } = keysetPage(query, page);
  const result = await arrays(sql, `SELECT ${PAGE_COLUMNS} FROM deliveries d JOIN posts p ON p.id = d.post_id ${tail}`, values);
  return result.rows.map((row) => {
    const delivery = pick(row, 0, DELIVERY_FIELDS) as unknown as DeliveryWithPost;
    delivery.post = pick(row, POST_AT, POST_FIELDS) as unknown as Post;
    return delivery;
  });
}

/**
 * The workspace's channels among `ids` (deleted ones too: their deliveries still show them), for a page's deliveries.
 * Apart from the page because a page's few channels repeat on every row: joined, each would be read 100 times over.
 */
export async function findChannelsByIds(sql: Sql, workspaceId: string, ids: string[]): Promise<PageChannel[]> {
  const result = await arrays(sql, `SELECT ${CHANNELS_COLUMNS} FROM channels ch WHERE ch.id = ANY($2::uuid[]) AND ch.workspace_id = $1::uuid`, [workspaceId, ids]);
  return result.rows.map((row) => pick(row, 0, CHANNEL_FIELDS) as unknown as PageChannel);
}

/** How many deliveries match the query (every page together). */
export async function countDeliveries(sql: Sql, query: DeliveryQuery): Promise<number> {
  const [row] = await rows<{ count: number }>(sql, `SELECT count(*)::int AS count FROM deliveries d JOIN posts p ON p.id = d.post_id WHERE ${FILTER}`, filterValues(query));
  return row!.count;
}
