// A workspace's plan, what it uses of it, and the count that decides whether one more fits. The count and the insert
// it allows run in one transaction under the workspace's row lock, so two requests at once cannot both take the last
// slot: the second waits for the first to commit, then counts its row too.
import { PLAN_LIMITS, type CountedLimit, type Plan, type PlanBreach } from '../domain/plans.js';
import { rows, type Sql } from './sql.js';

/** The counts behind each limit. `except` leaves out a pending invitation being replaced (same email) or accepted (its id). */
const COUNTS: Record<CountedLimit, string> = {
  channels: `SELECT count(*)::int AS n FROM channels WHERE workspace_id = $1 AND deleted_at IS NULL`,
  members: `SELECT ((SELECT count(*) FROM memberships WHERE workspace_id = $1)
                  + (SELECT count(*) FROM invitations WHERE workspace_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()
                       AND email IS DISTINCT FROM $2 AND id IS DISTINCT FROM $3::uuid))::int AS n`,
  // The calendar month in UTC, whatever the server's or the channels' zones: one boundary for everyone.
  postsPerMonth: `SELECT count(*)::int AS n FROM posts WHERE workspace_id = $1 AND created_at >= date_trunc('month', now(), 'UTC')`,
  sources: `SELECT count(*)::int AS n FROM sources WHERE workspace_id = $1 AND deleted_at IS NULL AND status = 'ACTIVE'`,
};

export interface CountExcept {
  invitationEmail?: string;
  invitationId?: string;
}

async function count(sql: Sql, workspaceId: string, limit: CountedLimit, except: CountExcept = {}): Promise<number> {
  const values = limit === 'members' ? [workspaceId, except.invitationEmail ?? null, except.invitationId ?? null] : [workspaceId];
  return (await rows<{ n: number }>(sql, COUNTS[limit], values))[0].n;
}

export async function findWorkspacePlan(sql: Sql, workspaceId: string): Promise<Plan | null> {
  return (await rows<{ plan: Plan }>(sql, `SELECT plan FROM workspaces WHERE id = $1`, [workspaceId]))[0]?.plan ?? null;
}

/**
 * Whether `adding` more of `limit` fit the workspace's plan: null when they do, else what was exceeded. Inside the
 * caller's transaction, before its insert. A limit the plan does not have costs one read and takes no lock, so an
 * UNLIMITED workspace's imports do not queue behind each other. FOR NO KEY UPDATE: it queues checks (and membership
 * changes, which lock FOR UPDATE) behind each other, but not the foreign-key checks of other inserts in the workspace.
 * Without `lock` (a pool, before a network call) it is only an early answer; the locked one inside the transaction decides.
 */
export async function exceedsPlan(
  sql: Sql,
  workspaceId: string,
  limit: CountedLimit,
  adding: number,
  options: { lock: boolean; except?: CountExcept },
): Promise<PlanBreach | null> {
  const seen = await findWorkspacePlan(sql, workspaceId);
  if (seen === null || PLAN_LIMITS[seen][limit] === null) return null;
  // Read again under the lock: the plan may have changed while this request waited for it.
  const plan = options.lock ? (await rows<{ plan: Plan }>(sql, `SELECT plan FROM workspaces WHERE id = $1 FOR NO KEY UPDATE`, [workspaceId]))[0]?.plan : seen;
  const max = plan ? PLAN_LIMITS[plan][limit] : null;
  if (!plan || max === null) return null;
  const current = await count(sql, workspaceId, limit, options.except);
  return current + adding > max ? { limit, plan, max, current, requested: adding } : null;
}

export interface WorkspaceUsage {
  plan: Plan;
  channels: number;
  members: number;
  postsThisMonth: number;
}

export async function workspaceUsage(sql: Sql, workspaceId: string): Promise<WorkspaceUsage | null> {
  const plan = await findWorkspacePlan(sql, workspaceId);
  if (!plan) return null;
  const [channels, members, postsThisMonth] = await Promise.all([
    count(sql, workspaceId, 'channels'),
    count(sql, workspaceId, 'members'),
    count(sql, workspaceId, 'postsPerMonth'),
  ]);
  return { plan, channels, members, postsThisMonth };
}

/** Live API keys (not revoked, not expired): what a plan without API access reports as its current count. */
export async function countLiveApiKeys(sql: Sql, workspaceId: string): Promise<number> {
  return (
    await rows<{ n: number }>(sql, `SELECT count(*)::int AS n FROM api_keys WHERE workspace_id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`, [
      workspaceId,
    ])
  )[0].n;
}

/**
 * Sets the plan, and answers the one it replaces (null: no such workspace). The one statement every plan change makes
 * (an administrator's, Stripe's). Nothing else changes: what is over the new limits stays.
 */
export async function updateWorkspacePlan(sql: Sql, workspaceId: string, plan: Plan): Promise<Plan | null> {
  const updated = await rows<{ previous: Plan }>(
    sql,
    `WITH old AS (SELECT id, plan FROM workspaces WHERE id = $1 FOR NO KEY UPDATE)
     UPDATE workspaces w SET plan = $2::"Plan" FROM old WHERE w.id = old.id RETURNING old.plan AS previous`,
    [workspaceId, plan],
  );
  return updated[0]?.previous ?? null;
}

/** What decides whether a person administers the instance: their email, and whether theirs is its first account. */
export async function findAdminFacts(sql: Sql, userId: string): Promise<{ email: string; first: boolean } | null> {
  const found = await rows<{ email: string; first: boolean }>(
    sql,
    `SELECT u.email, u.id = (SELECT id FROM users ORDER BY created_at, id LIMIT 1) AS first FROM users u WHERE u.id = $1`,
    [userId],
  );
  return found[0] ?? null;
}
