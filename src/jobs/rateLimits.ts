// Rate limits as the platforms announce them, kept in Postgres so every worker honours them: a 429, or an answer
// whose remaining count reached zero, blocks the account (this channel) or the app (every channel on the same
// platform app) until the platform's reset time. A delivery falling due while blocked waits for the reset instead
// of spending an attempt on a certain 429.
import type pg from 'pg';
import { executorFor } from '../db/transaction.js';
import { enqueuePublishJobs } from './queue.js';
import type { RateLimitHint, RateLimitScope } from '../integrations/types.js';

export interface RateLimitedChannel {
  channelId: string;
  platform: string;
  /** channels.app_key: "X:<client id>", or null when the platform has no per-app limit. */
  appKey: string | null;
}

/** Whose limit ran out: the app's when the platform counts per app and said so, else this channel's account's. */
function blockFor(scope: RateLimitScope, channel: RateLimitedChannel): { key: string; reason: string } {
  return scope === 'APP' && channel.appKey
    ? { key: channel.appKey, reason: `${channel.platform} app's rate limit` }
    : { key: `channel:${channel.channelId}`, reason: `${channel.platform} account's rate limit` };
}

/** Remembers the blocks; an existing block is only ever extended, never shortened. */
export async function recordRateLimits(db: pg.Pool | pg.PoolClient, channel: RateLimitedChannel, hints: RateLimitHint[]): Promise<void> {
  const future = hints.filter((h) => h.until.getTime() > Date.now());
  if (!future.length) return;
  const blocks = future.map((h) => ({ ...blockFor(h.scope, channel), until: h.until }));
  await db.query(
    `INSERT INTO rate_limit_blocks (key, until, reason)
     SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[])
     ON CONFLICT (key) DO UPDATE
        SET reason = CASE WHEN excluded.until > rate_limit_blocks.until THEN excluded.reason ELSE rate_limit_blocks.reason END,
            until = greatest(rate_limit_blocks.until, excluded.until), updated_at = now()`,
    [blocks.map((b) => b.key), blocks.map((b) => b.until), blocks.map((b) => b.reason)],
  );
}

/** The block a due delivery must wait for, if any: joined into the publish task's first query. */
export const BLOCK_COLUMNS = `blk.until AS blocked_until, blk.reason AS block_reason`;
export const BLOCK_JOIN = `LEFT JOIN LATERAL (
         SELECT b.until, b.reason FROM rate_limit_blocks b
          WHERE b.key IN ('channel:' || ch.id::text, ch.app_key) AND b.until > now()
          ORDER BY b.until DESC LIMIT 1) blk ON true`;

/** Moves a due delivery to the block's end, with the reason people see; no attempt is spent. */
export async function waitForRateLimit(client: pg.PoolClient, deliveryId: string, until: Date, reason: string): Promise<void> {
  const moved = await client.query(
    `UPDATE deliveries SET scheduled_at = $2, schedule_reason = $3, updated_at = now() WHERE id = $1 AND status = 'SCHEDULED'`,
    [deliveryId, until, `Waiting for the ${reason} to reset at ${until.toISOString()}`],
  );
  if (moved.rowCount) await enqueuePublishJobs(executorFor(client), [{ deliveryId, runAt: until }]);
}
