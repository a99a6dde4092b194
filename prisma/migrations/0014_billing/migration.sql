-- Billing with Stripe (issue 12, section 4; src/services/billing.ts). Written by hand, in the form Prisma would write.
-- A workspace's Stripe customer (created once, at its first startCheckout, and reused) and the state of its
-- subscription as last read from Stripe. The plan itself stays in workspaces.plan: a webhook changes it through the
-- same statement as setWorkspacePlan. Stripe's statuses are kept as text, since Stripe adds new ones.
CREATE TABLE "billing_accounts" (
    "workspace_id" UUID NOT NULL,
    "stripe_customer_id" TEXT NOT NULL,
    "subscription_id" TEXT,
    "subscription_status" TEXT,
    "price_id" TEXT,
    "current_period_end" TIMESTAMPTZ(3),
    "cancel_at_period_end" BOOLEAN NOT NULL DEFAULT false,
    "last_payment_failed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "billing_accounts_pkey" PRIMARY KEY ("workspace_id")
);

-- Webhooks name the customer: it leads back to one workspace.
CREATE UNIQUE INDEX "billing_accounts_stripe_customer_id_key" ON "billing_accounts"("stripe_customer_id");

ALTER TABLE "billing_accounts" ADD CONSTRAINT "billing_accounts_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Every Stripe event id handled, inserted in the transaction that applies it: Stripe delivers at least once (and
-- retries for days), so a second delivery of one event finds its row and changes nothing.
CREATE TABLE "stripe_events" (
    "id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "processed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "stripe_events_pkey" PRIMARY KEY ("id")
);
