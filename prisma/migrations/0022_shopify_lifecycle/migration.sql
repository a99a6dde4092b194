-- The Shopify app's install lifecycle (issue 13, section 2; src/services/shopifyApp.ts, src/services/shopifyClaim.ts).
-- Written by hand.

-- When the source was last connected (inserted or reconnected): an app/uninstalled triggered before it is a late
-- retry of an uninstall that a reinstall has already answered, and is ignored. Sources connected before this
-- migration: created_at, the one instant known to be a connection (updated_at moves with every token renewal and rule
-- edit, and would make a real uninstall triggered after it look late, and be ignored).
ALTER TABLE "sources" ADD COLUMN "connected_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;
UPDATE "sources" SET "connected_at" = "created_at";

-- The uninstall hold and its release find a source's posts by it.
CREATE INDEX "posts_source_id_idx" ON "posts"("source_id");

-- The scopes an install started from PostFlow asks Shopify for (SHOPIFY_SCOPES, plus read_inventory for
-- back-in-stock posts).
ALTER TABLE "shopify_install_tickets" ADD COLUMN "scopes" TEXT[] NOT NULL DEFAULT '{}';

-- An install started from Shopify's admin for a shop PostFlow does not know yet: the tokens Shopify granted, sealed,
-- kept until the owner signs in (or signs up) here and picks the workspace the shop joins. Only the SHA-256 of the
-- browser's token is kept; 30 minutes; taken once.
CREATE TABLE "shopify_pending_installs" (
    "token_hash" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    -- AES-256-GCM sealed JSON of the granted tokens (src/security/secrets.ts).
    "credentials_sealed" TEXT NOT NULL,
    -- The person who signed in for this install (only for it: no session is opened); null until then.
    "user_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "shopify_pending_installs_pkey" PRIMARY KEY ("token_hash")
);

CREATE INDEX "shopify_pending_installs_expires_at_idx" ON "shopify_pending_installs"("expires_at");

ALTER TABLE "shopify_pending_installs" ADD CONSTRAINT "shopify_pending_installs_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
