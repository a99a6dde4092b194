// Paid plans through Stripe (issue 12, section 4). An OWNER gets a Checkout link for PRO or AGENCY, and a Billing
// Portal link to change or cancel; Stripe's signed webhooks then set the workspace's plan, through the same statement
// and audit event as an administrator's setWorkspacePlan. A smaller plan deletes nothing (src/services/plans.ts).
//
// Webhooks are applied from Stripe's present state, not from the event's snapshot: every subscription event (and a
// completed checkout, a failed payment) makes the service read the subscription again from the API, under the
// workspace's billing row lock. Stripe sends events in no particular order, retries them for days, and stamps them
// to the second (a checkout's created and updated events often share one), so comparing `created` could not order
// them; the subscription read after the previous event committed is always the newest, whatever arrived when.
import { systemActor } from '../domain/audit.js';
import type { Auth } from '../domain/auth.js';
import { AppError, conflict, notFound } from '../domain/errors.js';
import type { Plan } from '../domain/plans.js';
import type { BillingConfig } from '../config.js';
import type { StripeBillingEvent, StripeClient, StripeSubscription } from '../integrations/stripe.js';
import { recordAudit } from '../store/audit.js';
import {
  findBillingAccount,
  findCustomerFacts,
  insertBillingAccount,
  insertStripeEvent,
  lockBillingAccount,
  lockBillingAccountByCustomer,
  updateBillingSubscription,
  updateLastPaymentFailure,
  updateStripeCheckoutStarted,
  type BillingAccount,
} from '../store/billing.js';
import { findWorkspacePlan } from '../store/plans.js';
import { transaction, type Sql } from '../store/sql.js';
import type { ServiceDeps } from './deps.js';
import { changeWorkspacePlan } from './plans.js';
import { shopifyBillingBlocksStripe, shopifyBillingState } from './shopifyBilling.js';
import { uuidOrNil } from './validation.js';

export const PAID_PLANS = ['PRO', 'AGENCY'] as const;
export type PaidPlan = (typeof PAID_PLANS)[number];

/** Paid for (or in a trial): the price's plan applies. */
const PAID = new Set(['active', 'trialing']);
/** Over, never paid, or paused for want of a payment method: back to FREE. */
const ENDED = new Set(['canceled', 'unpaid', 'incomplete_expired', 'paused']);
// Any other status changes no plan: past_due (Stripe is retrying the payment; shown in `billing`) keeps the plan,
// incomplete (the first payment is being confirmed) does not grant one yet.
/** A subscription in these is gone for good: a new checkout may start. */
const FINISHED = new Set(['canceled', 'incomplete_expired']);

const billingDisabled = () =>
  new AppError('BILLING_DISABLED', 'Billing is not set up on this server (STRIPE_SECRET_KEY is not set): plans are given by an instance administrator (setWorkspacePlan)');

function billingOf(deps: ServiceDeps): { stripe: StripeClient; billing: BillingConfig } {
  if (!deps.stripe || !deps.config.billing) throw billingDisabled();
  return { stripe: deps.stripe, billing: deps.config.billing };
}

/** Where Stripe sends the person back to (src/server/stripeRoutes.ts answers it). */
const returnUrl = (deps: ServiceDeps, query: string) => `${deps.config.publicUrl}/billing/return?${query}`;

/**
 * A Checkout link for a paid plan, for the workspace's Stripe customer (created at the first checkout and kept).
 * CONFLICT while the workspace has a subscription that has not ended: a second one would be billed beside it, so
 * changing plans is the portal's.
 */
export async function startCheckout(deps: ServiceDeps, auth: Auth, plan: PaidPlan): Promise<{ url: string }> {
  const { stripe, billing } = billingOf(deps);
  const account = await findBillingAccount(deps.pool, auth.workspaceId);
  if (account?.status && !FINISHED.has(account.status)) {
    throw conflict(`This workspace already has a subscription (${account.status}): change its plan or cancel it in the billing portal (billingPortal)`, {
      status: account.status,
    });
  }
  // One provider at a time: a shop's Shopify charge (or one waiting for the merchant's approval) bills beside it otherwise.
  const shopify = await shopifyBillingState(deps, auth.workspaceId);
  if (shopify && shopifyBillingBlocksStripe(shopify)) {
    throw conflict(`This workspace pays through Shopify (${shopify.status}): cancel the app's charge in the shop before paying through Stripe`, { provider: 'SHOPIFY' });
  }
  const customerId = account?.customerId ?? (await createCustomer(deps, stripe, auth));
  const url = await stripe.createCheckoutSession({
    customerId,
    priceId: billing.prices[plan],
    workspaceId: auth.workspaceId,
    successUrl: returnUrl(deps, 'checkout=success&session_id={CHECKOUT_SESSION_ID}'),
    cancelUrl: returnUrl(deps, 'checkout=cancelled'),
  });
  // What a Shopify checkout then waits on (startShopifyCheckout): this one may be paid for during 24 hours.
  await updateStripeCheckoutStarted(deps.pool, auth.workspaceId);
  deps.logger.info('checkout started', { workspaceId: auth.workspaceId, plan, customerId });
  return { url };
}

