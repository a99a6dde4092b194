// exportWorkspace: a JSON archive of the workspace (its members, channels without credentials, posts with their
// deliveries, attempts and comments, and the channels' posting policies), built by the export_workspace job and
// downloadable once, within 24 hours, at <POSTFLOW_PUBLIC_URL>/exports/<token>. The token is in the mutation's
// answer, shown once; only its hash is stored. The archive is built a page of posts at a time into a gzip stream, so
// memory holds the compressed archive and one page, never the whole JSON.
import { createHash, randomBytes } from 'node:crypto';
import { createGzip } from 'node:zlib';
import type pg from 'pg';
import { conflict } from '../domain/errors.js';
import type { Auth } from '../domain/auth.js';
import { recordAudit } from '../store/audit.js';
import { enqueueWorkspaceExport } from '../store/jobs.js';
import { transaction } from '../store/sql.js';
import {
  completeWorkspaceExport,
  failWorkspaceExport,
  findWorkspaceExport,
  FIRST_PAGE,
  insertWorkspaceExport,
  isPendingExportTaken,
  listWorkspaceExports,
  readExportChannels,
  readExportMembers,
  readExportPostsPage,
  readExportWorkspace,
  takeWorkspaceExport,
  type TakenExport,
  type WorkspaceExportRow,
} from '../store/workspaceExports.js';
import type { ServiceDeps } from './deps.js';
import type { Logger } from '../logger.js';

export const EXPORT_TTL_MS = 24 * 3600 * 1000;
export const EXPORT_PATH = '/exports';
/** Posts read per statement while building: small enough that a page of long posts stays a few megabytes. */
const POSTS_PER_PAGE = 200;

const hashExportToken = (token: string) => createHash('sha256').update(token).digest('hex');

export interface ExportRequested {
  workspaceExport: WorkspaceExportRow;
  /** The one link to the archive; good once it is READY, for one download. */
  downloadUrl: string;
}

/** Asks for an export; one at a time per workspace (a second while one is being built is CONFLICT). */
export async function exportWorkspace(deps: ServiceDeps, auth: Auth): Promise<ExportRequested> {
  const token = randomBytes(32).toString('base64url');
  try {
    const workspaceExport = await transaction(deps.pool, async (client) => {
      const created = await insertWorkspaceExport(client, {
        workspaceId: auth.workspaceId,
        requestedById: auth.userId,
        tokenHash: hashExportToken(token),
        expiresAt: new Date(Date.now() + EXPORT_TTL_MS),
      });
      await enqueueWorkspaceExport(client, created.id);
      await recordAudit(client, { actor: auth, action: 'workspace.export_requested', target: { type: 'workspace', id: auth.workspaceId }, details: { exportId: created.id } });
      return created;
    });
    return { workspaceExport, downloadUrl: `${deps.config.publicUrl}${EXPORT_PATH}/${token}` };
  } catch (error) {
    if (isPendingExportTaken(error)) throw conflict('An export of this workspace is being built already: wait for it (workspaceExports)');
    throw error;
  }
}

export const workspaceExports = (deps: ServiceDeps, auth: Auth): Promise<WorkspaceExportRow[]> => listWorkspaceExports(deps.pool, auth.workspaceId);

/** The export job: builds the archive of a PENDING export and saves it (READY), or records why it could not (FAILED). */
export async function buildWorkspaceExport(deps: { pool: pg.Pool; logger: Logger }, exportId: string): Promise<void> {
  const pending = await findWorkspaceExport(deps.pool, exportId);
  if (pending?.status !== 'PENDING') return;
  try {
    const archive = await writeArchive(deps.pool, pending.workspaceId);
    if (await completeWorkspaceExport(deps.pool, exportId, archive)) deps.logger.info('workspace export ready', { exportId, bytes: archive.length });
  } catch (error) {
    deps.logger.error('could not build a workspace export', { exportId, error: (error as Error).message });
    await failWorkspaceExport(deps.pool, exportId, 'The archive could not be built; ask for a new export');
  }
}

/** The archive as gzip'd JSON, written in pieces as they are read. */
async function writeArchive(pool: pg.Pool, workspaceId: string): Promise<Buffer> {
  const gzip = createGzip();
  const chunks: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => chunks.push(chunk));
  const finished = new Promise<void>((resolve, reject) => {
    gzip.on('end', resolve);
    gzip.on('error', reject);
  });
  // Waits for the compressor to take a piece before the next page is read: the pending input stays one page.
  const write = (text: string) => new Promise<void>((resolve, reject) => gzip.write(text, (error) => (error ? reject(error) : resolve())));

  const workspace = await readExportWorkspace(pool, workspaceId);
  if (!workspace) throw new Error(`workspace ${workspaceId} is gone`);
  const head = {
    format: 'postflow-workspace-export',
    version: 1,
    exportedAt: new Date().toISOString(),
    workspace,
    members: await readExportMembers(pool, workspaceId),
    channels: await readExportChannels(pool, workspaceId),
  };
  // The head, with its closing brace replaced by the posts array, streamed after it.
  await write(`${JSON.stringify(head).slice(0, -1)},"posts":[`);
  let cursor = FIRST_PAGE;
  let first = true;
  for (;;) {
    const page = await readExportPostsPage(pool, workspaceId, cursor, POSTS_PER_PAGE);
    if (page.length) {
      await write((first ? '' : ',') + page.map((p) => p.json).join(','));
      first = false;
      cursor = page[page.length - 1]!.cursor;
    }
    if (page.length < POSTS_PER_PAGE) break;
  }
  await write(']}');
  gzip.end();
  await finished;
  return Buffer.concat(chunks);
}

export type ExportDownload = { kind: 'archive'; archive: Buffer; filename: string } | { kind: 'notFound' } | { kind: 'notReady' } | { kind: 'gone'; why: string };

/** The one download: the archive to the first request for a READY export; everyone after is told it is gone. */
export async function downloadWorkspaceExport(deps: Pick<ServiceDeps, 'pool'>, token: string): Promise<ExportDownload> {
  const taken: TakenExport | null = token.length <= 100 ? await takeWorkspaceExport(deps.pool, hashExportToken(token)) : null;
  if (!taken) return { kind: 'notFound' };
  if (taken.archive) return { kind: 'archive', archive: taken.archive, filename: archiveFilename(taken.workspaceName, taken.createdAt) };
  switch (taken.status) {
    case 'PENDING':
      return { kind: 'notReady' };
    case 'DOWNLOADED':
      return { kind: 'gone', why: 'This export was downloaded already: an archive is given once. Ask for a new export.' };
    case 'EXPIRED':
      return { kind: 'gone', why: 'This export expired (24 hours). Ask for a new export.' };
    default:
      return { kind: 'gone', why: 'This export failed. Ask for a new export.' };
  }
}

/** A name safe in a Content-Disposition header: the workspace's name in ASCII letters, digits and dashes, and the date. */
function archiveFilename(workspaceName: string, createdAt: Date): string {
  const slug =
    workspaceName
      .normalize('NFKD')
      .replace(/[^A-Za-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60)
      .toLowerCase() || 'workspace';
  return `postflow-export-${slug}-${createdAt.toISOString().slice(0, 10)}.json.gz`;
}
