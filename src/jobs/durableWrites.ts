// Writes that must not be lost: what a network answered (published, failed, a checkpoint). Each is retried through
// database outages with backoff for up to `forMs`; one still failing then waits in memory and is tried again on
// every `flush()` (the worker's sweep) for as long as the process lives. A write is a guarded statement, so running
// it again after a commit whose answer was lost changes nothing.
import { isTransient, retrying } from '../store/sql.js';
import type { Logger } from '../logger.js';

export interface DurableWrites {
  /**
   * Resolves once written, or once handed to the backlog (never rejects for a transient failure). `onWritten` runs
   * when the write is done, now or from the backlog later.
   */
  write(what: string, work: () => Promise<unknown>, onWritten?: () => void): Promise<void>;
  /** Tries the backlog again; returns how many were written. */
  flush(): Promise<number>;
  pending(): number;
}

export function createDurableWrites(logger: Logger, options: { forMs: number; maxDelayMs?: number } = { forMs: 120_000 }): DurableWrites {
  const backlog: { what: string; work: () => Promise<unknown>; onWritten?: () => void }[] = [];
  return {
    async write(what, work, onWritten) {
      try {
        await retrying(work, {
          forMs: options.forMs,
          maxDelayMs: options.maxDelayMs ?? 2000,
          onRetry: (error, attempt) => {
            if (attempt === 1) logger.warn(`database unavailable, retrying: ${what}`, { error: error.message });
          },
        });
        onWritten?.();
      } catch (error) {
        if (!isTransient(error)) {
          onWritten?.();
          throw error;
        }
        logger.error(`still cannot write ${what}: kept, and tried again until the database is back`, { error: (error as Error).message });
        backlog.push({ what, work, onWritten });
      }
    },
    async flush() {
      let written = 0;
      for (const entry of backlog.splice(0)) {
        try {
          await entry.work();
          written += 1;
          entry.onWritten?.();
        } catch (error) {
          if (!isTransient(error)) {
            logger.error(`gave up writing ${entry.what}`, { error: (error as Error).message });
            entry.onWritten?.();
          } else backlog.push(entry);
        }
      }
      if (written) logger.info('wrote outcomes kept through a database outage', { written, left: backlog.length });
      return written;
    },
    pending: () => backlog.length,
  };
}
