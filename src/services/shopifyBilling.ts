// Plans charged through Shopify's Billing API (issue 13: "a shop that installed through Shopify pays through
// Shopify's Billing API (appSubscriptionCreate), not Stripe, when the instance charges for plans"), built like the
// Stripe path (src/services/billing.ts). An OWNER names the shop that pays and the plan; Shopify answers a
// confirmation page for the merchant. Shopify's app_subscriptions/update webhook and the return page then make PostFlow
// read the shop's subscriptions again (never the webhook's snapshot: updates come in no particular order, and a plan
// change also sends one for the charge it replaces), under the account's row lock, and the plan is set through
// changeWorkspacePlan, the statement and audit event Stripe's webhooks use. A workspace pays through one provider at
// a time: each checkout refuses while the other provider's subscription runs, or its checkout may still complete.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Auth } from '../domain/auth.js';
import { AppError, ValidationError, conflict, notFound } from '../domain/errors.js';
import type { ConnectedSource } from '../sources/types.js';
import type { ShopifyBillingGateway, ShopifySubscription } from './shopifyBillingGateway.js';
import type { ShopifyBillingConfig } from '../configServices.js';
import {
  findBillingAccount,
  findShopifyBillingAccount,
  findShopifyBillingAccountBySource,
  lockShopifyBillingAccountBySource,
  upsertShopifyCheckout,
  type ShopifyBillingAccount,
} from '../store/billing.js';
import { findSource, type SourceRow } from '../store/sources.js';
import { enqueueShopifyBillingSync } from '../store/jobs.js';
import { transaction } from '../store/sql.js';
import type { ServiceDeps } from './deps.js';
import { findSourceOf } from './sources.js';
import { isUuid } from './validation.js';
import { ENDED, UNINSTALLED, applyObserved, planOfName, subscriptionName, type Observed, type PaidPlan, type ShopifyBillingSync, type SyncCause } from './shopifyBillingApply.js';

export { endShopifyBillingOfRetiredSource, subscriptionName, type ShopifyBillingSync } from './shopifyBillingApply.js';

/** Where Shopify sends the merchant after the approval page (plugins/shopify/src/billingRoute.ts answers it). */
export const SHOPIFY_BILLING_RETURN_PATH = '/shopify/billing/return';

/** A subscription in these blocks a Stripe checkout: it bills (or will again) beside it. */
const SHOPIFY_LIVE = new Set(['ACTIVE', 'FROZEN']);
/** Stripe's statuses of a subscription gone for good (as src/services/billing.ts's FINISHED). */
const STRIPE_FINISHED = new Set(['canceled', 'incomplete_expired']);
/**
 * How long a checkout not yet completed may still be: a Stripe Checkout session can be paid for 24 hours (Stripe's
 * default expiry), and a PENDING Shopify charge unapproved for as long is taken as abandoned (PostFlow's choice:
 * Shopify sets no expiry on the confirmation page, so a merchant approving later could pay both; the next sync then
 * sets the plan, and the owner cancels one).
 */
export const CHECKOUT_OPEN_MS = 86_400_000;

const openCheckout = (startedAt: Date | null, now: Date) => !!startedAt && now.getTime() - startedAt.getTime() < CHECKOUT_OPEN_MS;

/** Whether the workspace's Shopify charge bills, or may soon (a PENDING one not yet abandoned): a Stripe checkout waits. */
export function shopifyBillingBlocksStripe(state: Pick<ShopifyBillingState, 'status' | 'checkoutStartedAt'> | null, now = new Date()): boolean {
  if (!state?.status) return false;
  return SHOPIFY_LIVE.has(state.status) || (state.status === 'PENDING' && openCheckout(state.checkoutStartedAt, now));
}

function shopifyBillingOf(deps: ServiceDeps): { gateway: ShopifyBillingGateway; billing: ShopifyBillingConfig } {
  const billing = deps.config.shopify?.billing;
  if (!deps.shopifyBilling || !billing) {
    throw new AppError(
      'BILLING_DISABLED',
      'This server does not charge for plans through Shopify (SHOPIFY_BILLING is off): plans are given by an instance administrator (setWorkspacePlan)',
    );
  }
  return { gateway: deps.shopifyBilling, billing };
}

const returnSignature = (deps: Pick<ServiceDeps, 'secrets'>, sourceId: string) =>
  createHmac('sha256', deps.secrets.sessionSigningKey).update(`shopify-billing-return:${sourceId}`).digest('base64url');

