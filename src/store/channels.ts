// What the scheduling decisions read about a channel, and the lock that serialises them: the instants taken on it,
// and whether it may publish at all.
import { Occupancy } from '../scheduling/occupancy.js';
import { systemActor } from '../domain/audit.js';
import { recordAudit } from './audit.js';
import { rows, type Sql } from './sql.js';

/** SQL condition: the channel (alias `ch`) may publish: not paused, not waiting for a reconnect, not deleted. */
export const CHANNEL_IS_ACTIVE = `(NOT ch.paused AND NOT ch.needs_reconnect AND ch.deleted_at IS NULL)`;

const DAY = 86_400_000;

/** Serialises scheduling decisions on channels: two transactions never both take a channel's last slot. */
export async function lockChannels(sql: Sql, channelIds: string[]): Promise<void> {
  if (channelIds.length) await sql.query(`SELECT id FROM channels WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [channelIds]);
}

/**
 * Instants taken on a channel around [from, until): scheduled or publishing ones, and when published ones went out.
 * A post awaiting approval holds its slot until the decision (approval usually follows soon, and its approver sees
 * the time it will have); changes requested or a rejection frees it.
 */
export async function loadOccupancy(sql: Sql, channelId: string, from: number, until: number, exclude: string[] = []): Promise<Occupancy> {
  const taken = await rows<{ at: Date }>(
    sql,
    `SELECT coalesce(published_at, scheduled_at) AS at FROM deliveries
      WHERE channel_id = $1::uuid AND status IN ('AWAITING_APPROVAL', 'SCHEDULED', 'PUBLISHING', 'PUBLISHED', 'UNCONFIRMED')
        AND coalesce(published_at, scheduled_at) >= $2 AND coalesce(published_at, scheduled_at) < $3
        AND NOT (id = ANY($4::uuid[]))`,
    [channelId, new Date(from - 2 * DAY), new Date(until + 8 * DAY), exclude],
  );
  return new Occupancy(taken.map((r) => new Date(r.at).getTime()));
}

/**
 * What is out or going out on a channel in the last 49 hours (the longest window a cap looks at), leaving one
 * delivery out: the publish-time check of intervals and caps. Posts scheduled later do not count: they were placed
 * around this one's time, and moving this one for them would push it behind them again and again.
 */
export async function loadRecentlyOut(sql: Sql, channelId: string, exclude: string): Promise<Occupancy> {
  const out = await rows<{ at: Date }>(
    sql,
    `SELECT coalesce(published_at, scheduled_at) AS at FROM deliveries
      WHERE channel_id = $1 AND status IN ('PUBLISHING', 'PUBLISHED', 'UNCONFIRMED') AND id <> $2
        AND coalesce(published_at, scheduled_at) > now() - interval '49 hours'`,
    [channelId, exclude],
  );
  return new Occupancy(out.map((r) => r.at.getTime()));
}

/** Channel ids that have PENDING deliveries (the smart scheduler's work list). */
export async function channelsWithPending(sql: Sql, workspaceId: string | null): Promise<string[]> {
  const found = await rows<{ channel_id: string }>(
    sql,
    `SELECT DISTINCT channel_id FROM deliveries WHERE status = 'PENDING' AND ($1::uuid IS NULL OR workspace_id = $1::uuid) ORDER BY channel_id`,
    [workspaceId],
  );
  return found.map((r) => r.channel_id);
}

/** The channel columns a change may set, by their names in the API's model. */
const CHANNEL_COLUMNS = {
  name: 'name',
  timezone: 'timezone',
  accountHandle: 'account_handle',
  settings: 'settings',
  credentialsEncrypted: 'credentials_encrypted',
  credentialsExpireAt: 'credentials_expire_at',
  appKey: 'app_key',
  needsReconnect: 'needs_reconnect',
  authError: 'auth_error',
  paused: 'paused',
  deletedAt: 'deleted_at',
  policy: 'policy',
} as const;

export type ChannelChange = Partial<Record<keyof typeof CHANNEL_COLUMNS, unknown>>;

/** Sets the given columns of a channel (JSON columns take objects). */
export async function updateChannelRow(sql: Sql, channelId: string, change: ChannelChange): Promise<void> {
  const entries = Object.entries(change).filter(([, v]) => v !== undefined) as [keyof typeof CHANNEL_COLUMNS, unknown][];
  if (!entries.length) return;
  const json = new Set(['settings', 'policy']);
  const sets = entries.map(([k], i) => `${CHANNEL_COLUMNS[k]} = $${i + 2}${json.has(k) ? '::jsonb' : ''}`);
  const values = entries.map(([k, v]) => (json.has(k) && v !== null ? JSON.stringify(v) : v));
  await sql.query(`UPDATE channels SET ${sets.join(', ')}, updated_at = now() WHERE id = $1`, [channelId, ...values]);
}

/**
 * Marks the channel as needing the user: its deliveries are then held (never claimed) and channelUpdated hears of it.
 * A channel already marked keeps its first reason, and subscribers are not told twice. The audit event (the system's)
 * is what notifies people; `postId` names the post whose publish found out, so its author is told too.
 */
export async function markNeedsReconnect(sql: Sql, channelId: string, reason: string, postId?: string): Promise<void> {
  const marked = await sql.query<{ workspace_id: string }>(
    `UPDATE channels SET needs_reconnect = true, auth_error = $2, updated_at = now() WHERE id = $1 AND NOT needs_reconnect RETURNING workspace_id`,
    [channelId, reason],
  );
  const workspaceId = marked.rows[0]?.workspace_id;
  if (workspaceId) {
    const details = postId ? { postId } : {};
    await recordAudit(sql, { actor: systemActor(workspaceId), action: 'channel.needs_reconnect', target: { type: 'channel', id: channelId }, details });
  }
}

export interface NewChannel {
  workspaceId: string;
  platform: string;
  name: string;
  timezone: string;
  accountHandle: string;
  settings: object;
  credentialsEncrypted: string;
  credentialsExpireAt: Date | null;
  appKey: string | null;
  policy: object | null;
}

export async function insertChannel(sql: Sql, c: NewChannel): Promise<string> {
  const [created] = await rows<{ id: string }>(
    sql,
    `INSERT INTO channels (workspace_id, platform, name, timezone, account_handle, settings, credentials_encrypted, credentials_expire_at, app_key, policy)
     VALUES ($1, $2::"Platform", $3, $4, $5, $6::jsonb, $7, $8, $9, $10::jsonb) RETURNING id`,
    [
      c.workspaceId,
      c.platform,
      c.name,
      c.timezone,
      c.accountHandle,
      JSON.stringify(c.settings),
      c.credentialsEncrypted,
      c.credentialsExpireAt,
      c.appKey,
      c.policy === null ? null : JSON.stringify(c.policy),
    ],
  );
  return created.id;
}
