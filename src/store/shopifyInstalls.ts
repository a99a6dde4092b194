// Installs of the Shopify app started from PostFlow (connectShopifyStart): the ticket that binds the merchant's
// browser to the workspace and person who started it. Only the ticket's SHA-256 is kept; it is taken once.
import { rows, type Sql } from './sql.js';

export interface InstallTicket {
  workspaceId: string;
  userId: string;
  sessionId: string | null;
  shop: string;
}

export async function insertInstallTicket(sql: Sql, ticket: InstallTicket & { ticketHash: string; expiresAt: Date }): Promise<void> {
  await sql.query(`INSERT INTO shopify_install_tickets (ticket_hash, workspace_id, user_id, session_id, shop, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`, [
    ticket.ticketHash,
    ticket.workspaceId,
    ticket.userId,
    ticket.sessionId,
    ticket.shop,
    ticket.expiresAt,
  ]);
}

/** The unexpired ticket of this shop, left in place (GET /shopify/auth only looks; the callback takes it). */
export async function findInstallTicket(sql: Sql, ticketHash: string, shop: string): Promise<InstallTicket | null> {
  const [row] = await rows<InstallTicket>(
    sql,
    `SELECT workspace_id AS "workspaceId", user_id AS "userId", session_id AS "sessionId", shop FROM shopify_install_tickets
      WHERE ticket_hash = $1 AND shop = $2 AND expires_at > now()`,
    [ticketHash, shop],
  );
  return row ?? null;
}

/**
 * Takes the ticket out whatever happens next (one try, like the authorization code), and answers it if it was this
 * shop's, unexpired, and its person is still a member of its workspace.
 */
export async function takeInstallTicket(sql: Sql, ticketHash: string, shop: string): Promise<InstallTicket | null> {
  const [row] = await rows<InstallTicket & { usable: boolean }>(
    sql,
    `WITH taken AS (DELETE FROM shopify_install_tickets WHERE ticket_hash = $1 RETURNING *)
     SELECT t.workspace_id AS "workspaceId", t.user_id AS "userId", t.session_id AS "sessionId", t.shop,
            (t.shop = $2 AND t.expires_at > now() AND EXISTS (SELECT 1 FROM memberships m WHERE m.workspace_id = t.workspace_id AND m.user_id = t.user_id)) AS usable
       FROM taken t`,
    [ticketHash, shop],
  );
  return row?.usable ? { workspaceId: row.workspaceId, userId: row.userId, sessionId: row.sessionId, shop: row.shop } : null;
}

/** Tickets past their 10 minutes (connectShopifyStart clears them as it adds one). */
export async function deleteExpiredInstallTickets(sql: Sql): Promise<number> {
  const result = await sql.query(`DELETE FROM shopify_install_tickets WHERE expires_at < now()`);
  return result.rowCount ?? 0;
}
