// Email verification: one row per mailed link, only the token's SHA-256 kept, taken once; and users.email_verified_at
// (src/services/emailVerification.ts).
import { rows, type Sql } from './sql.js';

export async function insertEmailVerification(sql: Sql, link: { userId: string; email: string; tokenHash: string; expiresAt: Date }): Promise<void> {
  await sql.query(`INSERT INTO email_verifications (user_id, email, token_hash, expires_at) VALUES ($1, $2, $3, $4)`, [link.userId, link.email, link.tokenHash, link.expiresAt]);
}

/**
 * Takes the link and marks the account verified, in one guarded statement: of two requests with one link, one takes
 * it. Only while the account still has the address the link was mailed to. The person's other pending links are
 * used up with it. Null when the link is not usable.
 */
export async function takeEmailVerification(sql: Sql, tokenHash: string): Promise<{ userId: string } | null> {
  const [taken] = await rows<{ userId: string }>(
    sql,
    `WITH taken AS (
       UPDATE email_verifications v SET used_at = now() FROM users u
        WHERE v.token_hash = $1 AND v.used_at IS NULL AND v.expires_at > now() AND u.id = v.user_id AND u.email = v.email
       RETURNING v.user_id),
     verified AS (
       UPDATE users u SET email_verified_at = coalesce(u.email_verified_at, now()) FROM taken WHERE u.id = taken.user_id),
     others AS (
       UPDATE email_verifications o SET used_at = now() FROM taken WHERE o.user_id = taken.user_id AND o.used_at IS NULL AND o.token_hash <> $1)
     SELECT user_id AS "userId" FROM taken`,
    [tokenHash],
  );
  return taken ?? null;
}

/** The address was proven some other way (a mailed invitation accepted): the first proof's time is kept. */
export async function markEmailVerified(sql: Sql, userId: string): Promise<void> {
  await sql.query(`UPDATE users SET email_verified_at = coalesce(email_verified_at, now()) WHERE id = $1`, [userId]);
}

export async function findEmailVerification(sql: Sql, userId: string): Promise<{ email: string; verifiedAt: Date | null } | null> {
  const [found] = await rows<{ email: string; verifiedAt: Date | null }>(sql, `SELECT email, email_verified_at AS "verifiedAt" FROM users WHERE id = $1`, [userId]);
  return found ?? null;
}

/** Housekeeping: a used or expired link is never usable again; kept a day for someone looking, like password resets. */
export async function deleteEndedEmailVerifications(sql: Sql): Promise<number> {
  return (await sql.query(`DELETE FROM email_verifications WHERE least(used_at, expires_at) < now() - interval '1 day'`)).rowCount ?? 0;
}
