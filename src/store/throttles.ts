// Counters for throttling, kept in PostgreSQL so that every API process counts the same attempts (no Redis).
// rate-limiter-flexible's RateLimiterPostgres does the counting: one upsert per counted attempt on the `throttles`
// table that migration 0006 creates. It lives in the store because it writes rows.
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { ThrottleLimit } from '../config.js';
import type { Sql } from './sql.js';

/** How much of a window a key has used: `used` points, and the window ends in `msLeft`. */
export interface ThrottleState {
  used: number;
  msLeft: number;
}

export interface ThrottleCounter {
  readonly limit: ThrottleLimit;
  /** How long the key is still refused from this process's memory (0: not known to have used its limit); no statement. */
  heldBack(key: string): number;
  /** Counts one for the key, and says what it has used now (more than limit.points: over). One atomic upsert. */
  count(key: string): Promise<ThrottleState>;
  /**
   * Gives back one point counted in the current window (an attempt that turned out right). Never below zero, and
   * nothing once the window has ended: a point given back late must not become credit in the next window.
   */
  giveBack(key: string): Promise<void>;
  /** Starts the key afresh (a login that succeeded forgets that account's failures). */
  reset(key: string): Promise<void>;
}

export interface ThrottleOptions {
  /**
   * Points may be given back (attempts counted before they are checked): a key is then refused from memory only
   * once it went over its limit, since reaching it with an attempt that is then given back is not being over.
   */
  givesBack?: boolean;
}

/**
 * One named counter (`login-account`, `signup-ip` ...). Keys are hashed: the table holds no emails or addresses.
 * `tableCreated: true` because migration 0006 made the table, and `clearExpiredByTimeout: false` because the
 * housekeeping task deletes expired rows (forgetExpiredThrottles), not a timer in every process.
 */
export function throttleCounter(pool: pg.Pool, name: string, limit: ThrottleLimit, options: ThrottleOptions = {}): ThrottleCounter {
  const limiter = new RateLimiterPostgres({
    storeClient: pool,
    storeType: 'pool',
    tableName: 'throttles',
    tableCreated: true,
    clearExpiredByTimeout: false,
    keyPrefix: name,
    points: limit.points,
    duration: limit.seconds,
    // A key that used its limit (or, when points are given back, went over it) is refused from memory until its window
    // ends: a flood costs no statements. The memory is this process's: another process learns it from its own count.
    inMemoryBlockOnConsumed: options.givesBack ? limit.points + 1 : limit.points,
  });
  const hashed = (key: string) => createHash('sha256').update(key).digest('base64url');
  const stateOf = (res: RateLimiterRes | null): ThrottleState => (res ? { used: res.consumedPoints, msLeft: Math.max(0, res.msBeforeNext) } : { used: 0, msLeft: 0 });
  const heldBack = (key: string) => (limiter as unknown as InMemoryBlocks).getInMemoryBlockMsBeforeExpire(limiter.getKey(hashed(key)));
  return {
    limit,
    heldBack,
    async count(key) {
      try {
        return stateOf(await limiter.consume(hashed(key)));
      } catch (refused) {
        // Over the limit, the library rejects with the counter's state; anything else is a database failure.
        if (refused instanceof RateLimiterRes) return { used: Math.max(refused.consumedPoints, limit.points + 1), msLeft: Math.max(0, refused.msBeforeNext) };
        throw refused;
      }
    },
    async giveBack(key) {
      // Not the library's reward(): its upsert would insert -1 for a key whose window ended, a credit for the next one.
      await pool.query(`UPDATE throttles SET points = points - 1 WHERE key = $1 AND points > 0 AND expire > $2`, [limiter.getKey(hashed(key)), Date.now()]);
    },
    async reset(key) {
      await limiter.delete(hashed(key));
    },
  };
}

/** In the library, not in its type declarations. */
interface InMemoryBlocks {
  getInMemoryBlockMsBeforeExpire(rlKey: string): number;
}

/** Forgets counters whose window ended (expire is in epoch milliseconds, the library's format). */
export async function deleteExpiredThrottles(sql: Sql): Promise<number> {
  return (await sql.query(`DELETE FROM throttles WHERE expire < $1`, [Date.now()])).rowCount ?? 0;
}