async function createCustomer(deps: ServiceDeps, stripe: StripeClient, auth: Auth): Promise<string> {
  const facts = await findCustomerFacts(deps.pool, auth.workspaceId, auth.userId);
  if (!facts) throw notFound('Workspace', auth.workspaceId);
  const customerId = await stripe.createCustomer({ workspaceId: auth.workspaceId, name: facts.name, email: facts.email });
  if (await insertBillingAccount(deps.pool, auth.workspaceId, customerId)) return customerId;
  // A simultaneous first checkout stored its customer first (the same one, thanks to the idempotency key).
  return (await findBillingAccount(deps.pool, auth.workspaceId))?.customerId ?? customerId;
}

/** A Billing Portal link, where the owner changes the plan, the card, or cancels. */
export async function billingPortal(deps: ServiceDeps, auth: Auth): Promise<{ url: string }> {
  const { stripe } = billingOf(deps);
  const account = await findBillingAccount(deps.pool, auth.workspaceId);
  if (!account) throw new AppError('NOT_FOUND', 'This workspace has no Stripe customer yet: subscribe first (startCheckout)', { what: 'StripeCustomer' });
  return { url: await stripe.createPortalSession({ customerId: account.customerId, returnUrl: returnUrl(deps, 'portal=done') }) };
}

export interface BillingStatus {
  enabled: boolean;
  /** Who the workspace pays (or last paid) through; null before any checkout. */
  provider: 'STRIPE' | 'SHOPIFY' | null;
  plan: Plan;
  customerId: string | null;
  subscriptionId: string | null;
  status: string | null;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
  lastPaymentFailedAt: Date | null;
}

export async function billingStatus(deps: ServiceDeps, auth: Auth): Promise<BillingStatus> {
  const [plan, account, shopify] = await Promise.all([
    findWorkspacePlan(deps.pool, auth.workspaceId),
    findBillingAccount(deps.pool, auth.workspaceId),
    shopifyBillingState(deps, auth.workspaceId),
  ]);
  if (!plan) throw notFound('Workspace', auth.workspaceId);
  // Shopify's charge while it has not ended (or when Stripe never had a subscription), else Stripe's.
  const viaShopify = !!shopify && ((!!shopify.status && !['CANCELLED', 'DECLINED', 'EXPIRED'].includes(shopify.status)) || !account?.subscriptionId);
  if (viaShopify) {
    return {
      enabled: billingEnabled(deps),
      provider: 'SHOPIFY',
      plan,
      customerId: account?.customerId ?? null,
      subscriptionId: shopify.subscriptionId,
      status: shopify.status,
      currentPeriodEnd: shopify.currentPeriodEnd,
      cancelAtPeriodEnd: false,
      lastPaymentFailedAt: null,
    };
  }
  return {
    enabled: billingEnabled(deps),
    provider: account?.subscriptionId ? 'STRIPE' : null,
    plan,
    customerId: account?.customerId ?? null,
    subscriptionId: account?.subscriptionId ?? null,
    status: account?.status ?? null,
    currentPeriodEnd: account?.currentPeriodEnd ?? null,
    cancelAtPeriodEnd: account?.cancelAtPeriodEnd ?? false,
    lastPaymentFailedAt: account?.lastPaymentFailedAt ?? null,
  };
}

/** Whether this server sells plans: through Stripe, or through Shopify to workspaces with a shop. */
const billingEnabled = (deps: ServiceDeps) => (!!deps.stripe && !!deps.config.billing) || (!!deps.shopifyBilling && !!deps.config.shopify?.billing);

/** refused: the signature does not verify (nothing changed). duplicate: handled before. ignored: not about a workspace of ours. */
export type WebhookOutcome = 'refused' | 'duplicate' | 'applied' | 'ignored';