function connected(deps: Pick<ServiceDeps, 'secrets'>, source: Pick<SourceRow, 'id' | 'externalId' | 'credentialsSealed'>): ConnectedSource {
  return { id: source.id, externalId: source.externalId, credentials: JSON.parse(deps.secrets.open(source.credentialsSealed!)) as Record<string, unknown> };
}

/**
 * startShopifyCheckout: the confirmation page of a charge for `plan`, billed to the shop of `sourceId` (a workspace may
 * have several shops: the owner says which one pays). While a charge of that shop is ACTIVE, the new one replaces it
 * once approved (Shopify's plan change). CONFLICT while a Stripe subscription runs, or another shop's charge does.
 */
export async function startShopifyCheckout(deps: ServiceDeps, auth: Auth, sourceId: string, plan: PaidPlan): Promise<{ url: string }> {
  // An id that cannot be a source's is NOT_FOUND whatever the server's settings, as on every operation that takes one.
  if (!isUuid(sourceId)) throw notFound('Source', sourceId);
  const { gateway, billing } = shopifyBillingOf(deps);
  const source = await findSourceOf(deps, auth.workspaceId, sourceId);
  if (source.kind !== 'SHOPIFY') throw ValidationError.single(['sourceId'], 'shopifySource', 'must be a Shopify source: plans are charged to a shop');
  if (source.status !== 'ACTIVE' || !source.credentialsSealed) {
    throw conflict(`${source.externalId} is ${source.status.toLowerCase()}: install the app in the shop again before charging it`, { sourceId: source.id });
  }
  const stripe = await findBillingAccount(deps.pool, auth.workspaceId);
  if (stripe?.status && !STRIPE_FINISHED.has(stripe.status)) {
    throw conflict(`This workspace pays through Stripe (${stripe.status}): cancel that subscription in billingPortal before paying through Shopify`, { provider: 'STRIPE' });
  }
  if (stripe && openCheckout(stripe.checkoutStartedAt, new Date())) {
    throw conflict('A Stripe checkout of this workspace (startCheckout) may still be paid for, for up to 24 hours after it started: pay through one provider only', {
      provider: 'STRIPE',
    });
  }
  const current = await findShopifyBillingAccount(deps.pool, auth.workspaceId);
  if (current?.sourceId && current.sourceId !== source.id && current.status && SHOPIFY_LIVE.has(current.status)) {
    throw conflict('Another shop of this workspace pays for its plan: cancel that charge in that shop first', { provider: 'SHOPIFY', sourceId: current.sourceId });
  }
  const returnUrl = new URL(`${deps.config.publicUrl}${SHOPIFY_BILLING_RETURN_PATH}`);
  returnUrl.searchParams.set('source', source.id);
  returnUrl.searchParams.set('signature', returnSignature(deps, source.id));
  const created = await gateway.createSubscription(connected(deps, source), {
    name: subscriptionName(plan),
    amount: billing.prices[plan],
    currencyCode: 'USD',
    returnUrl: returnUrl.href,
    test: billing.test,
  });
  await upsertShopifyCheckout(deps.pool, { workspaceId: auth.workspaceId, sourceId: source.id, subscriptionId: created.subscriptionId, plan, test: billing.test });
  deps.logger.info('Shopify checkout started', { workspaceId: auth.workspaceId, plan, sourceId: source.id, subscriptionId: created.subscriptionId });
  return { url: created.confirmationUrl };
}

/** Tries of a sync whose account another write changed while it was asking Shopify. */
const SYNC_TRIES = 3;

/**
 * Reads the shop's subscriptions again and applies them: ACTIVE grants its plan, CANCELLED / DECLINED / EXPIRED /
 * FROZEN go back to FREE, PENDING changes nothing; a shop that no longer has the app (uninstalled, retired) ends the
 * plan without asking (Shopify cancels an uninstalled app's charges). null when the shop pays for no workspace (or
 * billing is off). Shopify is asked holding no connection and no lock (its cost bucket may be waited out, 5xx
 * retried); the row is then locked and, if another sync or a checkout wrote it meanwhile, read again. If reading
 * Shopify fails it throws and nothing is kept: the job (or the merchant's reload) tries again.
 */
