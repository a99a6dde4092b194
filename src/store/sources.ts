// Content sources' rows: the sources, their items' last known state, every event received with its outcome, and the
// occurrences that each have their one post. The ingestion (src/services/sourcePosts.ts) runs these inside one
// transaction, under the item row's lock.
import type { Channel } from '../generated/prisma/client.js';
import type { SourceEventOutcome, SourceKind, SourceOccurrenceKind, SourceStatus } from '../generated/prisma/enums.js';
import { rows, type Sql } from './sql.js';

export interface SourceRow {
  id: string;
  workspaceId: string;
  kind: SourceKind;
  name: string;
  externalId: string;
  status: SourceStatus;
  credentialsSealed: string | null;
  rules: unknown;
  /** When the source was first connected. */
  createdAt: Date;
  /** When it was last connected (inserted or reconnected): an uninstall triggered before it is a late retry. */
  connectedAt: Date;
}

const SOURCE_COLUMNS = `id, workspace_id AS "workspaceId", kind, name, external_id AS "externalId", status, credentials_sealed AS "credentialsSealed", rules,
                        created_at AS "createdAt", connected_at AS "connectedAt"`;

/**
 * `lock`: FOR UPDATE (a change of the source: uninstall, disconnect). `share`: FOR SHARE, which an ingestion takes so
 * that an uninstall waits for the posts it is making (and holds them too) while ingestions do not wait for each other.
 */
export async function findSource(sql: Sql, sourceId: string, options: { lock?: boolean; share?: boolean } = {}): Promise<SourceRow | null> {
  const lock = options.lock ? ' FOR UPDATE' : options.share ? ' FOR SHARE' : '';
  const found = await rows<SourceRow>(sql, `SELECT ${SOURCE_COLUMNS} FROM sources WHERE id = $1 AND deleted_at IS NULL${lock}`, [sourceId]);
  return found[0] ?? null;
}

/**
 * The live source of a store, whichever workspace has it; with `lock`, an install and a re-install serialise on it.
 * Instance-wide only for SHOPIFY (a shop is one workspace's: its unique index is instance-wide); a WordPress site or
 * a feed may be live in several workspaces, each found by findLiveSourceInWorkspace.
 */
export async function findLiveSourceOfStore(sql: Sql, kind: SourceKind, externalId: string, options: { lock: boolean }): Promise<SourceRow | null> {
  const lock = options.lock ? ' FOR UPDATE' : '';
  const found = await rows<SourceRow>(sql, `SELECT ${SOURCE_COLUMNS} FROM sources WHERE kind = $1::"SourceKind" AND external_id = $2 AND deleted_at IS NULL${lock}`, [
    kind,
    externalId,
  ]);
  return found[0] ?? null;
}

/** The workspace's live source of a site or feed (unique per workspace for WORDPRESS and FEED); with `lock`, FOR UPDATE. */
export async function findLiveSourceInWorkspace(sql: Sql, workspaceId: string, kind: SourceKind, externalId: string, options: { lock: boolean }): Promise<SourceRow | null> {
  const lock = options.lock ? ' FOR UPDATE' : '';
  const found = await rows<SourceRow>(
    sql,
    `SELECT ${SOURCE_COLUMNS} FROM sources WHERE workspace_id = $1 AND kind = $2::"SourceKind" AND external_id = $3 AND deleted_at IS NULL${lock}`,
    [workspaceId, kind, externalId],
  );
  return found[0] ?? null;
}

export interface NewSource {
  workspaceId: string;
  kind: SourceKind;
  name: string;
  externalId: string;
  credentialsSealed: string;
  rules: unknown;
}

export async function insertSource(sql: Sql, s: NewSource): Promise<string> {
  const inserted = await rows<{ id: string }>(
    sql,
    `INSERT INTO sources (workspace_id, kind, name, external_id, credentials_sealed, rules) VALUES ($1, $2::"SourceKind", $3, $4, $5, $6::jsonb) RETURNING id`,
    [s.workspaceId, s.kind, s.name, s.externalId, s.credentialsSealed, JSON.stringify(s.rules)],
  );
  return inserted[0]!.id;
}

/** A re-install: the same source, active again with the new credentials. */
export async function reconnectSourceRow(sql: Sql, sourceId: string, credentialsSealed: string): Promise<void> {
  await sql.query(`UPDATE sources SET status = 'ACTIVE', credentials_sealed = $2, connected_at = now(), updated_at = now() WHERE id = $1`, [sourceId, credentialsSealed]);
}

/** A stopped source whose store joined another workspace: out of the live index (and the sources listed), its credentials gone. */
export async function retireSourceRow(sql: Sql, sourceId: string): Promise<void> {
  await sql.query(`UPDATE sources SET deleted_at = now(), credentials_sealed = NULL, updated_at = now() WHERE id = $1 AND deleted_at IS NULL`, [sourceId]);
}

