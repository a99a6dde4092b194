// Password resets: one row per mailed link, only the token's SHA-256 kept, taken once (src/services/passwordReset.ts).
import { rows, type Sql } from './sql.js';

export async function insertPasswordReset(sql: Sql, reset: { userId: string; tokenHash: string; expiresAt: Date }): Promise<void> {
  await sql.query(`INSERT INTO password_resets (user_id, token_hash, expires_at) VALUES ($1, $2, $3)`, [reset.userId, reset.tokenHash, reset.expiresAt]);
}

/** The person a usable (unused, unexpired) reset is for, without taking it: the new password is checked first. */
export async function findUsablePasswordReset(sql: Sql, tokenHash: string): Promise<{ userId: string } | null> {
  const [found] = await rows<{ userId: string }>(sql, `SELECT user_id AS "userId" FROM password_resets WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()`, [
    tokenHash,
  ]);
  return found ?? null;
}

/**
 * Takes the reset, and every other pending one of the same person (an older mail must not undo the new password):
 * one guarded statement, so two requests with one token cannot both take it. Null when it is not usable.
 */
export async function takePasswordReset(sql: Sql, tokenHash: string): Promise<{ userId: string } | null> {
  const [taken] = await rows<{ userId: string }>(
    sql,
    `WITH taken AS (
       UPDATE password_resets SET used_at = now() WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING user_id),
     others AS (
       UPDATE password_resets p SET used_at = now() FROM taken WHERE p.user_id = taken.user_id AND p.used_at IS NULL AND p.token_hash <> $1)
     SELECT user_id AS "userId" FROM taken`,
    [tokenHash],
  );
  return taken ?? null;
}

/** Housekeeping: a used or expired reset is never usable again, so it is only kept a day (for someone looking). */
export async function deleteEndedPasswordResets(sql: Sql): Promise<number> {
  return (await sql.query(`DELETE FROM password_resets WHERE least(used_at, expires_at) < now() - interval '1 day'`)).rowCount ?? 0;
}
