// Rate limits as the platforms announce them, kept in Postgres so every worker honours them: a 429, or an answer
// whose remaining count reached zero, blocks the account (this channel) or the app (every channel on the same
// platform app) until the platform's reset time. A delivery falling due while blocked waits for the reset instead
// of spending an attempt on a certain 429.
import type { RateLimitHint, RateLimitScope } from '../integrations/types.js';
import { postponeDelivery, type SeenDelivery } from './deliveries.js';
import type { Sql } from './sql.js';
import { deleteExpiredThrottles } from './throttles.js';
import { deleteEndedSessions } from './accounts.js';
import { deleteEndedInvitations } from './members.js';
import { deleteOldAuditEvents } from './audit.js';
import { deleteEndedPasswordResets } from './passwordResets.js';
import { deleteEndedEmailVerifications } from './emailVerifications.js';
import { expireWorkspaceExports } from './workspaceExports.js';

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
export async function recordRateLimits(db: Sql, channel: RateLimitedChannel, hints: RateLimitHint[]): Promise<void> {
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

/** Moves a due delivery to the block's end, with the reason people see; no attempt is spent. False when it changed since `seen` was read (postponeDelivery). */
export async function waitForRateLimit(sql: Sql, deliveryId: string, until: Date, reason: string, seen?: SeenDelivery): Promise<boolean> {
  return postponeDelivery(sql, deliveryId, until, `Waiting for the ${reason} to reset at ${until.toISOString()}`, { recordRequested: false, seen });
}

export interface Forgotten {
  rateLimitBlocks: number;
  oauthStates: number;
  throttles: number;
  sessions: number;
  invitations: number;
  auditEvents: number;
  passwordResets: number;
  emailVerifications: number;
  /** Export archives dropped at expiry (24 h), and export rows a month past it. */
  workspaceExports: number;
}

/**
 * Forgets what no longer matters: rate-limit blocks long past, connections nobody finished, ended throttle windows
 * and sessions, invitations ended a month ago, password resets used or expired, audit events past their retention (POSTFLOW_AUDIT_RETENTION_DAYS).
 */
export async function forgetExpired(sql: Sql, options: { auditRetentionDays?: number } = {}): Promise<Forgotten> {
  // A block is kept an hour past its end: it still explains why a delivery waited.
  const blocks = await sql.query(`DELETE FROM rate_limit_blocks WHERE until < now() - interval '1 hour'`);
  // connectChannelFinish refuses an expired state by itself; this only keeps the table small.
  const states = await sql.query(`DELETE FROM oauth_states WHERE expires_at < now()`);
  return {
    rateLimitBlocks: blocks.rowCount ?? 0,
    oauthStates: states.rowCount ?? 0,
    throttles: await deleteExpiredThrottles(sql),
    sessions: await deleteEndedSessions(sql),
    invitations: await deleteEndedInvitations(sql),
    auditEvents: await deleteOldAuditEvents(sql, options.auditRetentionDays ?? 365),
    passwordResets: await deleteEndedPasswordResets(sql),
    emailVerifications: await deleteEndedEmailVerifications(sql),
    workspaceExports: await expireWorkspaceExports(sql),
  };
}
