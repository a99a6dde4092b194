// Workspace exports (src/services/workspaceExport.ts): the row a request creates, the pages the export job reads,
// the archive it saves, the one download, and housekeeping. The archive is gzip'd JSON in a bytea: PostgreSQL is the
// only place every API process can read it from. Channels are read column by column, never credentials_encrypted.
import type { PoolClient } from 'pg';
import { rows, type Sql } from './sql.js';

export type ExportStatus = 'PENDING' | 'READY' | 'FAILED' | 'DOWNLOADED' | 'EXPIRED';

export interface WorkspaceExportRow {
  id: string;
  workspaceId: string;
  requestedById: string | null;
  status: ExportStatus;
  sizeBytes: number | null;
  error: string | null;
  createdAt: Date;
  readyAt: Date | null;
  downloadedAt: Date | null;
  expiresAt: Date;
}

// An archive past its time reads EXPIRED at once, before housekeeping drops it.
const EXPORT_COLUMNS = `id, workspace_id AS "workspaceId", requested_by_id AS "requestedById",
  CASE WHEN status IN ('PENDING', 'READY') AND expires_at <= now() THEN 'EXPIRED' ELSE status END AS status,
  size_bytes AS "sizeBytes", error, created_at AS "createdAt", ready_at AS "readyAt", downloaded_at AS "downloadedAt", expires_at AS "expiresAt"`;

export const isPendingExportTaken = (error: unknown) => (error as { constraint?: string })?.constraint === 'workspace_exports_one_pending_idx';

export async function insertWorkspaceExport(
  client: PoolClient,
  request: { workspaceId: string; requestedById: string; tokenHash: string; expiresAt: Date },
): Promise<WorkspaceExportRow> {
  const [created] = await rows<WorkspaceExportRow>(
    client,
    `INSERT INTO workspace_exports (workspace_id, requested_by_id, token_hash, expires_at) VALUES ($1, $2, $3, $4) RETURNING ${EXPORT_COLUMNS}`,
    [request.workspaceId, request.requestedById, request.tokenHash, request.expiresAt],
  );
  return created!;
}

export async function listWorkspaceExports(sql: Sql, workspaceId: string): Promise<WorkspaceExportRow[]> {
  return rows<WorkspaceExportRow>(sql, `SELECT ${EXPORT_COLUMNS} FROM workspace_exports WHERE workspace_id = $1 ORDER BY created_at DESC, id LIMIT 50`, [workspaceId]);
}

export async function findWorkspaceExport(sql: Sql, id: string): Promise<WorkspaceExportRow | null> {
  const [found] = await rows<WorkspaceExportRow>(sql, `SELECT ${EXPORT_COLUMNS} FROM workspace_exports WHERE id = $1`, [id]);
  return found ?? null;
}

/** Saves the archive of a PENDING export (false when it is no longer pending: expired meanwhile, or its workspace gone). */
export async function completeWorkspaceExport(sql: Sql, id: string, archive: Buffer): Promise<boolean> {
  const saved = await sql.query(
    `UPDATE workspace_exports SET status = 'READY', archive = $2, size_bytes = $3, ready_at = now() WHERE id = $1 AND status = 'PENDING' AND expires_at > now()`,
    [id, archive, archive.length],
  );
  return (saved.rowCount ?? 0) > 0;
}

export async function failWorkspaceExport(sql: Sql, id: string, error: string): Promise<void> {
  await sql.query(`UPDATE workspace_exports SET status = 'FAILED', error = $2 WHERE id = $1 AND status = 'PENDING'`, [id, error]);
}

export interface TakenExport {
  status: ExportStatus;
  workspaceName: string;
  createdAt: Date;
  /** The archive, only to the one request that took it. */
  archive: Buffer | null;
}

/**
 * The download: a READY, unexpired export is taken (DOWNLOADED, its archive dropped) by exactly one request; the row
 * lock makes a second request wait and then see DOWNLOADED. Null for an unknown token.
 */
export async function takeWorkspaceExport(sql: Sql, tokenHash: string): Promise<TakenExport | null> {
  const [found] = await rows<TakenExport>(
    sql,
    `WITH found AS (
       SELECT e.id, e.archive, e.created_at, e.workspace_id,
              CASE WHEN e.status IN ('PENDING', 'READY') AND e.expires_at <= now() THEN 'EXPIRED' ELSE e.status END AS status
         FROM workspace_exports e WHERE e.token_hash = $1 FOR UPDATE),
     taken AS (
       UPDATE workspace_exports e SET status = 'DOWNLOADED', downloaded_at = now(), archive = NULL
         FROM found f WHERE e.id = f.id AND f.status = 'READY' RETURNING e.id)
     SELECT f.status, w.name AS "workspaceName", f.created_at AS "createdAt", CASE WHEN EXISTS (SELECT 1 FROM taken) THEN f.archive END AS archive
       FROM found f JOIN workspaces w ON w.id = f.workspace_id`,
    [tokenHash],
  );
  return found ?? null;
}

