// A source's catalog import (issue 13: importCatalog). The source_import job streams the catalog from the connector
// (importItems: Shopify's bulk operation) and hands each item to the same ingestion as a webhook's event
// (ingestItemChange), a batch at a time: an item's first publication makes its one post, an item already posted
// makes none (its occurrence is taken), a draft makes none. Each item's event id is the import's own
// (import:<import>:<item>), so a job retried after a crash finds what it did already as DUPLICATE and goes on; a
// second import of the same catalog finds every occurrence taken. Every post asks for the smart scheduler, which
// spreads the catalog over the horizon within each channel's policy. Only a batch is held at a time.
import type { AuditVia } from '../generated/prisma/enums.js';
import { conflict } from '../domain/errors.js';
import type { Actor } from '../domain/audit.js';
import type { FetchedItem } from '../sources/types.js';
import { auditVia, recordAudit } from '../store/audit.js';
import { enqueueSourceImport, requestSmartSchedule } from '../store/jobs.js';
import { transaction } from '../store/sql.js';
import { findSource, type SourceRow } from '../store/sources.js';
import {
  finishSourceImport,
  findSourceImport,
  insertSourceImport,
  updateImportCounts,
  updateImportExport,
  updateImportLastError,
  type ImportCounts,
  type SourceImportRow,
} from '../store/sourceImports.js';
import { findSourceOf } from './sources.js';
import { ingestItemChange, type IngestDeps, type IngestResult } from './sourcePosts.js';
import type { ServiceDeps } from './deps.js';

/** Items handed to the engine between two progress updates (and the most held in memory at once). */
export const IMPORT_BATCH_SIZE = 200;

/** Starts an import of the source's whole catalog; CONFLICT while another one of it runs. Answers the import's id. */
/** `auditDetails`: when given, the start is audited with them (import.started; the Shopify app page's writes are). */
export async function importCatalog(
  deps: Pick<ServiceDeps, 'prisma' | 'pool' | 'sources'>,
  auth: Actor,
  sourceId: string,
  auditDetails?: Record<string, unknown>,
): Promise<string> {
  const source = await findSourceOf(deps, auth.workspaceId, sourceId);
  if (source.status !== 'ACTIVE') throw conflict(`The source is ${source.status.toLowerCase()}: install it again before importing`, { sourceId: source.id });
  if (!deps.sources.has(source.kind) || !deps.sources.get(source.kind).importItems) {
    throw conflict(`This server's ${source.kind} connector cannot import a catalog`, { sourceId: source.id });
  }
  return transaction(deps.pool, async (client) => {
    const importId = await insertSourceImport(client, { sourceId: source.id, workspaceId: source.workspaceId, startedBy: auth.userId, startedVia: auditVia(auth) });
    if (!importId) throw conflict('An import of this source is running already: wait for it to finish', { sourceId: source.id });
    await enqueueSourceImport(client, importId);
    if (auditDetails) await recordAudit(client, { actor: auth, action: 'import.started', target: { type: 'source', id: source.id }, details: { importId, ...auditDetails } });
    return importId;
  });
}

export type ImportDeps = IngestDeps & Pick<ServiceDeps, 'secrets' | 'sources'>;

const VIA: Record<AuditVia, Actor['via']> = { SESSION: 'session', API_KEY: 'apiKey', SYSTEM: 'system' };

/**
 * The source_import job's work. A failure of a try (the store unreachable, the database gone) is kept as the import's
 * last error and thrown, so graphile-worker tries again; the last try's failure ends the import FAILED.
 */
