-- The Shopify app wired in (issue 13, section 2; plugins/shopify/src/routes.ts, src/services/shopifyApp.ts). Written by hand.
-- An install started from PostFlow (connectShopifyStart) carries a ticket that binds it to the caller's workspace
-- and user: only the SHA-256 of the ticket is kept, it is taken once, and it lasts 10 minutes. A source whose app was
-- uninstalled holds its posts not yet out: the deliveries it moved to DRAFT are listed here, so that a reinstall
-- releases exactly those (and none a person drafted).
CREATE TABLE "shopify_install_tickets" (
    "ticket_hash" TEXT NOT NULL,
    "workspace_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "session_id" UUID,
    -- The shop's myshopify.com name: the callback must name the same one.
    "shop" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "shopify_install_tickets_pkey" PRIMARY KEY ("ticket_hash")
);

CREATE INDEX "shopify_install_tickets_expires_at_idx" ON "shopify_install_tickets"("expires_at");

ALTER TABLE "shopify_install_tickets" ADD CONSTRAINT "shopify_install_tickets_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "shopify_install_tickets" ADD CONSTRAINT "shopify_install_tickets_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "source_held_deliveries" (
    "delivery_id" UUID NOT NULL,
    "source_id" UUID NOT NULL,
    -- What the delivery was before the hold (SCHEDULED or PENDING): the release puts it back.
    "held_from" "DeliveryStatus" NOT NULL,
    "held_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "source_held_deliveries_pkey" PRIMARY KEY ("delivery_id")
);

CREATE INDEX "source_held_deliveries_source_id_idx" ON "source_held_deliveries"("source_id");

ALTER TABLE "source_held_deliveries" ADD CONSTRAINT "source_held_deliveries_delivery_id_fkey" FOREIGN KEY ("delivery_id") REFERENCES "deliveries"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "source_held_deliveries" ADD CONSTRAINT "source_held_deliveries_source_id_fkey" FOREIGN KEY ("source_id") REFERENCES "sources"("id") ON DELETE CASCADE ON UPDATE CASCADE;
