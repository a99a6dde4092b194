// A workspace's Stripe customer and subscription (billing_accounts), and the Stripe events already handled
// (stripe_events). The plan itself is changed by src/store/plans.ts#updateWorkspacePlan, like an administrator's.
import { rows, type Sql } from './sql.js';

export interface BillingAccount {
  workspaceId: string;
  customerId: string;
  subscriptionId: string | null;
  status: string | null;
  priceId: string | null;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
  lastPaymentFailedAt: Date | null;
  /** The last startCheckout's time: a checkout not yet completed may still be paid for (Stripe allows 24 hours). */
  checkoutStartedAt: Date | null;
}

const COLUMNS = `workspace_id AS "workspaceId", stripe_customer_id AS "customerId", subscription_id AS "subscriptionId",
  subscription_status AS "status", price_id AS "priceId", current_period_end AS "currentPeriodEnd",
  cancel_at_period_end AS "cancelAtPeriodEnd", last_payment_failed_at AS "lastPaymentFailedAt",
  checkout_started_at AS "checkoutStartedAt"`;

export async function findBillingAccount(sql: Sql, workspaceId: string): Promise<BillingAccount | null> {
  return (await rows<BillingAccount>(sql, `SELECT ${COLUMNS} FROM billing_accounts WHERE workspace_id = $1`, [workspaceId]))[0] ?? null;
}

/**
 * The workspace's account, locked until the caller's transaction ends: events about one workspace are applied one at
 * a time, each reading Stripe after the one before it has committed.
 */
export async function lockBillingAccount(sql: Sql, workspaceId: string): Promise<BillingAccount | null> {
  return (await rows<BillingAccount>(sql, `SELECT ${COLUMNS} FROM billing_accounts WHERE workspace_id = $1 FOR UPDATE`, [workspaceId]))[0] ?? null;
}

/** The same, found by the Stripe customer a webhook names. */
export async function lockBillingAccountByCustomer(sql: Sql, customerId: string): Promise<BillingAccount | null> {
  return (await rows<BillingAccount>(sql, `SELECT ${COLUMNS} FROM billing_accounts WHERE stripe_customer_id = $1 FOR UPDATE`, [customerId]))[0] ?? null;
}

/** What a new Stripe customer is named after: the workspace, and the email of the owner who starts the checkout. */
export async function findCustomerFacts(sql: Sql, workspaceId: string, userId: string): Promise<{ name: string; email: string } | null> {
  const found = await rows<{ name: string; email: string }>(sql, `SELECT w.name, u.email FROM workspaces w, users u WHERE w.id = $1 AND u.id = $2`, [workspaceId, userId]);
  return found[0] ?? null;
}

/** Keeps the workspace's customer; a workspace that already has one keeps the first (false then). */
export async function insertBillingAccount(sql: Sql, workspaceId: string, customerId: string): Promise<boolean> {
  const inserted = await sql.query(`INSERT INTO billing_accounts (workspace_id, stripe_customer_id) VALUES ($1, $2) ON CONFLICT (workspace_id) DO NOTHING`, [
    workspaceId,
    customerId,
  ]);
  return (inserted.rowCount ?? 0) > 0;
}

/** A Stripe checkout was just started for the workspace. */
export async function updateStripeCheckoutStarted(sql: Sql, workspaceId: string): Promise<void> {
  await sql.query(`UPDATE billing_accounts SET checkout_started_at = now(), updated_at = now() WHERE workspace_id = $1`, [workspaceId]);
}

export interface SubscriptionRow {
  subscriptionId: string;
  status: string;
  priceId: string | null;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
}

/** The subscription as last read from Stripe. */
export async function updateBillingSubscription(sql: Sql, workspaceId: string, subscription: SubscriptionRow): Promise<void> {
  await sql.query(
    `UPDATE billing_accounts SET subscription_id = $2, subscription_status = $3, price_id = $4, current_period_end = $5, cancel_at_period_end = $6, updated_at = now()
     WHERE workspace_id = $1`,
    [workspaceId, subscription.subscriptionId, subscription.status, subscription.priceId, subscription.currentPeriodEnd, subscription.cancelAtPeriodEnd],
  );
}

/** A failed payment Stripe reported at `at` (its event's time): the latest one is kept, whatever order they came in. */
export async function updateLastPaymentFailure(sql: Sql, workspaceId: string, at: Date): Promise<void> {
  await sql.query(`UPDATE billing_accounts SET last_payment_failed_at = greatest(last_payment_failed_at, $2::timestamptz), updated_at = now() WHERE workspace_id = $1`, [
    workspaceId,
    at,
  ]);
}