export async function updateSourceRow(sql: Sql, sourceId: string, change: { name?: string; rules?: unknown }): Promise<void> {
  await sql.query(`UPDATE sources SET name = coalesce($2, name), rules = coalesce($3::jsonb, rules), updated_at = now() WHERE id = $1`, [
    sourceId,
    change.name ?? null,
    change.rules === undefined ? null : JSON.stringify(change.rules),
  ]);
}

/** Stops a source (DISCONNECTED by a person, UNINSTALLED by the store); its credentials are erased with it. */
export async function stopSourceRow(sql: Sql, sourceId: string, status: Exclude<SourceStatus, 'ACTIVE'>): Promise<void> {
  await sql.query(`UPDATE sources SET status = $2::"SourceStatus", credentials_sealed = NULL, updated_at = now() WHERE id = $1`, [sourceId, status]);
}

/** Renewed credentials (a rotated refresh token), stored in one statement. */
export async function updateSourceCredentials(sql: Sql, sourceId: string, credentialsSealed: string): Promise<void> {
  await sql.query(`UPDATE sources SET credentials_sealed = $2, updated_at = now() WHERE id = $1`, [sourceId, credentialsSealed]);
}

/** A source's sealed credentials, its row locked until the caller's transaction ends (one renewal at a time). */
export async function lockSourceCredentials(sql: Sql, sourceId: string): Promise<string | null> {
  const found = await rows<{ sealed: string | null }>(sql, `SELECT credentials_sealed AS sealed FROM sources WHERE id = $1 AND deleted_at IS NULL FOR UPDATE`, [sourceId]);
  return found[0]?.sealed ?? null;
}

/** Removes a source with its items, events and occurrences (the foreign keys cascade); its posts stay the workspace's. */
export async function deleteSourceRow(sql: Sql, sourceId: string): Promise<void> {
  await sql.query(`DELETE FROM sources WHERE id = $1`, [sourceId]);
}

// ---- items ----

export interface ItemRow {
  id: string;
  snapshot: unknown;
  published: boolean;
  inStock: boolean;
  onSale: boolean;
  firstPublishedAt: Date | null;
  restocks: number;
  sales: number;
  lastChangedAt: Date;
  deletedAt: Date | null;
}

/** The item's row, created (empty, unpublished) if the store names it for the first time; locked either way. */
export async function lockItem(sql: Sql, sourceId: string, externalId: string, options: { create: boolean; snapshot?: unknown }): Promise<ItemRow | null> {
  if (options.create) {
    await sql.query(
      `INSERT INTO source_items (source_id, external_id, snapshot, last_changed_at) VALUES ($1, $2, $3::jsonb, 'epoch') ON CONFLICT (source_id, external_id) DO NOTHING`,
      [sourceId, externalId, JSON.stringify(options.snapshot ?? {})],
    );
  }
  const found = await rows<ItemRow>(
    sql,
    `SELECT id, snapshot, published, in_stock AS "inStock", on_sale AS "onSale", first_published_at AS "firstPublishedAt", restocks, sales,
            last_changed_at AS "lastChangedAt", deleted_at AS "deletedAt"
       FROM source_items WHERE source_id = $1 AND external_id = $2 FOR UPDATE`,
    [sourceId, externalId],
  );
  return found[0] ?? null;
}

export interface ItemUpdate {
  snapshot: unknown;
  published: boolean;
  inStock: boolean;
  onSale: boolean;
  firstPublishedAt: Date | null;
  restocks: number;
  sales: number;
  lastChangedAt: Date;
  deleted: boolean;
}

export async function updateItemRow(sql: Sql, itemId: string, u: ItemUpdate): Promise<void> {
  await sql.query(
    `UPDATE source_items SET snapshot = $2::jsonb, published = $3, in_stock = $4, on_sale = $5, first_published_at = $6, restocks = $7, sales = $8,
            last_changed_at = $9, deleted_at = CASE WHEN $10 THEN coalesce(deleted_at, now()) END, updated_at = now()
      WHERE id = $1`,
    [itemId, JSON.stringify(u.snapshot), u.published, u.inStock, u.onSale, u.firstPublishedAt, u.restocks, u.sales, u.lastChangedAt, u.deleted],
  );
}

// ---- events ----

export interface SourceEventRecord {
  sourceId: string;
  eventId: string;
  itemExternalId: string | null;
  change: string;
  changedAt: Date | null;
  outcome: SourceEventOutcome;
  reason: string;
  postIds: string[];
}