/** Housekeeping: archives past their 24 hours are dropped (the row stays, EXPIRED, for a month, then goes too). */
export async function expireWorkspaceExports(sql: Sql): Promise<number> {
  const expired = await sql.query(
    `UPDATE workspace_exports SET status = CASE WHEN status IN ('PENDING', 'READY') THEN 'EXPIRED' ELSE status END, archive = NULL
      WHERE expires_at <= now() AND (archive IS NOT NULL OR status IN ('PENDING', 'READY'))`,
  );
  const deleted = await sql.query(`DELETE FROM workspace_exports WHERE expires_at < now() - interval '30 days'`);
  return (expired.rowCount ?? 0) + (deleted.rowCount ?? 0);
}

// --- what an archive holds, read in the export job ---

export async function readExportWorkspace(sql: Sql, workspaceId: string): Promise<Record<string, unknown> | null> {
  const [found] = await rows<{ workspace: Record<string, unknown> }>(
    sql,
    `SELECT json_build_object('id', id, 'name', name, 'plan', plan, 'approval', approval, 'lateApproval', late_approval, 'createdAt', created_at,
                              'deletionScheduledAt', deletion_scheduled_at) AS workspace
       FROM workspaces WHERE id = $1`,
    [workspaceId],
  );
  return found?.workspace ?? null;
}

export async function readExportMembers(sql: Sql, workspaceId: string): Promise<Record<string, unknown>[]> {
  return (
    await rows<{ member: Record<string, unknown> }>(
      sql,
      `SELECT json_build_object('userId', u.id, 'email', u.email, 'role', m.role, 'joinedAt', m.created_at) AS member
         FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.workspace_id = $1 ORDER BY m.created_at, u.id`,
      [workspaceId],
    )
  ).map((r) => r.member);
}

/** Channels as people configured them: no credentials, no settings learnt from the network, no app key. */
export async function readExportChannels(sql: Sql, workspaceId: string): Promise<Record<string, unknown>[]> {
  return (
    await rows<{ channel: Record<string, unknown> }>(
      sql,
      `SELECT json_build_object('id', id, 'platform', platform, 'name', name, 'accountHandle', account_handle, 'timezone', timezone, 'policy', policy,
                                'paused', paused, 'needsReconnect', needs_reconnect, 'authError', auth_error, 'createdAt', created_at, 'deletedAt', deleted_at) AS channel
         FROM channels WHERE workspace_id = $1 ORDER BY created_at, id`,
      [workspaceId],
    )
  ).map((r) => r.channel);
}

export interface ExportPostsCursor {
  createdAt: Date;
  id: string;
}

export const FIRST_PAGE: ExportPostsCursor = { createdAt: new Date(0), id: '00000000-0000-0000-0000-000000000000' };

/**
 * One page of posts, oldest first, each as JSON text with its deliveries (and their attempts) and comments: the
 * job writes the text into the archive as it is, never parsing it.
 */
export async function readExportPostsPage(sql: Sql, workspaceId: string, after: ExportPostsCursor, limit: number): Promise<{ json: string; cursor: ExportPostsCursor }[]> {
  const page = await rows<{ json: string; created_at: Date; id: string }>(
    sql,
    `SELECT p.id, p.created_at, json_build_object(
              'id', p.id, 'content', p.content, 'mediaUrls', p.media_urls, 'source', p.source, 'sourceId', p.source_id, 'priority', p.priority,
              'schedulingMode', p.scheduling_mode, 'idempotencyKey', p.idempotency_key, 'authorId', p.author_id, 'createdAt', p.created_at, 'updatedAt', p.updated_at,
              'deliveries', coalesce((
                SELECT json_agg(json_build_object(
                         'id', d.id, 'channelId', d.channel_id, 'status', d.status, 'scheduledAt', d.scheduled_at, 'requestedAt', d.requested_at,
                         'scheduleReason', d.schedule_reason, 'attempts', d.attempts, 'lastError', d.last_error, 'externalId', d.external_id,
                         'externalUrl', d.external_url, 'publishedAt', d.published_at, 'contentOverride', d.content_override, 'createdAt', d.created_at,
                         'attemptLog', coalesce((
                           SELECT json_agg(json_build_object('number', a.number, 'startedAt', a.started_at, 'finishedAt', a.finished_at, 'outcome', a.outcome,
                                                             'errorClass', a.error_class, 'responseCode', a.response_code, 'responseMessage', a.response_message) ORDER BY a.number)
                             FROM delivery_attempts a WHERE a.delivery_id = d.id), '[]'::json)) ORDER BY d.created_at, d.id)
                  FROM deliveries d WHERE d.post_id = p.id), '[]'::json),
              'comments', coalesce((
                SELECT json_agg(json_build_object('kind', c.kind, 'text', c.text, 'authorId', c.author_id, 'authorEmail', u.email, 'createdAt', c.created_at) ORDER BY c.created_at, c.id)
                  FROM post_comments c LEFT JOIN users u ON u.id = c.author_id WHERE c.post_id = p.id), '[]'::json))::text AS json
       FROM posts p
      WHERE p.workspace_id = $1 AND (p.created_at, p.id) > ($2::timestamptz, $3::uuid)
      ORDER BY p.created_at, p.id LIMIT $4`,
    [workspaceId, after.createdAt, after.id, limit],
  );
  return page.map((r) => ({ json: r.json, cursor: { createdAt: r.created_at, id: r.id } }));
}
