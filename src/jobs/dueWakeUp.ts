// Wakes the worker at the moment its jobs fall due. graphile-worker hears about jobs that are due on insert (a
// NOTIFY), but a job scheduled for later is only found by the next poll, so it would publish up to a whole poll
// interval late. Polling fast enough for punctual posts means dozens of queries a second on an idle server; instead,
// once a second this asks which jobs fall due in the next couple of seconds and sets a timer for each due time, which
// nudges the worker pool. Polling stays the safety net: a job scheduled less than `everyMs` ahead and missed by the
// look-ahead still runs, just later.
import type pg from 'pg';
import type { WorkerPool } from 'graphile-worker';
import type { Logger } from '../logger.js';

export interface DueWakeUp {
  stop(): void;
}

export interface DueWakeUpOptions {
  pool: pg.Pool;
  /** Resolved once graphile-worker has created its pool. */
  workerPool: () => WorkerPool | null;
  taskIdentifier: string;
  logger: Logger;
  everyMs?: number;
  aheadMs?: number;
}

// Times come from the database's clock (run_at - now()), the one graphile-worker compares run_at with, so a worker on
// a machine whose clock is off still wakes on time. Groups by due time: a burst of thousands due at once is one timer.
const DUE_SOON = {
  name: 'postflow_jobs_due_soon',
  text: `SELECT (extract(epoch FROM run_at) * 1000)::float8 AS at, (extract(epoch FROM run_at - now()) * 1000)::float8 AS in_ms, count(*)::int AS n
           FROM graphile_worker.jobs
          WHERE task_identifier = $1 AND locked_at IS NULL AND attempts < max_attempts
            AND run_at > now() AND run_at <= now() + make_interval(secs => $2::float8 / 1000)
          GROUP BY run_at ORDER BY run_at LIMIT 2000`,
};

export function startDueWakeUp({ pool, workerPool, taskIdentifier, logger, everyMs = 1000, aheadMs = 2 * everyMs }: DueWakeUpOptions): DueWakeUp {
  const timers = new Map<number, NodeJS.Timeout>();
  let stopped = false;
  let running = false;

  const lookAhead = async () => {
    if (running || stopped) return;
    running = true;
    try {
      const { rows } = await pool.query<{ at: number; in_ms: number; n: number }>({ ...DUE_SOON, values: [taskIdentifier, aheadMs] });
      for (const { at, in_ms, n } of rows) {
        if (stopped || timers.has(at)) continue;
        // +1 ms: run_at has microseconds, a timer only milliseconds; waking a hair early would find nothing due.
        const timer = setTimeout(
          () => {
            timers.delete(at);
            workerPool()?.nudge(n);
          },
          Math.max(0, Math.ceil(in_ms)) + 1,
        );
        timer.unref();
        timers.set(at, timer);
      }
    } catch (error) {
      logger.warn('could not look for jobs falling due (they still run, at the next poll)', { error: (error as Error).message });
    } finally {
      running = false;
    }
  };

  void lookAhead();
  const interval = setInterval(() => void lookAhead(), everyMs);
  interval.unref();
  return {
    stop() {
      stopped = true;
      clearInterval(interval);
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}