export async function syncShopifySubscription(deps: ServiceDeps, sourceId: string, cause: SyncCause): Promise<ShopifyBillingSync | null> {
  const gateway = deps.shopifyBilling;
  const billing = deps.config.shopify?.billing;
  if (!gateway || !billing) return null;
  for (let attempt = 1; ; attempt++) {
    const seen = await findShopifyBillingAccountBySource(deps.pool, sourceId);
    if (!seen) return null;
    const source = await findSource(deps.pool, sourceId);
    const read = installed(source) ? await gateway.readSubscriptions(connected(deps, source), seen.subscriptionId) : null;
    const result = await transaction(deps.pool, async (client) => {
      const account = await lockShopifyBillingAccountBySource(client, sourceId);
      if (!account) return { applied: null };
      if (!installed(await findSource(client, sourceId))) return { applied: await applyObserved(client, account, UNINSTALLED, cause) };
      if (!read || account.revision !== seen.revision) return 'again' as const;
      return { applied: await applyObserved(client, account, observe(read, account, billing.test), cause) };
    });
    if (result !== 'again') {
      const applied = result.applied;
      if (applied) deps.logger.info('Shopify subscription read again', { sourceId, workspaceId: applied.workspaceId, status: applied.status, via: cause.via });
      return applied;
    }
    if (attempt === SYNC_TRIES) throw new AppError('CONFLICT', `the Shopify billing of source ${sourceId} kept changing while it was read: try again`);
  }
}

const installed = (source: SourceRow | null): source is SourceRow => source?.status === 'ACTIVE' && !!source.credentialsSealed;

/** Queues a sync (the shopify_billing_sync job): what a webhook does, answering Shopify at once. */
export async function queueShopifyBillingSync(deps: Pick<ServiceDeps, 'pool'>, sourceId: string, cause: { via: 'webhook' | 'uninstall'; eventId: string }): Promise<void> {
  // Most shops pay for nothing here (billing is per workspace): no job for those.
  if (!(await findShopifyBillingAccountBySource(deps.pool, sourceId))) return;
  await enqueueShopifyBillingSync(deps.pool, { sourceId, eventId: cause.eventId, via: cause.via });
}

/** `test`: the mode's (SHOPIFY_BILLING=test): a charge of the other kind is none of this server's (no free plan from a test charge). */
function observe(read: { active: ShopifySubscription[]; known: ShopifySubscription | null }, account: ShopifyBillingAccount, test: boolean): Observed {
  const active = read.active.find((s) => s.status === 'ACTIVE' && s.test === test && planOfName(s.name));
  if (active) return { subscription: active, status: 'ACTIVE', plan: planOfName(active.name) };
  // Shopify no longer knowing the charge PostFlow made (or knowing it as the other mode's) is a charge that is over.
  const known =
    (read.known?.test === test ? read.known : null) ??
    (account.subscriptionId ? { id: account.subscriptionId, name: '', status: 'EXPIRED', test: account.test, currentPeriodEnd: null } : null);
  if (!known) return { subscription: null, status: account.status ?? 'PENDING', plan: null };
  return { subscription: known, status: known.status, plan: ENDED.has(known.status) ? 'FREE' : null };
}

/** The return page's: the link Shopify sends the merchant back by is PostFlow's own (signed), then the subscriptions are read again. */
export async function shopifyBillingReturn(deps: ServiceDeps, sourceId: string, signature: string): Promise<ShopifyBillingSync | null> {
  const expected = Buffer.from(returnSignature(deps, sourceId));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  return syncShopifySubscription(deps, sourceId, { via: 'return' });
}

export interface ShopifyBillingState {
  sourceId: string | null;
  subscriptionId: string | null;
  status: string | null;
  plan: string;
  currentPeriodEnd: Date | null;
  checkoutStartedAt: Date | null;
}

/** The workspace's Shopify charge as last read, for `billing`. */
export async function shopifyBillingState(deps: Pick<ServiceDeps, 'pool'>, workspaceId: string): Promise<ShopifyBillingState | null> {
  const account = await findShopifyBillingAccount(deps.pool, workspaceId);
  return (
    account && {
      sourceId: account.sourceId,
      subscriptionId: account.subscriptionId,
      status: account.status,
      plan: account.plan,
      currentPeriodEnd: account.currentPeriodEnd,
      checkoutStartedAt: account.checkoutStartedAt,
    }
  );
}

/** What the Shopify app's routes get (the webhook and the return page), bound to the deps (src/app.ts). */
export function shopifyBillingServices(deps: ServiceDeps) {
  return {
    queueSync: (sourceId: string, cause: { via: 'webhook' | 'uninstall'; eventId: string }) => queueShopifyBillingSync(deps, sourceId, cause),
    returned: (sourceId: string, signature: string) => shopifyBillingReturn(deps, sourceId, signature),
  };
}
