// Preview links (src/services/previewLinks.ts): one row per link, only the token's SHA-256 kept; revoked, never
// deleted on their own (a guest's comments name the link they came through). Listing reads through Prisma.
import { rows, type Sql } from './sql.js';

export interface UsablePreviewLink {
  id: string;
  workspaceId: string;
  postId: string;
  allowComments: boolean;
  expiresAt: Date;
}

export async function insertPreviewLink(sql: Sql, link: { workspaceId: string; postId: string; tokenHash: string; expiresAt: Date; allowComments: boolean }): Promise<string> {
  const [inserted] = await rows<{ id: string }>(
    sql,
    `INSERT INTO preview_links (workspace_id, post_id, token_hash, expires_at, allow_comments) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [link.workspaceId, link.postId, link.tokenHash, link.expiresAt, link.allowComments],
  );
  return inserted!.id;
}

/** The link a token opens: not revoked, not expired. Null otherwise, whichever the reason. */
export async function findUsablePreviewLink(sql: Sql, tokenHash: string): Promise<UsablePreviewLink | null> {
  const [found] = await rows<UsablePreviewLink>(
    sql,
    `SELECT id, workspace_id AS "workspaceId", post_id AS "postId", allow_comments AS "allowComments", expires_at AS "expiresAt"
       FROM preview_links WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > now()`,
    [tokenHash],
  );
  return found ?? null;
}

/** Revokes a link of the workspace (one revoked already keeps its first revocation time); null when it has no link of that id. */
export async function revokePreviewLink(sql: Sql, workspaceId: string, id: string): Promise<{ postId: string } | null> {
  const [revoked] = await rows<{ postId: string }>(
    sql,
    `UPDATE preview_links SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 AND workspace_id = $2 RETURNING post_id AS "postId"`,
    [id, workspaceId],
  );
  return revoked ?? null;
}
