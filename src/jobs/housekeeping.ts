// Forgetting what no longer matters: rate-limit blocks long past and connections nobody finished. An hourly job, so
// neither the request path (connectChannelStart) nor another job's run pays for it.
import type pg from 'pg';

export const HOUSEKEEPING_TASK = 'housekeeping';

export async function forgetExpired(pool: pg.Pool): Promise<{ rateLimitBlocks: number; oauthStates: number }> {
  // A block is kept an hour past its end: it still explains why a delivery waited.
  const blocks = await pool.query(`DELETE FROM rate_limit_blocks WHERE until < now() - interval '1 hour'`);
  // connectChannelFinish refuses an expired state by itself; this only keeps the table small.
  const states = await pool.query(`DELETE FROM oauth_states WHERE expires_at < now()`);
  return { rateLimitBlocks: blocks.rowCount ?? 0, oauthStates: states.rowCount ?? 0 };
}
