// People, their workspaces, sessions, API keys and two-factor state.
import type pg from 'pg';
import { rows, transaction, type Sql } from './sql.js';
import type { Role, Scope } from '../domain/roles.js';
import type { Plan } from '../domain/plans.js';

/** Unique violation on users.email: the account exists. */
export const isDuplicateEmail = (error: unknown) => (error as { code?: string })?.code === '23505' && /email/.test((error as { constraint?: string }).constraint ?? '');

interface NewOwner {
  email: string;
  passwordHash: string;
  workspaceName: string;
  /** The new workspace's plan (POSTFLOW_DEFAULT_PLAN). */
  plan: Plan;
}

const INSERT_OWNER = `WITH u AS (INSERT INTO users (email, password_hash) SELECT $1, $2 WHERE $4 OR NOT EXISTS (SELECT 1 FROM users) RETURNING id),
          w AS (INSERT INTO workspaces (name, plan) SELECT $3, $5::"Plan" FROM u RETURNING id),
          m AS (INSERT INTO memberships (workspace_id, user_id, role) SELECT w.id, u.id, 'OWNER' FROM w, u)
     SELECT u.id AS "userId", w.id AS "workspaceId" FROM u, w`;

/** A new person with a new workspace they own, in one statement. */
export async function insertOwner(sql: Sql, owner: NewOwner): Promise<{ userId: string; workspaceId: string }> {
  const [created] = await rows<{ userId: string; workspaceId: string }>(sql, INSERT_OWNER, [owner.email, owner.passwordHash, owner.workspaceName, true, owner.plan]);
  return created;
}

const FIRST_OWNER_LOCK = 7_346_110;

/**
 * The first account of an instance whose sign-up is closed: inserted only while there are no users. The lock
 * makes two such attempts at once take turns, so the second sees the first's row and creates nothing.
 */
export async function insertFirstOwner(pool: pg.Pool, owner: NewOwner): Promise<{ userId: string; workspaceId: string } | null> {
  return transaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [FIRST_OWNER_LOCK]);
    const [created] = await rows<{ userId: string; workspaceId: string }>(client, INSERT_OWNER, [owner.email, owner.passwordHash, owner.workspaceName, false, owner.plan]);
    return created ?? null;
  });
}

/** Whether the instance has any account yet (a closed sign-up still takes the first). */
export async function anyUsers(sql: Sql): Promise<boolean> {
  return (await rows<{ any: boolean }>(sql, `SELECT EXISTS (SELECT 1 FROM users) AS any`))[0].any;
}

export interface LoginUser {
  id: string;
  email: string;
  passwordHash: string;
  /** The workspace a login opens: the first one joined. Null when the person belongs to none. */
  workspaceId: string | null;
  totpSecretSealed: string | null;
  totpEnabled: boolean;
}

const USER_COLUMNS = `u.id, u.email, u.password_hash AS "passwordHash", u.totp_secret_sealed AS "totpSecretSealed", u.totp_enabled_at IS NOT NULL AS "totpEnabled",
  (SELECT m.workspace_id FROM memberships m WHERE m.user_id = u.id ORDER BY m.created_at LIMIT 1) AS "workspaceId"`;

export async function findUserByEmail(sql: Sql, email: string): Promise<LoginUser | null> {
  return (await rows<LoginUser>(sql, `SELECT ${USER_COLUMNS} FROM users u WHERE u.email = $1`, [email]))[0] ?? null;
}

export async function findUserById(sql: Sql, id: string): Promise<LoginUser | null> {
  return (await rows<LoginUser>(sql, `SELECT ${USER_COLUMNS} FROM users u WHERE u.id = $1`, [id]))[0] ?? null;
}

export async function updatePasswordHash(sql: Sql, userId: string, passwordHash: string): Promise<void> {
  await sql.query(`UPDATE users SET password_hash = $2 WHERE id = $1`, [userId, passwordHash]);
}

// --- sessions ---

export async function insertSession(sql: Sql, session: { userId: string; workspaceId: string; expiresAt: Date }): Promise<string> {
  const [created] = await rows<{ id: string }>(sql, `INSERT INTO sessions (user_id, workspace_id, expires_at) VALUES ($1, $2, $3) RETURNING id`, [
    session.userId,
    session.workspaceId,
    session.expiresAt,
  ]);
  return created.id;
}

/** The person's role comes with the lookup every request makes anyway: authorization costs no statement of its own. */
interface LiveSession {
  userId: string;
  workspaceId: string;
  lastSeenAt: Date;
  role: Role;
}

/**
 * A session that still opens its workspace: not revoked, not expired, and its person still a member there (a deleted
 * user's sessions go with the row; a removed membership leaves the session, which this join then refuses). One
 * lookup by primary key on the hot path of every request.
 */
export async function findLiveSession(sql: Sql, id: string): Promise<LiveSession | null> {
  const found = await rows<LiveSession>(
    sql,
    `SELECT s.user_id AS "userId", s.workspace_id AS "workspaceId", s.last_seen_at AS "lastSeenAt", m.role
       FROM sessions s JOIN memberships m ON m.user_id = s.user_id AND m.workspace_id = s.workspace_id
      WHERE s.id = $1 AND s.revoked_at IS NULL AND s.expires_at > now()`,
    [id],
  );
  return found[0] ?? null;
}

/** Last seen now, written at most once a minute per session so that requests do not each write a row. */
export async function touchSession(sql: Sql, id: string): Promise<void> {
  await sql.query(`UPDATE sessions SET last_seen_at = now() WHERE id = $1 AND last_seen_at < now() - interval '1 minute'`, [id]);
}