/** The event's row with a final outcome (any but ERROR, which a later try replaces), if it was handled already. */
export async function findHandledEvent(sql: Sql, sourceId: string, eventId: string): Promise<{ outcome: SourceEventOutcome; postIds: string[] } | null> {
  const found = await rows<{ outcome: SourceEventOutcome; postIds: string[] }>(
    sql,
    `SELECT outcome, post_ids AS "postIds" FROM source_events WHERE source_id = $1 AND event_id = $2 AND outcome NOT IN ('DUPLICATE', 'ERROR')`,
    [sourceId, eventId],
  );
  return found[0] ?? null;
}

/**
 * Records an event's outcome. A DUPLICATE is a row of its own; any other outcome is the event's one row, replacing an
 * ERROR of an earlier try. Answers false when the event already had a final outcome (nothing written then).
 */
export async function recordSourceEvent(sql: Sql, e: SourceEventRecord): Promise<boolean> {
  const values = [e.sourceId, e.eventId, e.itemExternalId, e.change, e.changedAt, e.outcome, e.reason, e.postIds];
  const insert = `INSERT INTO source_events (source_id, event_id, item_external_id, change, changed_at, outcome, reason, post_ids)
                  VALUES ($1, $2, $3, $4, $5, $6::"SourceEventOutcome", $7, $8::uuid[])`;
  if (e.outcome === 'DUPLICATE') {
    await sql.query(insert, values);
    return true;
  }
  const written = await rows<{ id: string }>(
    sql,
    `${insert}
     ON CONFLICT (source_id, event_id) WHERE outcome <> 'DUPLICATE'
     DO UPDATE SET outcome = EXCLUDED.outcome, reason = EXCLUDED.reason, post_ids = EXCLUDED.post_ids, changed_at = EXCLUDED.changed_at, received_at = now()
     WHERE source_events.outcome = 'ERROR'
     RETURNING id`,
    values,
  );
  return written.length > 0;
}

// ---- occurrences ----

/** Takes an occurrence for its post; false when it was taken already (its post exists). */
export async function insertOccurrence(sql: Sql, o: { sourceId: string; itemId: string; kind: SourceOccurrenceKind; occurrence: number; postId: string }): Promise<boolean> {
  const inserted = await rows<{ post_id: string }>(
    sql,
    `INSERT INTO source_occurrences (source_id, item_id, kind, occurrence, post_id) VALUES ($1, $2, $3::"SourceOccurrenceKind", $4, $5)
     ON CONFLICT DO NOTHING RETURNING post_id`,
    [o.sourceId, o.itemId, o.kind, o.occurrence, o.postId],
  );
  return inserted.length > 0;
}

/** Whether an occurrence is taken (its post made): a share request numbered again is not shared twice. */
export async function hasOccurrence(sql: Sql, o: { sourceId: string; itemId: string; kind: SourceOccurrenceKind; occurrence: number }): Promise<boolean> {
  const found = await rows(sql, `SELECT 1 FROM source_occurrences WHERE source_id = $1 AND item_id = $2 AND kind = $3::"SourceOccurrenceKind" AND occurrence = $4`, [
    o.sourceId,
    o.itemId,
    o.kind,
    o.occurrence,
  ]);
  return found.length > 0;
}

/** The deliveries of an item's posts that are not out yet (what its deletion cancels), with their posts. */
export async function findOpenDeliveriesOfItem(sql: Sql, itemId: string): Promise<{ deliveryId: string; postId: string }[]> {
  return rows(
    sql,
    `SELECT d.id AS "deliveryId", d.post_id AS "postId" FROM source_occurrences o JOIN deliveries d ON d.post_id = o.post_id
      WHERE o.item_id = $1 AND d.status IN ('DRAFT', 'PENDING', 'AWAITING_APPROVAL', 'SCHEDULED', 'FAILED')`,
    [itemId],
  );
}

/** The workspace's live channels among `ids`, for the posts a source makes (in the job, which has no Prisma client). */
export async function findChannelsForSource(sql: Sql, workspaceId: string, ids: string[]): Promise<Channel[]> {
  if (!ids.length) return [];
  return rows<Channel>(
    sql,
    `SELECT id, workspace_id AS "workspaceId", platform, name, account_handle AS "accountHandle", credentials_encrypted AS "credentialsEncrypted", settings,
            timezone, policy, paused, needs_reconnect AS "needsReconnect", auth_error AS "authError", credentials_expire_at AS "credentialsExpireAt",
            app_key AS "appKey", created_at AS "createdAt", updated_at AS "updatedAt", deleted_at AS "deletedAt"
       FROM channels WHERE workspace_id = $1 AND id = ANY($2::uuid[]) AND deleted_at IS NULL`,
    [workspaceId, ids],
  );
}
