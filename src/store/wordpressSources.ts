// WordPress sites' rows (src/services/wordpressSources.ts): the site key's hash beside the source, and what the
// plugin's ping and status requests read (the workspace's channels, the deliveries of a site's items).
import type { SourceStatus } from '../generated/prisma/enums.js';
import { rows, type Sql } from './sql.js';

/** The site key's hash and the sealed signing secret, replaced together (a new source, a reconnect, a rotation). */
export async function updateSiteCredentials(sql: Sql, sourceId: string, siteKeyHash: string, credentialsSealed: string): Promise<void> {
  await sql.query(`UPDATE sources SET site_key_hash = $2, credentials_sealed = $3, updated_at = now() WHERE id = $1`, [sourceId, siteKeyHash, credentialsSealed]);
}

export interface SiteRow {
  id: string;
  workspaceId: string;
  status: SourceStatus;
  credentialsSealed: string | null;
}

/** The live WordPress source a site key's hash names, connected or not. */
export async function findSourceBySiteKeyHash(sql: Sql, siteKeyHash: string): Promise<SiteRow | null> {
  const found = await rows<SiteRow>(
    sql,
    `SELECT id, workspace_id AS "workspaceId", status, credentials_sealed AS "credentialsSealed"
       FROM sources WHERE site_key_hash = $1 AND kind = 'WORDPRESS' AND deleted_at IS NULL`,
    [siteKeyHash],
  );
  return found[0] ?? null;
}

/** Whether an event id has an outcome already (any but ERROR, which a later try replaces). */
export async function isEventHandled(sql: Sql, sourceId: string, eventId: string): Promise<boolean> {
  const found = await rows(sql, `SELECT 1 FROM source_events WHERE source_id = $1 AND event_id = $2 AND outcome <> 'ERROR' LIMIT 1`, [sourceId, eventId]);
  return found.length > 0;
}

export interface SiteSummary {
  workspace: { id: string; name: string };
  source: { id: string; name: string; status: string };
}

export async function findSiteSummary(sql: Sql, sourceId: string): Promise<SiteSummary | null> {
  const found = await rows<{ workspaceId: string; workspaceName: string; id: string; name: string; status: string }>(
    sql,
    `SELECT w.id AS "workspaceId", w.name AS "workspaceName", s.id, s.name, s.status
       FROM sources s JOIN workspaces w ON w.id = s.workspace_id WHERE s.id = $1 AND s.deleted_at IS NULL`,
    [sourceId],
  );
  const row = found[0];
  return row ? { workspace: { id: row.workspaceId, name: row.workspaceName }, source: { id: row.id, name: row.name, status: row.status } } : null;
}

export interface ChannelSummaryRow {
  id: string;
  name: string;
  network: string;
}

/** The workspace's channels a post can go to now: not deleted, not paused, not waiting for a reconnect. */
export async function findUsableChannels(sql: Sql, workspaceId: string): Promise<ChannelSummaryRow[]> {
  return rows<ChannelSummaryRow>(
    sql,
    `SELECT id, name, platform AS network FROM channels
      WHERE workspace_id = $1 AND deleted_at IS NULL AND NOT paused AND NOT needs_reconnect ORDER BY created_at, id`,
    [workspaceId],
  );
}

/** Which of `ids` are live channels of the workspace. */
export async function findLiveChannelIds(sql: Sql, workspaceId: string, ids: string[]): Promise<string[]> {
  const found = await rows<{ id: string }>(sql, `SELECT id FROM channels WHERE workspace_id = $1 AND id = ANY($2::uuid[]) AND deleted_at IS NULL`, [workspaceId, ids]);
  return found.map((row) => row.id);
}

export interface ItemDeliveryRow {
  itemId: string;
  id: string;
  channelId: string;
  channelName: string;
  network: string;
  status: string;
  scheduledAt: Date | null;
  publishedAt: Date | null;
  externalUrl: string | null;
  lastError: string | null;
}

/** The deliveries of the posts a source's items made (their occurrences'), oldest first, by the site's item id. */
export async function findItemDeliveries(sql: Sql, sourceId: string, externalIds: string[]): Promise<ItemDeliveryRow[]> {
  return rows<ItemDeliveryRow>(
    sql,
    `SELECT i.external_id AS "itemId", d.id, c.id AS "channelId", c.name AS "channelName", c.platform AS network, d.status,
            d.scheduled_at AS "scheduledAt", d.published_at AS "publishedAt", d.external_url AS "externalUrl", d.last_error AS "lastError"
       FROM source_items i
       JOIN source_occurrences o ON o.item_id = i.id
       JOIN deliveries d ON d.post_id = o.post_id
       JOIN channels c ON c.id = d.channel_id
      WHERE i.source_id = $1 AND i.external_id = ANY($2::text[])
      ORDER BY d.created_at, d.id`,
    [sourceId, externalIds],
  );
}
