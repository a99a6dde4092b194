// The evergreen cron task: every hour, each source with evergreen on re-shares what is due, up to its daily count
// (src/services/evergreen.ts). Hourly rather than daily so that items falling due during the day are not left for
// tomorrow, and a run lost to a restart is made up within the hour; the daily count keeps the total.
import type { Task } from 'graphile-worker';
import { runEvergreen } from '../services/evergreen.js';
import type { IngestDeps } from '../services/sourcePosts.js';
import type { Logger } from '../logger.js';

export function createEvergreenTask(deps: IngestDeps & { logger: Logger }): Task {
  return async () => {
    const runs = await runEvergreen(deps);
    for (const run of runs.filter((r) => r.postIds.length || r.errors)) {
      deps.logger.info('evergreen re-shares made', { sourceId: run.sourceId, posts: run.postIds.length, errors: run.errors });
    }
  };
}
