// Plans and their limits at the actions that would pass them (the table: src/domain/plans.ts). A refused action is
// PLAN_LIMIT and writes nothing. A plan changed to a smaller one takes nothing away: channels, members, keys and
// scheduled posts over the new limits stay and keep publishing; only new ones are refused until the workspace is under.
import { notFound } from '../domain/errors.js';
import type { Auth } from '../domain/auth.js';
import { PLAN_LIMITS, planLimitError, type CountedLimit, type Plan, type PlanLimits } from '../domain/plans.js';
import { countLiveApiKeys, exceedsPlan, findAdminFacts, findWorkspacePlan, updateWorkspacePlan, workspaceUsage, type CountExcept } from '../store/plans.js';
import { transaction, type Sql } from '../store/sql.js';
import { recordAudit } from '../store/audit.js';
import type { Actor } from '../domain/audit.js';
import type { ServiceDeps } from './deps.js';
import { uuidOrNil } from './validation.js';

/**
 * Throws PLAN_LIMIT when `adding` more would pass the plan. With a transaction's client and `lock: true` (the
 * default), call it just before the insert it guards: the count holds until that transaction ends.
 */
export async function refuseOverPlan(sql: Sql, workspaceId: string, limit: CountedLimit, adding: number, options: { lock?: boolean; except?: CountExcept } = {}): Promise<void> {
  const breach = await exceedsPlan(sql, workspaceId, limit, adding, { lock: options.lock ?? true, except: options.except });
  if (breach) throw planLimitError(breach);
}

/** createApiKey: a plan without API access mints no keys (those made before keep working). */
export async function refuseWithoutApiAccess(deps: ServiceDeps, workspaceId: string): Promise<void> {
  const plan = await findWorkspacePlan(deps.pool, workspaceId);
  if (!plan || PLAN_LIMITS[plan].apiAccess) return;
  throw planLimitError({ limit: 'apiAccess', plan, max: 0, current: await countLiveApiKeys(deps.pool, workspaceId), requested: 1 });
}

export interface Usage {
  used: number;
  /** null: no limit. */
  max: number | null;
}

export interface PlanUsage {
  plan: Plan;
  channels: Usage;
  members: Usage;
  postsThisMonth: Usage;
  apiAccess: boolean;
  approval: boolean;
  limits: PlanLimits;
}

export async function usageOf(deps: Pick<ServiceDeps, 'pool'>, workspaceId: string): Promise<PlanUsage> {
  const usage = await workspaceUsage(deps.pool, workspaceId);
  if (!usage) throw notFound('Workspace', workspaceId);
  const limits = PLAN_LIMITS[usage.plan];
  return {
    plan: usage.plan,
    channels: { used: usage.channels, max: limits.channels },
    members: { used: usage.members, max: limits.members },
    postsThisMonth: { used: usage.postsThisMonth, max: limits.postsPerMonth },
    apiAccess: limits.apiAccess,
    approval: limits.approval,
    limits,
  };
}

/**
 * An instance administrator: the instance's first account (whoever set it up), or an email in POSTFLOW_ADMIN_EMAILS.
 * Read when an instance operation asks (src/schema/authorization.ts), not at every authentication.
 */
export async function isInstanceAdmin(deps: Pick<ServiceDeps, 'pool' | 'config'>, userId: string): Promise<boolean> {
  const facts = await findAdminFacts(deps.pool, userId);
  return !!facts && (facts.first || deps.config.plans.adminEmails.includes(facts.email.toLowerCase()));
}

/**
 * The one way a plan changes (setWorkspacePlan, Stripe's webhooks): the statement, and a plan.changed event in the
 * caller's transaction when the plan is another. Null: no such workspace.
 */
export async function changeWorkspacePlan(sql: Sql, actor: Actor, workspaceId: string, plan: Plan, details: Record<string, unknown>): Promise<{ previous: Plan } | null> {
  const previous = await updateWorkspacePlan(sql, workspaceId, plan);
  if (previous === null) return null;
  if (previous !== plan)
    await recordAudit(sql, { actor, action: 'plan.changed', target: { type: 'workspace', id: workspaceId }, details: { from: previous, to: plan, ...details } });
  return { previous };
}

/** Sets any workspace's plan (the role table lets only instance administrators call it). Nothing is deleted. */
export async function setWorkspacePlan(deps: ServiceDeps, auth: Auth, workspaceId: string, plan: Plan): Promise<{ id: string }> {
  const id = uuidOrNil(workspaceId);
  // Recorded in the workspace whose plan it is, attributed to the administrator (who acts from their own workspace).
  const changed = await transaction(deps.pool, (client) => changeWorkspacePlan(client, { ...auth, workspaceId: id }, id, plan, { source: 'admin' }));
  if (!changed) throw notFound('Workspace', workspaceId);
  deps.logger.info('workspace plan set', { workspaceId, plan, by: auth.userId });
  return { id: workspaceId };
}
