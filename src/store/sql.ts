// The one way PostFlow talks SQL: `Sql` is anything that runs a statement (the pool, or a client inside a
// transaction), `transaction` opens one, and `retrying` repeats work that failed because the database went away
// for a moment (a restart, a failover, a dropped connection) instead of losing it.
import type pg from 'pg';

/** The pool, or a client inside a transaction: both run statements the same way. */
export type Sql = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;

export async function transaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: unknown;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    broken = isTransient(error) ? error : undefined;
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    // A connection that failed under us must not go back to the pool for the next caller.
    client.release(broken instanceof Error ? broken : undefined);
  }
}

/** The rows of one statement. */
export async function rows<R extends pg.QueryResultRow>(sql: Sql, text: string, values: unknown[] = []): Promise<R[]> {
  return (await (sql as pg.Pool).query<R>(text, values)).rows;
}

// Connection-level failures and the errors Postgres asks clients to retry: nothing was decided, trying again is safe
// for statements that are guarded by the state they change.
const TRANSIENT_CODES = new Set(['40001', '40P01', '57P01', '57P02', '57P03', '53300', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN']);
const TRANSIENT_MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting up|shutting down|in recovery mode)|terminating connection|Client was closed|not queryable/i;

export function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: string }).code;
  if (code && (TRANSIENT_CODES.has(code) || code.startsWith('08'))) return true;
  return TRANSIENT_MESSAGES.test(error.message);
}

export interface RetryOptions {
  /** Give up after this long (the last error is thrown). */
  forMs: number;
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** Told of each failure that will be retried. */
  onRetry?: (error: Error, attempt: number, delayMs: number) => void;
}

/** Runs `work` again after transient failures, with capped exponential backoff, for at most `forMs`. */
export async function retrying<T>(work: () => Promise<T>, options: RetryOptions): Promise<T> {
  const deadline = Date.now() + options.forMs;
  let delay = options.firstDelayMs ?? 100;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!isTransient(error) || Date.now() + delay > deadline) throw error;
      options.onRetry?.(error as Error, attempt, delay);
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, options.maxDelayMs ?? 2000);
    }
  }
}
