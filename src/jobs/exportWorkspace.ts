// The export_workspace task: builds the archive of one export (src/services/workspaceExport.ts).
import type pg from 'pg';
import type { Task } from 'graphile-worker';
import { buildWorkspaceExport } from '../services/workspaceExport.js';
import type { Logger } from '../logger.js';

export function createExportTask(deps: { pool: pg.Pool; logger: Logger }): Task {
  return async (payload) => {
    const exportId = (payload as { exportId?: unknown })?.exportId;
    if (typeof exportId !== 'string') throw new Error(`export_workspace needs an exportId, got ${JSON.stringify(payload)}`);
    await buildWorkspaceExport(deps, exportId);
  };
}
