// The feed_poll cron task (every POSTFLOW_FEED_POLL_MINUTES): every active FEED source polled once, through
// src/services/feedSources.ts. A feed that fails is recorded there and polled again at the next run.
import type { Task } from 'graphile-worker';
import { pollFeeds, type FeedPollDeps } from '../services/feedSources.js';

export function createFeedPollTask(deps: FeedPollDeps): Task {
  return async () => {
    const results = [...(await pollFeeds(deps)).values()];
    const fresh = results.reduce((n, r) => n + (r.outcome === 'READ' ? r.fresh : 0), 0);
    const failed = results.filter((r) => r.outcome === 'FAILED').length;
    if (fresh || failed) deps.logger.info('feeds polled', { feeds: results.length, newEntries: fresh, failed });
  };
}
