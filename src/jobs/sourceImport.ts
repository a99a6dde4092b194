// The source_import task: one catalog import (queued by importCatalog), run by src/services/sourceImports.ts.
import type { Task } from 'graphile-worker';
import { runSourceImport, type ImportDeps } from '../services/sourceImports.js';
import type { Logger } from '../logger.js';

export function createSourceImportTask(deps: ImportDeps & { logger: Logger }): Task {
  return async (payload, helpers) => {
    const importId = (payload as { importId?: unknown } | null)?.importId;
    if (typeof importId !== 'string') {
      deps.logger.warn('source_import job without an import: dropped', { jobId: helpers.job.id });
      return;
    }
    const counts = await runSourceImport(deps, importId, { number: helpers.job.attempts, of: helpers.job.max_attempts });
    if (counts) deps.logger.info('catalog import finished', { importId, ...counts });
  };
}
