// A source's catalog imports: one row each with its progress (src/services/sourceImports.ts). At most one RUNNING per
// source (a partial unique index, 0020 migration); every write is announced on postflow_source_import by the table's
// trigger, on commit.
import type { AuditVia, SourceImportStatus } from '../generated/prisma/enums.js';
import { rows, type Sql } from './sql.js';

export interface SourceImportRow {
  id: string;
  sourceId: string;
  workspaceId: string;
  startedBy: string | null;
  startedVia: AuditVia;
  status: SourceImportStatus;
  exportId: string | null;
  startedAt: Date;
}

export interface ImportCounts {
  seen: number;
  processed: number;
  postsCreated: number;
  skipped: number;
  errors: number;
}

/** A new RUNNING import; null when the source has one running already (the partial unique index). */
export async function insertSourceImport(sql: Sql, i: { sourceId: string; workspaceId: string; startedBy: string | null; startedVia: AuditVia }): Promise<string | null> {
  const inserted = await rows<{ id: string }>(
    sql,
    `INSERT INTO source_imports (source_id, workspace_id, started_by, started_via) VALUES ($1, $2, $3, $4::"AuditVia")
     ON CONFLICT (source_id) WHERE status = 'RUNNING' DO NOTHING RETURNING id`,
    [i.sourceId, i.workspaceId, i.startedBy, i.startedVia],
  );
  return inserted[0]?.id ?? null;
}

export async function findSourceImport(sql: Sql, importId: string): Promise<SourceImportRow | null> {
  const found = await rows<SourceImportRow>(
    sql,
    `SELECT id, source_id AS "sourceId", workspace_id AS "workspaceId", started_by AS "startedBy", started_via AS "startedVia", status, export_id AS "exportId", started_at AS "startedAt"
       FROM source_imports WHERE id = $1`,
    [importId],
  );
  return found[0] ?? null;
}

/** The store's export id (kept for a retried job) and how far the store has got preparing it. */
export async function updateImportExport(sql: Sql, importId: string, exportId: string, exportedObjects: number): Promise<void> {
  await sql.query(`UPDATE source_imports SET export_id = $2, exported_objects = $3, updated_at = now() WHERE id = $1 AND status = 'RUNNING'`, [
    importId,
    exportId,
    exportedObjects,
  ]);
}

/** The counts so far (a try starts them again from nothing: what an earlier try did is counted again, as DUPLICATE). */
export async function updateImportCounts(sql: Sql, importId: string, c: ImportCounts): Promise<void> {
  await sql.query(`UPDATE source_imports SET seen = $2, processed = $3, posts_created = $4, skipped = $5, errors = $6, updated_at = now() WHERE id = $1 AND status = 'RUNNING'`, [
    importId,
    c.seen,
    c.processed,
    c.postsCreated,
    c.skipped,
    c.errors,
  ]);
}

/** A try's failure, kept while the job is tried again. */
export async function updateImportLastError(sql: Sql, importId: string, message: string): Promise<void> {
  await sql.query(`UPDATE source_imports SET last_error = $2, updated_at = now() WHERE id = $1 AND status = 'RUNNING'`, [importId, message]);
}

/** Ends a RUNNING import; false when it had ended already (nothing written). */
export async function finishSourceImport(
  sql: Sql,
  importId: string,
  status: Exclude<SourceImportStatus, 'RUNNING'>,
  c: ImportCounts | null,
  lastError: string | null,
): Promise<boolean> {
  const done = await rows<{ id: string }>(
    sql,
    `UPDATE source_imports SET status = $2::"SourceImportStatus", finished_at = now(), updated_at = now(), last_error = coalesce($3, last_error),
            seen = coalesce($4, seen), processed = coalesce($5, processed), posts_created = coalesce($6, posts_created),
            skipped = coalesce($7, skipped), errors = coalesce($8, errors)
      WHERE id = $1 AND status = 'RUNNING' RETURNING id`,
    [importId, status, lastError, c?.seen ?? null, c?.processed ?? null, c?.postsCreated ?? null, c?.skipped ?? null, c?.errors ?? null],
  );
  return done.length > 0;
}
