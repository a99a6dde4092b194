// How a read of a shop's Shopify charges becomes the workspace's plan (src/services/shopifyBilling.ts reads them): the
// account's row written, and the plan set through changeWorkspacePlan with its audit event, in the caller's
// transaction. Apart from the reading so that an install retiring a shop's source (src/services/sources.ts) can end
// the old workspace's plan in its own transaction without importing the billing service (which imports sources.ts).
import { systemActor } from '../domain/audit.js';
import type { Plan } from '../domain/plans.js';
import { lockShopifyBillingAccountBySource, updateShopifySubscription, type ShopifyBillingAccount } from '../store/billing.js';
import { findWorkspacePlan } from '../store/plans.js';
import type { Sql } from '../store/sql.js';
import { changeWorkspacePlan } from './plans.js';
import type { ShopifySubscription } from './shopifyBillingGateway.js';

export interface ShopifyBillingSync {
  workspaceId: string;
  plan: Plan;
  status: string | null;
}

export type SyncCause = { via: 'webhook' | 'return' | 'uninstall'; eventId?: string };

export type PaidPlan = 'PRO' | 'AGENCY';
const PAID: readonly PaidPlan[] = ['PRO', 'AGENCY'];

/** The charge's name says its plan: what the merchant sees in their admin and invoices, and what PostFlow reads back. */
export const subscriptionName = (plan: PaidPlan) => `PostFlow ${plan}`;
export const planOfName = (name: string): PaidPlan | null => PAID.find((plan) => subscriptionName(plan) === name) ?? null;

/** These end the plan (back to FREE): FROZEN is a shop whose own Shopify bill is unpaid. */
export const ENDED = new Set(['CANCELLED', 'DECLINED', 'EXPIRED', 'FROZEN']);
/** An app uninstalled has its charges cancelled by Shopify, and PostFlow no longer holds a token to ask with. */
export const UNINSTALLED: Observed = { subscription: null, status: 'CANCELLED', plan: 'FREE' };

export async function applyObserved(client: Sql, account: ShopifyBillingAccount, observed: Observed, cause: SyncCause): Promise<ShopifyBillingSync> {
  const status = observed.status;
  await updateShopifySubscription(client, account.workspaceId, {
    subscriptionId: observed.subscription?.id ?? account.subscriptionId,
    status,
    plan: observed.subscription ? (planOfName(observed.subscription.name) ?? account.plan) : account.plan,
    test: observed.subscription?.test ?? account.test,
    currentPeriodEnd: observed.subscription?.currentPeriodEnd ?? (ENDED.has(status) ? null : account.currentPeriodEnd),
  });
  // Only a charge that was granting the plan takes it away: one declined at its first approval, or ended already,
  // says nothing of the plan now (an administrator's, or Stripe's since).
  const nothingToEnd = observed.plan === 'FREE' && account.status !== 'ACTIVE';
  if (observed.plan && !nothingToEnd) {
    const details = {
      source: 'shopify',
      via: cause.via,
      ...(cause.eventId && { eventId: cause.eventId }),
      subscriptionId: observed.subscription?.id ?? account.subscriptionId,
      status,
    };
    await changeWorkspacePlan(client, systemActor(account.workspaceId), account.workspaceId, observed.plan, details);
  }
  return { workspaceId: account.workspaceId, status, plan: (await findWorkspacePlan(client, account.workspaceId)) ?? 'FREE' };
}

/**
 * The shop of a retired source (installed into another workspace since) pays for its old workspace no more: Shopify
 * cancelled the charges at the uninstall. In the retiring install's transaction: the account CANCELLED, and a plan
 * its charge was granting back to FREE.
 */
export async function endShopifyBillingOfRetiredSource(client: Sql, sourceId: string): Promise<void> {
  const account = await lockShopifyBillingAccountBySource(client, sourceId);
  if (!account || (account.status && ENDED.has(account.status))) return;
  await applyObserved(client, account, UNINSTALLED, { via: 'uninstall' });
}

export interface Observed {
  subscription: ShopifySubscription | null;
  status: string;
  /** The plan it means; null: leave the plan as it is. */
  plan: Plan | null;
}
