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
}

const COLUMNS = `workspace_id AS "workspaceId", stripe_customer_id AS "customerId", subscription_id AS "subscriptionId",
  subscription_status AS "status", price_id AS "priceId", current_period_end AS "currentPeriodEnd",
  cancel_at_period_end AS "cancelAtPeriodEnd", last_payment_failed_at AS "lastPaymentFailedAt"`;

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
