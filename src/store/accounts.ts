// People, their workspaces and their API keys.
import { rows, type Sql } from './sql.js';

/** Unique violation on users.email: the account exists. */
export const isDuplicateEmail = (error: unknown) => (error as { code?: string })?.code === '23505' && /email/.test((error as { constraint?: string }).constraint ?? '');

/** A new person with a new workspace they own, in one statement. */
export async function insertOwner(sql: Sql, owner: { email: string; passwordHash: string; workspaceName: string }): Promise<{ userId: string; workspaceId: string }> {
  const [created] = await rows<{ userId: string; workspaceId: string }>(
    sql,
    `WITH u AS (INSERT INTO users (email, password_hash) VALUES ($1, $2) RETURNING id),
          w AS (INSERT INTO workspaces (name) VALUES ($3) RETURNING id),
          m AS (INSERT INTO memberships (workspace_id, user_id, role) SELECT w.id, u.id, 'OWNER' FROM w, u)
     SELECT u.id AS "userId", w.id AS "workspaceId" FROM u, w`,
    [owner.email, owner.passwordHash, owner.workspaceName],
  );
  return created;
}

export async function insertApiKey(sql: Sql, key: { workspaceId: string; createdById: string; name: string; prefix: string; keyHash: string }): Promise<string> {
  const [created] = await rows<{ id: string }>(sql, `INSERT INTO api_keys (workspace_id, created_by_id, name, prefix, key_hash) VALUES ($1, $2, $3, $4, $5) RETURNING id`, [
    key.workspaceId,
    key.createdById,
    key.name,
    key.prefix,
    key.keyHash,
  ]);
  return created.id;
}
