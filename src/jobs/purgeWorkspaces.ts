// The purge_workspaces cron task: workspaces whose deletion grace period is over are deleted with everything of
// theirs (src/services/workspaceDeletion.ts).
import type pg from 'pg';
import type { Task } from 'graphile-worker';
import { purgeDueWorkspaces } from '../services/workspaceDeletion.js';
import type { Logger } from '../logger.js';

export function createPurgeTask(deps: { pool: pg.Pool; logger: Logger }): Task {
  return async () => {
    await purgeDueWorkspaces(deps);
  };
}
