// Installs of the Shopify app started from PostFlow (connectShopifyStart): the ticket that binds the merchant's
// browser to the workspace and person who started it, and the scopes it asks for. Only the ticket's SHA-256 is kept;
// it is taken once.
import { rows, type Sql } from './sql.js';

export interface InstallTicket {
  workspaceId: string;
  userId: string;
  sessionId: string | null;
  shop: string;
  scopes: string[];
}

export async function insertInstallTicket(sql: Sql, ticket: InstallTicket & { ticketHash: string; expiresAt: Date }): Promise<void> {
  await sql.query(`INSERT INTO shopify_install_tickets (ticket_hash, workspace_id, user_id, session_id, shop, scopes, expires_at) VALUES ($1, $2, $3, $4, $5, $6::text[], $7)`, [
    ticket.ticketHash,
    ticket.workspaceId,
    ticket.userId,
    ticket.sessionId,
    ticket.shop,
    ticket.scopes,
    ticket.expiresAt,
  ]);
}

const TICKET_COLUMNS = `workspace_id AS "workspaceId", user_id AS "userId", session_id AS "sessionId", shop, scopes`;

/** The unexpired ticket of this shop, left in place (GET /shopify/auth only looks; the callback takes it). */
export async function findInstallTicket(sql: Sql, ticketHash: string, shop: string): Promise<InstallTicket | null> {
  const [row] = await rows<InstallTicket>(sql, `SELECT ${TICKET_COLUMNS} FROM shopify_install_tickets WHERE ticket_hash = $1 AND shop = $2 AND expires_at > now()`, [
    ticketHash,
    shop,
  ]);
  return row ?? null;
}

/**
 * Takes this shop's ticket out whatever happens next (one try, like the authorization code): 'UNUSABLE' unless it is
 * unexpired and its person is still an ADMIN or OWNER of its workspace (connecting a source is an ADMIN's: someone
 * removed or demoted since cannot finish the install). A ticket of another shop is left in place ('NONE'): a leftover
 * cookie must not spend it, nor stop this shop's install.
 */
export async function takeInstallTicket(sql: Sql, ticketHash: string, shop: string): Promise<InstallTicket | 'UNUSABLE' | 'NONE'> {
  const [row] = await rows<InstallTicket & { usable: boolean }>(
    sql,
    `WITH taken AS (DELETE FROM shopify_install_tickets WHERE ticket_hash = $1 AND shop = $2 RETURNING *)
     SELECT ${TICKET_COLUMNS},
            (t.expires_at > now() AND EXISTS (
               SELECT 1 FROM memberships m WHERE m.workspace_id = t.workspace_id AND m.user_id = t.user_id AND m.role IN ('ADMIN', 'OWNER'))) AS usable
       FROM taken t`,
    [ticketHash, shop],
  );
  if (!row) return 'NONE';
  return row.usable ? { workspaceId: row.workspaceId, userId: row.userId, sessionId: row.sessionId, shop: row.shop, scopes: row.scopes } : 'UNUSABLE';
}

/** shop/redact: the shop's tickets, whoever started them. */
export async function deleteShopInstallTickets(sql: Sql, shop: string): Promise<number> {
  const result = await sql.query(`DELETE FROM shopify_install_tickets WHERE shop = $1`, [shop]);
  return result.rowCount ?? 0;
}

/** Tickets past their 10 minutes (connectShopifyStart clears them as it adds one). */
export async function deleteExpiredInstallTickets(sql: Sql): Promise<number> {
  const result = await sql.query(`DELETE FROM shopify_install_tickets WHERE expires_at < now()`);
  return result.rowCount ?? 0;
}