export async function revokeSession(sql: Sql, id: string): Promise<boolean> {
  return ((await sql.query(`UPDATE sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`, [id])).rowCount ?? 0) > 0;
}

/** Every live session of the person, in every workspace, but `keepId` (the one asking, after a password change). */
export async function revokeUserSessions(sql: Sql, userId: string, keepId: string | null): Promise<number> {
  const result = await sql.query(`UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now() AND id IS DISTINCT FROM $2`, [
    userId,
    keepId,
  ]);
  return result.rowCount ?? 0;
}

/** Sessions that ended more than a day ago: nothing can use them, and a day of them explains a recent refusal. */
export async function deleteEndedSessions(sql: Sql): Promise<number> {
  return (await sql.query(`DELETE FROM sessions WHERE expires_at < now() - interval '1 day' OR revoked_at < now() - interval '1 day'`)).rowCount ?? 0;
}

// --- API keys ---

export async function insertApiKey(
  sql: Sql,
  key: { workspaceId: string; createdById: string; name: string; prefix: string; keyHash: string; expiresAt: Date | null; scopes: readonly Scope[] },
): Promise<string> {
  const [created] = await rows<{ id: string }>(
    sql,
    `INSERT INTO api_keys (workspace_id, created_by_id, name, prefix, key_hash, expires_at, scopes) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [key.workspaceId, key.createdById, key.name, key.prefix, key.keyHash, key.expiresAt, key.scopes],
  );
  return created.id;
}

interface LiveApiKey {
  id: string;
  workspaceId: string;
  createdById: string;
  lastUsedAt: Date | null;
  /** The creator's role now: a key never does more than the person who made it may today. */
  role: Role;
  scopes: Scope[];
}

/**
 * A key that still works: not revoked, not expired, its creator still a member of its workspace (a removed creator's
 * keys are refused by this join). By its unique hash.
 */
export async function findLiveApiKey(sql: Sql, keyHash: string): Promise<LiveApiKey | null> {
  const found = await rows<LiveApiKey>(
    sql,
    `SELECT k.id, k.workspace_id AS "workspaceId", k.created_by_id AS "createdById", k.last_used_at AS "lastUsedAt", m.role, COALESCE(k.scopes, '{}') AS scopes
       FROM api_keys k JOIN memberships m ON m.user_id = k.created_by_id AND m.workspace_id = k.workspace_id
      WHERE k.key_hash = $1 AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())`,
    [keyHash],
  );
  return found[0] ?? null;
}

/** Last used now, at most once a minute per key. */
export async function touchApiKey(sql: Sql, id: string): Promise<void> {
  await sql.query(`UPDATE api_keys SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`, [id]);
}

/** Revokes one of the workspace's keys; false when it has no such key or it was revoked already. */
export async function revokeApiKey(sql: Sql, workspaceId: string, id: string): Promise<boolean> {
  return ((await sql.query(`UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND workspace_id = $2 AND revoked_at IS NULL`, [id, workspaceId])).rowCount ?? 0) > 0;
}

// --- two-factor ---

/** Keeps a new TOTP secret, not yet in force, unless two-factor is already on (then nothing changes). */
export async function setPendingTotpSecret(sql: Sql, userId: string, sealed: string): Promise<boolean> {
  return ((await sql.query(`UPDATE users SET totp_secret_sealed = $2, totp_last_step = NULL WHERE id = $1 AND totp_enabled_at IS NULL`, [userId, sealed])).rowCount ?? 0) > 0;
}

/**
 * Accepts a TOTP time step once: true only when it is later than the last one accepted, so a code seen by someone
 * else (over a shoulder, in a log) cannot be replayed within its 30 seconds.
 */
export async function takeTotpStep(sql: Sql, userId: string, step: number): Promise<boolean> {
  return ((await sql.query(`UPDATE users SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)`, [userId, step])).rowCount ?? 0) > 0;
}

/** Two-factor on, with a fresh set of recovery codes (hashes) replacing any older ones, in one transaction. */
export async function enableTotp(pool: pg.Pool, userId: string, codeHashes: string[]): Promise<boolean> {
  return transaction(pool, async (client) => {
    const on = await client.query(`UPDATE users SET totp_enabled_at = now() WHERE id = $1 AND totp_enabled_at IS NULL AND totp_secret_sealed IS NOT NULL`, [userId]);
    if (!on.rowCount) return false;
    await client.query(`DELETE FROM recovery_codes WHERE user_id = $1`, [userId]);
    await client.query(`INSERT INTO recovery_codes (user_id, code_hash) SELECT $1, unnest($2::text[])`, [userId, codeHashes]);
    return true;
  });
}

export async function disableTotp(pool: pg.Pool, userId: string): Promise<void> {
  await transaction(pool, async (client) => {
    await client.query(`UPDATE users SET totp_secret_sealed = NULL, totp_enabled_at = NULL, totp_last_step = NULL WHERE id = $1`, [userId]);
    await client.query(`DELETE FROM recovery_codes WHERE user_id = $1`, [userId]);
  });
}

/** Spends a recovery code: true once per code, whoever races for it. */
export async function useRecoveryCode(sql: Sql, userId: string, codeHash: string): Promise<boolean> {
  return ((await sql.query(`UPDATE recovery_codes SET used_at = now() WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL`, [userId, codeHash])).rowCount ?? 0) > 0;
}
