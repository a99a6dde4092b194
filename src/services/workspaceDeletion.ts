// Deleting a workspace: the OWNER asks, confirming with the workspace's name; it is purged after a grace period
// (POSTFLOW_WORKSPACE_DELETION_GRACE_DAYS), during which members still sign in and see it, nothing of it publishes
// (the worker's claim refuses its deliveries: src/store/publishing.ts), and the OWNER may cancel. The purge
// (the purge_workspaces task) deletes the workspace with everything of it, and the accounts of members who belong
// to no other workspace: such an account could not sign in anywhere any more, and its personal data would stay
// for nothing (the email may sign up, or be invited, again).
import type pg from 'pg';
import { conflict, notFound, ValidationError } from '../domain/errors.js';
import type { Auth } from '../domain/auth.js';
import { recordAudit } from '../store/audit.js';
import { transaction } from '../store/sql.js';
import {
  deleteAccountsOnlyIn,
  deleteWorkspaceRow,
  findWorkspacesDueForPurge,
  lockWorkspaceDueForPurge,
  lockWorkspaceForDeletion,
  removeWorkspacePublishJobs,
  requeueWorkspaceDeliveries,
  setWorkspaceDeletion,
} from '../store/workspaceDeletion.js';
import type { ServiceDeps } from './deps.js';
import type { Logger } from '../logger.js';

const DAY_MS = 86_400_000;

/** Schedules the deletion; `confirm` must be the workspace's name, exactly. Answers when it will be purged. */
export async function deleteWorkspace(deps: ServiceDeps, auth: Auth, confirm: string): Promise<Date> {
  return transaction(deps.pool, async (client) => {
    const workspace = await lockWorkspaceForDeletion(client, auth.workspaceId);
    if (!workspace) throw notFound('Workspace', auth.workspaceId);
    if (confirm !== workspace.name) {
      throw ValidationError.single(['confirm'], 'workspaceName', `confirm must be the workspace's name exactly ("${workspace.name}"), to show which workspace is to go`);
    }
    if (workspace.deletionScheduledAt) throw conflict(`This workspace is to be deleted already, at ${workspace.deletionScheduledAt.toISOString()}`);
    const at = new Date(Date.now() + deps.config.workspaceDeletionGraceDays * DAY_MS);
    await setWorkspaceDeletion(client, auth.workspaceId, at);
    await recordAudit(client, { actor: auth, action: 'workspace.deletion_scheduled', target: { type: 'workspace', id: auth.workspaceId }, details: { purgeAt: at.toISOString() } });
    return at;
  });
}

/** Undoes a scheduled deletion; what fell due meanwhile is queued to publish now. */
export async function cancelWorkspaceDeletion(deps: ServiceDeps, auth: Auth): Promise<boolean> {
  return transaction(deps.pool, async (client) => {
    const workspace = await lockWorkspaceForDeletion(client, auth.workspaceId);
    if (!workspace) throw notFound('Workspace', auth.workspaceId);
    if (!workspace.deletionScheduledAt) throw conflict('This workspace is not to be deleted: there is nothing to cancel');
    await setWorkspaceDeletion(client, auth.workspaceId, null);
    const requeued = await requeueWorkspaceDeliveries(client, auth.workspaceId);
    await recordAudit(client, {
      actor: auth,
      action: 'workspace.deletion_cancelled',
      target: { type: 'workspace', id: auth.workspaceId },
      details: { wasDueAt: workspace.deletionScheduledAt.toISOString(), requeued },
    });
    return true;
  });
}

/**
 * Purges the workspaces whose grace period is over, each in its own transaction (one failing leaves the others
 * purged). A cancellation committed before the purge locks the row wins. Answers how many were purged.
 */
export async function purgeDueWorkspaces(deps: { pool: pg.Pool; logger: Logger }): Promise<number> {
  let purged = 0;
  for (const workspaceId of await findWorkspacesDueForPurge(deps.pool, 100)) {
    const accounts = await transaction(deps.pool, async (client) => {
      if (!(await lockWorkspaceDueForPurge(client, workspaceId))) return null;
      await removeWorkspacePublishJobs(client, workspaceId);
      const deletedAccounts = await deleteAccountsOnlyIn(client, workspaceId);
      await deleteWorkspaceRow(client, workspaceId);
      return deletedAccounts;
    });
    if (accounts === null) continue;
    purged++;
    // The workspace's own audit trail went with it: this line is what remains of the purge.
    deps.logger.info('purged a deleted workspace', { workspaceId, accountsDeleted: accounts });
  }
  return purged;
}
