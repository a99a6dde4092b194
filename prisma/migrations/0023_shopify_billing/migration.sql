-- Plans charged through Shopify's Billing API (issue 13, section 2; src/services/shopifyBilling.ts). Written by hand,
-- in the form Prisma would write. One row per workspace that started a Shopify checkout: the shop (source) it pays
-- through, the app subscription (gid://shopify/AppSubscription/N) and its status as last read from the Admin API.
-- The plan itself stays in workspaces.plan, changed through the same statement and audit as Stripe's. Shopify's
-- statuses are kept as text (ACTIVE, PENDING, CANCELLED, DECLINED, EXPIRED, FROZEN), as Stripe's are.
CREATE TABLE "shopify_billing_accounts" (
    "workspace_id" UUID NOT NULL,
    "source_id" UUID,
    "subscription_id" TEXT,
    "subscription_status" TEXT,
    "plan" TEXT NOT NULL,
    "test" BOOLEAN NOT NULL DEFAULT false,
    "current_period_end" TIMESTAMPTZ(3),
    "checkout_started_at" TIMESTAMPTZ(3),
    "revision" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "shopify_billing_accounts_pkey" PRIMARY KEY ("workspace_id")
);

-- A webhook names the shop: its source leads back to the workspace it pays for.
CREATE INDEX "shopify_billing_accounts_source_id_idx" ON "shopify_billing_accounts"("source_id");

ALTER TABLE "shopify_billing_accounts" ADD CONSTRAINT "shopify_billing_accounts_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- shop/redact erases the source: the row stays (its plan was already ended by the uninstall), naming no shop.
ALTER TABLE "shopify_billing_accounts" ADD CONSTRAINT "shopify_billing_accounts_source_id_fkey" FOREIGN KEY ("source_id") REFERENCES "sources"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- When the workspace's last Stripe checkout was started: a workspace pays through one provider at a time, and a
-- checkout not yet completed (Stripe lets one be paid for 24 hours) would otherwise let a Shopify charge start beside it.
ALTER TABLE "billing_accounts" ADD COLUMN "checkout_started_at" TIMESTAMPTZ(3);