/**
 * Marks a Stripe event handled, in the transaction that applies it: false when it already was. A second delivery
 * racing the first waits here for the first to commit (then finds its row) or roll back (then applies it itself).
 */
export async function insertStripeEvent(sql: Sql, event: { id: string; type: string; created: Date }): Promise<boolean> {
  const inserted = await sql.query(`INSERT INTO stripe_events (id, type, created_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`, [event.id, event.type, event.created]);
  return (inserted.rowCount ?? 0) > 0;
}

// ---- Shopify's Billing API (shopify_billing_accounts) ----

export interface ShopifyBillingAccount {
  workspaceId: string;
  /** The shop that pays (null once shop/redact erased it). */
  sourceId: string | null;
  subscriptionId: string | null;
  status: string | null;
  plan: string;
  test: boolean;
  currentPeriodEnd: Date | null;
  /** When the last startShopifyCheckout made its charge. */
  checkoutStartedAt: Date | null;
  /** One more with every write: a sync that read Shopify before another one wrote reads again. */
  revision: number;
}

const SHOPIFY_COLUMNS = `workspace_id AS "workspaceId", source_id AS "sourceId", subscription_id AS "subscriptionId",
  subscription_status AS "status", plan, test, current_period_end AS "currentPeriodEnd", checkout_started_at AS "checkoutStartedAt",
  revision`;

export async function findShopifyBillingAccount(sql: Sql, workspaceId: string): Promise<ShopifyBillingAccount | null> {
  return (await rows<ShopifyBillingAccount>(sql, `SELECT ${SHOPIFY_COLUMNS} FROM shopify_billing_accounts WHERE workspace_id = $1`, [workspaceId]))[0] ?? null;
}

/** The account a shop pays for, as it is now (unlocked: what a sync reads Shopify with, before it takes the lock). */
export async function findShopifyBillingAccountBySource(sql: Sql, sourceId: string): Promise<ShopifyBillingAccount | null> {
  return (await rows<ShopifyBillingAccount>(sql, `SELECT ${SHOPIFY_COLUMNS} FROM shopify_billing_accounts WHERE source_id = $1`, [sourceId]))[0] ?? null;
}

/**
 * The account a shop pays for, locked until the caller's transaction ends: its updates are applied one at a time,
 * each reading Shopify after the one before it has committed.
 */
export async function lockShopifyBillingAccountBySource(sql: Sql, sourceId: string): Promise<ShopifyBillingAccount | null> {
  return (await rows<ShopifyBillingAccount>(sql, `SELECT ${SHOPIFY_COLUMNS} FROM shopify_billing_accounts WHERE source_id = $1 FOR UPDATE`, [sourceId]))[0] ?? null;
}

/**
 * A checkout started: the shop that pays and the subscription waiting for the merchant's approval. An ACTIVE one is
 * kept as it is: the new charge replaces it only once approved, and is then read back from Shopify.
 */
export async function upsertShopifyCheckout(sql: Sql, account: { workspaceId: string; sourceId: string; subscriptionId: string; plan: string; test: boolean }): Promise<void> {
  await sql.query(
    `INSERT INTO shopify_billing_accounts (workspace_id, source_id, subscription_id, subscription_status, plan, test, checkout_started_at)
     VALUES ($1, $2, $3, 'PENDING', $4, $5, now())
     ON CONFLICT (workspace_id) DO UPDATE SET source_id = EXCLUDED.source_id, subscription_id = EXCLUDED.subscription_id,
       subscription_status = 'PENDING', plan = EXCLUDED.plan, test = EXCLUDED.test, current_period_end = NULL, checkout_started_at = now(),
       revision = shopify_billing_accounts.revision + 1, updated_at = now()
     WHERE shopify_billing_accounts.subscription_status IS DISTINCT FROM 'ACTIVE'`,
    [account.workspaceId, account.sourceId, account.subscriptionId, account.plan, account.test],
  );
}

/** The subscription as last read from Shopify. */
export async function updateShopifySubscription(
  sql: Sql,
  workspaceId: string,
  subscription: { subscriptionId: string | null; status: string; plan: string; test: boolean; currentPeriodEnd: Date | null },
): Promise<void> {
  await sql.query(
    `UPDATE shopify_billing_accounts SET subscription_id = $2, subscription_status = $3, plan = $4, test = $5, current_period_end = $6, revision = revision + 1,
       updated_at = now()
     WHERE workspace_id = $1`,
    [workspaceId, subscription.subscriptionId, subscription.status, subscription.plan, subscription.test, subscription.currentPeriodEnd],
  );
}