export async function runSourceImport(
  deps: ImportDeps,
  importId: string,
  attempt: { number: number; of: number },
  options: { batchSize?: number } = {},
): Promise<ImportCounts | null> {
  const row = await findSourceImport(deps.pool, importId);
  if (!row || row.status !== 'RUNNING') return null;
  const source = await findSource(deps.pool, row.sourceId);
  if (!source) return null; // erased since (shop/redact): the import went with it
  const counts: ImportCounts = { seen: 0, processed: 0, postsCreated: 0, skipped: 0, errors: 0 };
  if (source.status !== 'ACTIVE' || !source.credentialsSealed) {
    await finish(deps, row, source, 'FAILED', counts, `the source is ${source.status.toLowerCase()}: it cannot be read`);
    return counts;
  }
  try {
    const connector = deps.sources.get(source.kind);
    if (!connector.importItems) throw conflict(`This server's ${source.kind} connector cannot import a catalog`);
    const credentials = JSON.parse(deps.secrets.open(source.credentialsSealed)) as Record<string, unknown>;
    const items = connector.importItems(
      { id: source.id, externalId: source.externalId, credentials },
      { resumeFrom: row.exportId, onExport: ({ exportId, objects }) => updateImportExport(deps.pool, importId, exportId, objects) },
    );
    const size = options.batchSize ?? IMPORT_BATCH_SIZE;
    let batch: FetchedItem[] = [];
    for await (const fetched of items) {
      batch.push(fetched);
      counts.seen++;
      if (batch.length < size) continue;
      const stopped = await ingestBatch(deps, row, batch, counts);
      batch = [];
      if (stopped) {
        await finish(deps, row, source, 'FAILED', counts, `the source was ${stopped} during the import`);
        return counts;
      }
    }
    if (batch.length) await ingestBatch(deps, row, batch, counts);
    await finish(deps, row, source, 'COMPLETED', counts, null);
    return counts;
  } catch (error) {
    const message = `try ${attempt.number} of ${attempt.of} failed: ${(error instanceof Error ? error.message : String(error)).slice(0, 500)}`;
    if (attempt.number >= attempt.of) {
      await finish(deps, row, source, 'FAILED', counts, message);
      return counts;
    }
    await updateImportLastError(deps.pool, importId, message).catch(() => {});
    throw error;
  }
}

/** One batch through the engine, its counts saved, the smart scheduler asked; answers the source's status if it stopped. */
async function ingestBatch(deps: ImportDeps, row: SourceImportRow, batch: FetchedItem[], counts: ImportCounts): Promise<string | null> {
  let created = 0;
  for (const fetched of batch) {
    const externalId = fetched.item.id;
    const result = await ingestItemChange(deps, row.sourceId, {
      // The import's own event per item: a retried try meets its earlier work as DUPLICATE.
      eventId: `import:${row.id}:${externalId}`,
      // The import's start: a webhook that changed the item since is newer, and the import's view of it stale.
      change: { kind: 'UPSERTED', externalId, changedAt: row.startedAt },
      fetched,
      backfill: true,
    });
    created += tally(counts, result);
  }
  await updateImportCounts(deps.pool, row.id, counts);
  if (created) await requestSmartSchedule(deps.pool);
  const source = await findSource(deps.pool, row.sourceId);
  return source?.status === 'ACTIVE' ? null : (source?.status.toLowerCase() ?? 'erased');
}

/** Counts one item's outcome; answers the posts it made. A DUPLICATE's posts are an earlier try's of this import. */
function tally(counts: ImportCounts, result: IngestResult): number {
  counts.processed++;
  if (result.outcome === 'ERROR') counts.errors++;
  else if (result.outcome === 'POST_CREATED' || (result.outcome === 'DUPLICATE' && result.postIds.length)) counts.postsCreated += result.postIds.length;
  else counts.skipped++;
  return result.outcome === 'POST_CREATED' ? result.postIds.length : 0;
}

/** Ends the import with its counts and records import.finished (which notifies whoever started it), in one transaction. */
async function finish(deps: ImportDeps, row: SourceImportRow, source: SourceRow, status: 'COMPLETED' | 'FAILED', counts: ImportCounts, lastError: string | null) {
  await transaction(deps.pool, async (client) => {
    if (!(await finishSourceImport(client, row.id, status, counts, lastError))) return;
    const via = row.startedBy ? VIA[row.startedVia] : 'system';
    await recordAudit(client, {
      actor: { workspaceId: row.workspaceId, userId: row.startedBy, via },
      action: 'import.finished',
      target: { type: 'source', id: source.id },
      details: { importId: row.id, source: source.name, status, created: counts.postsCreated, seen: counts.seen, skipped: counts.skipped, errors: counts.errors },
    });
  });
  if (counts.postsCreated) await requestSmartSchedule(deps.pool);
}