/**
 * POST /stripe/webhooks: verifies the event with STRIPE_WEBHOOK_SECRET, then applies it in one transaction with the
 * row that marks it handled. If reading Stripe fails, it throws and nothing is kept: Stripe delivers the event again.
 */
export async function receiveStripeWebhook(deps: ServiceDeps, payload: Buffer, signature: string | undefined): Promise<WebhookOutcome> {
  const event = deps.stripe?.verifyWebhook(payload, signature);
  if (!deps.stripe || !event) return 'refused';
  const stripe = deps.stripe;
  const outcome = await transaction(deps.pool, async (client): Promise<WebhookOutcome> => {
    if (!(await insertStripeEvent(client, event))) return 'duplicate';
    return (await applyEvent(deps, stripe, client, event)) ? 'applied' : 'ignored';
  });
  deps.logger.info('stripe event', { eventId: event.id, type: event.type, outcome });
  return outcome;
}

async function applyEvent(deps: ServiceDeps, stripe: StripeClient, client: Sql, event: StripeBillingEvent): Promise<boolean> {
  switch (event.kind) {
    case 'checkout_completed': {
      // client_reference_id names the workspace; its customer must be the one this workspace's checkout was for.
      const account = event.workspaceId ? await lockBillingAccount(client, uuidOrNil(event.workspaceId)) : null;
      if (!account || account.customerId !== event.customerId || !event.subscriptionId) return false;
      return syncSubscription(deps, stripe, client, account, event, event.subscriptionId, null);
    }
    case 'subscription': {
      const account = await lockBillingAccountByCustomer(client, event.subscription.customerId);
      if (!account) return false;
      return syncSubscription(deps, stripe, client, account, event, event.subscription.id, event.subscription);
    }
    case 'payment_failed': {
      const account = event.customerId ? await lockBillingAccountByCustomer(client, event.customerId) : null;
      if (!account) return false;
      const workspaceId = account.workspaceId;
      await updateLastPaymentFailure(client, workspaceId, event.created);
      await recordAudit(client, {
        actor: systemActor(workspaceId),
        action: 'billing.payment_failed',
        target: { type: 'workspace', id: workspaceId },
        details: { source: 'stripe', eventId: event.id, invoiceId: event.invoiceId },
      });
      if (event.subscriptionId) await syncSubscription(deps, stripe, client, account, event, event.subscriptionId, null);
      return true;
    }
    default:
      return false;
  }
}

/**
 * Reads the subscription from Stripe and applies it: its status and period shown in `billing`, and its plan.
 * `fallback` (the event's own snapshot) stands in only when Stripe no longer knows the subscription at all.
 */
async function syncSubscription(
  deps: ServiceDeps,
  stripe: StripeClient,
  client: Sql,
  account: BillingAccount,
  event: StripeBillingEvent,
  subscriptionId: string,
  fallback: StripeSubscription | null,
): Promise<boolean> {
  const subscription = (await stripe.retrieveSubscription(subscriptionId)) ?? fallback;
  if (!subscription || subscription.customerId !== account.customerId) return false;
  // An older subscription of the workspace ending says nothing about the one it has now.
  if (account.subscriptionId && account.subscriptionId !== subscription.id && ENDED.has(subscription.status)) return false;
  const workspaceId = account.workspaceId;
  await updateBillingSubscription(client, workspaceId, { ...subscription, subscriptionId: subscription.id });
  const plan = planOf(deps, subscription);
  if (plan) {
    const details = { source: 'stripe', eventId: event.id, eventType: event.type, subscriptionId: subscription.id, status: subscription.status };
    await changeWorkspacePlan(client, systemActor(workspaceId), workspaceId, plan, details);
  }
  return true;
}

function planOf(deps: ServiceDeps, subscription: StripeSubscription): Plan | null {
  if (ENDED.has(subscription.status)) return 'FREE';
  if (!PAID.has(subscription.status)) return null;
  const prices = deps.config.billing?.prices;
  const plan = PAID_PLANS.find((p) => prices?.[p] === subscription.priceId) ?? null;
  // A price changed in the dashboard must not take a paying workspace's plan away: it is left as it is, and said.
  if (!plan)
    deps.logger.warn('a Stripe subscription has a price that is neither STRIPE_PRICE_PRO nor STRIPE_PRICE_AGENCY: plan left as it is', {
      subscriptionId: subscription.id,
      priceId: subscription.priceId,
    });
  return plan;
}
