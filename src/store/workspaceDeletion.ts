// A workspace's deletion (src/services/workspaceDeletion.ts): scheduled with its grace period, cancelled, and the purge
// that deletes the workspace row, which takes everything of it along by the foreign keys' ON DELETE CASCADE
// (memberships, sessions, API keys, invitations, channels, posts, deliveries, attempts, comments, audit events,
// exports, OAuth states), and the accounts that belonged to no other workspace.
import type { PoolClient } from 'pg';
import { enqueuePublishJobs, removePublishJobs } from './jobs.js';
import { rows, type Sql } from './sql.js';

export interface WorkspaceDeletionState {
  name: string;
  deletionScheduledAt: Date | null;
}

/** The workspace's row, locked until the transaction ends: a deletion and its cancellation never cross. */
export async function lockWorkspaceForDeletion(client: PoolClient, workspaceId: string): Promise<WorkspaceDeletionState | null> {
  const [found] = await rows<WorkspaceDeletionState>(client, `SELECT name, deletion_scheduled_at AS "deletionScheduledAt" FROM workspaces WHERE id = $1 FOR UPDATE`, [workspaceId]);
  return found ?? null;
}

export async function setWorkspaceDeletion(sql: Sql, workspaceId: string, at: Date | null): Promise<void> {
  await sql.query(`UPDATE workspaces SET deletion_scheduled_at = $2 WHERE id = $1`, [workspaceId, at]);
}

/**
 * Due deliveries of the workspace whose publish jobs ran during the grace period and were refused by the claim get
 * their jobs again (at once); later ones kept theirs.
 */
export async function requeueWorkspaceDeliveries(sql: Sql, workspaceId: string): Promise<number> {
  const held = await rows<{ id: string }>(sql, `SELECT id FROM deliveries WHERE workspace_id = $1 AND status = 'SCHEDULED' AND scheduled_at <= now() + interval '1 second'`, [
    workspaceId,
  ]);
  await enqueuePublishJobs(
    sql,
    held.map((d) => ({ deliveryId: d.id, runAt: new Date() })),
  );
  return held.length;
}

export async function findWorkspacesDueForPurge(sql: Sql, limit: number): Promise<string[]> {
  const due = await rows<{ id: string }>(
    sql,
    `SELECT id FROM workspaces WHERE deletion_scheduled_at IS NOT NULL AND deletion_scheduled_at <= now() ORDER BY deletion_scheduled_at LIMIT $1`,
    [limit],
  );
  return due.map((w) => w.id);
}

/** Locks the workspace and answers whether it is (still) due: a cancellation that committed first wins. */
export async function lockWorkspaceDueForPurge(client: PoolClient, workspaceId: string): Promise<boolean> {
  const found = await client.query(`SELECT 1 FROM workspaces WHERE id = $1 AND deletion_scheduled_at <= now() FOR UPDATE`, [workspaceId]);
  return (found.rowCount ?? 0) > 0;
}

/** Publish jobs still queued for the workspace's deliveries (a job already running finds its delivery gone). */
export async function removeWorkspacePublishJobs(sql: Sql, workspaceId: string): Promise<void> {
  const ids = await rows<{ id: string }>(sql, `SELECT id FROM deliveries WHERE workspace_id = $1 AND status IN ('SCHEDULED', 'PUBLISHING')`, [workspaceId]);
  await removePublishJobs(
    sql,
    ids.map((d) => d.id),
  );
}

/**
 * Deletes the members' accounts that belong to no other workspace (their sessions, recovery codes and links go by
 * cascade), except the instance's first account: it is what makes its owner the instance administrator, which must
 * not pass to whoever signed up next. Answers how many were deleted.
 */
export async function deleteAccountsOnlyIn(sql: Sql, workspaceId: string): Promise<number> {
  const deleted = await sql.query(
    `DELETE FROM users u
      WHERE u.id IN (SELECT m.user_id FROM memberships m WHERE m.workspace_id = $1)
        AND NOT EXISTS (SELECT 1 FROM memberships o WHERE o.user_id = u.id AND o.workspace_id <> $1)
        AND u.id <> (SELECT f.id FROM users f ORDER BY f.created_at, f.id LIMIT 1)`,
    [workspaceId],
  );
  return deleted.rowCount ?? 0;
}

export async function deleteWorkspaceRow(sql: Sql, workspaceId: string): Promise<boolean> {
  const deleted = await sql.query(`DELETE FROM workspaces WHERE id = $1`, [workspaceId]);
  return (deleted.rowCount ?? 0) > 0;
}
