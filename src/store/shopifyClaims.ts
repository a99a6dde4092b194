// Installs started from Shopify's admin for a shop PostFlow does not know: the granted tokens (sealed) wait here,
// under the SHA-256 of the browser's token, until the owner signs in and picks the workspace the shop joins. The sign-
// in only marks the row with the person; the row is taken once, in the transaction that installs the shop.
import { rows, type Sql } from './sql.js';

export interface PendingInstall {
  shop: string;
  /** The person who signed in for this install, with their email; null before. */
  userId: string | null;
  email: string | null;
}

export async function insertPendingInstall(sql: Sql, pending: { tokenHash: string; shop: string; credentialsSealed: string; expiresAt: Date }): Promise<void> {
  await sql.query(`INSERT INTO shopify_pending_installs (token_hash, shop, credentials_sealed, expires_at) VALUES ($1, $2, $3, $4)`, [
    pending.tokenHash,
    pending.shop,
    pending.credentialsSealed,
    pending.expiresAt,
  ]);
}

/** The unexpired pending install of this token, left in place. */
export async function findPendingInstall(sql: Sql, tokenHash: string): Promise<PendingInstall | null> {
  const [row] = await rows<PendingInstall>(
    sql,
    `SELECT p.shop, p.user_id AS "userId", u.email FROM shopify_pending_installs p LEFT JOIN users u ON u.id = p.user_id
      WHERE p.token_hash = $1 AND p.expires_at > now()`,
    [tokenHash],
  );
  return row ?? null;
}

/** The person signed in for this install (a later sign-in replaces them); false when it is gone or expired. */
export async function updatePendingInstallUser(sql: Sql, tokenHash: string, userId: string): Promise<boolean> {
  const result = await sql.query(`UPDATE shopify_pending_installs SET user_id = $2 WHERE token_hash = $1 AND expires_at > now()`, [tokenHash, userId]);
  return (result.rowCount ?? 0) > 0;
}

/** Takes the pending install (once: a second taker waits for the first's transaction, then finds nothing), if signed in. */
export async function takePendingInstall(sql: Sql, tokenHash: string): Promise<{ shop: string; credentialsSealed: string; userId: string } | null> {
  const [row] = await rows<{ shop: string; credentialsSealed: string; userId: string }>(
    sql,
    `DELETE FROM shopify_pending_installs WHERE token_hash = $1 AND expires_at > now() AND user_id IS NOT NULL
     RETURNING shop, credentials_sealed AS "credentialsSealed", user_id AS "userId"`,
    [tokenHash],
  );
  return row ?? null;
}

/** Pending installs past their 30 minutes (each new one clears them). */
export async function deleteExpiredPendingInstalls(sql: Sql): Promise<number> {
  const result = await sql.query(`DELETE FROM shopify_pending_installs WHERE expires_at < now()`);
  return result.rowCount ?? 0;
}

/** shop/redact: the shop's pending installs (their sealed tokens and its name), expired or not. */
export async function deleteShopPendingInstalls(sql: Sql, shop: string): Promise<number> {
  const result = await sql.query(`DELETE FROM shopify_pending_installs WHERE shop = $1`, [shop]);
  return result.rowCount ?? 0;
}
