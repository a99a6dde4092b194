-- Content sources (issue 13, section 1; src/services/sources.ts, src/services/sourcePosts.ts). Written by hand.
-- A source is a connected store or site; its items are the store's products or articles as last fetched; every event
-- received is kept with its outcome; an occurrence (an item's first publication, a restock, a sale) has exactly one
-- post, whatever the number of deliveries of the event. Everything goes with its source, and a source with its
-- workspace (the purge of 0016).
CREATE TYPE "SourceKind" AS ENUM ('SHOPIFY', 'WORDPRESS');

CREATE TYPE "SourceStatus" AS ENUM ('ACTIVE', 'UNINSTALLED', 'DISCONNECTED');

CREATE TYPE "SourceEventOutcome" AS ENUM ('POST_CREATED', 'DUPLICATE', 'IGNORED', 'STALE', 'CANCELLED', 'ERROR');

CREATE TYPE "SourceOccurrenceKind" AS ENUM ('PUBLISHED', 'BACK_IN_STOCK', 'ON_SALE', 'EVERGREEN');

CREATE TABLE "sources" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "workspace_id" UUID NOT NULL,
    "kind" "SourceKind" NOT NULL,
    "name" TEXT NOT NULL,
    -- The shop's myshopify.com domain, or the site's URL.
    "external_id" TEXT NOT NULL,
    "status" "SourceStatus" NOT NULL DEFAULT 'ACTIVE',
    -- AES-256-GCM sealed JSON (src/security/secrets.ts), opaque to all but the connector; null once erased.
    "credentials_sealed" TEXT,
    "rules" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(3),

    CONSTRAINT "sources_pkey" PRIMARY KEY ("id")
);

-- One live source per store: re-installing reconnects it (createOrReconnectSource) instead of adding a second.
CREATE UNIQUE INDEX "sources_kind_external_id_live_key" ON "sources"("kind", "external_id") WHERE "deleted_at" IS NULL;

CREATE INDEX "sources_workspace_id_idx" ON "sources"("workspace_id");

ALTER TABLE "sources" ADD CONSTRAINT "sources_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "source_items" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "source_id" UUID NOT NULL,
    "external_id" TEXT NOT NULL,
    -- The normalised SourceItem (src/domain/sourceItems.ts) as last fetched.
    "snapshot" JSONB NOT NULL,
    "published" BOOLEAN NOT NULL DEFAULT false,
    "in_stock" BOOLEAN NOT NULL DEFAULT false,
    "on_sale" BOOLEAN NOT NULL DEFAULT false,
    "first_published_at" TIMESTAMPTZ(3),
    "restocks" INTEGER NOT NULL DEFAULT 0,
    "sales" INTEGER NOT NULL DEFAULT 0,
    -- The store's time of the last change applied: an event older than this is stale.
    "last_changed_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(3),

    CONSTRAINT "source_items_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "source_items_source_id_external_id_key" ON "source_items"("source_id", "external_id");

ALTER TABLE "source_items" ADD CONSTRAINT "source_items_source_id_fkey" FOREIGN KEY ("source_id") REFERENCES "sources"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "source_events" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "source_id" UUID NOT NULL,
    -- The store's own id of the event (Shopify's X-Shopify-Event-Id).
    "event_id" TEXT NOT NULL,
    "item_external_id" TEXT,
    -- UPSERTED or DELETED (src/sources/types.ts ItemChange).
    "change" TEXT NOT NULL,
    "changed_at" TIMESTAMPTZ(3),
    "outcome" "SourceEventOutcome" NOT NULL,
    "reason" TEXT NOT NULL,
    "post_ids" UUID[] NOT NULL DEFAULT '{}',
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "source_events_pkey" PRIMARY KEY ("id")
);

-- An event id is handled once: a redelivery gets a DUPLICATE row of its own beside the first (an ERROR row is
-- replaced by the outcome of a later try).
CREATE UNIQUE INDEX "source_events_source_id_event_id_key" ON "source_events"("source_id", "event_id") WHERE "outcome" <> 'DUPLICATE';

CREATE INDEX "source_events_source_id_received_at_idx" ON "source_events"("source_id", "received_at" DESC);

ALTER TABLE "source_events" ADD CONSTRAINT "source_events_source_id_fkey" FOREIGN KEY ("source_id") REFERENCES "sources"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "source_occurrences" (
    "source_id" UUID NOT NULL,
    "item_id" UUID NOT NULL,
    "kind" "SourceOccurrenceKind" NOT NULL,
    -- 1 for the first publication; the restock's or sale's number for the others.
    "occurrence" INTEGER NOT NULL,
    -- Null once the post is deleted: the occurrence stays taken.
    "post_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "source_occurrences_pkey" PRIMARY KEY ("source_id", "item_id", "kind", "occurrence")
);

CREATE INDEX "source_occurrences_item_id_idx" ON "source_occurrences"("item_id");

CREATE INDEX "source_occurrences_post_id_idx" ON "source_occurrences"("post_id");

ALTER TABLE "source_occurrences" ADD CONSTRAINT "source_occurrences_source_id_fkey" FOREIGN KEY ("source_id") REFERENCES "sources"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "source_occurrences" ADD CONSTRAINT "source_occurrences_item_id_fkey" FOREIGN KEY ("item_id") REFERENCES "source_items"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "source_occurrences" ADD CONSTRAINT "source_occurrences_post_id_fkey" FOREIGN KEY ("post_id") REFERENCES "posts"("id") ON DELETE SET NULL ON UPDATE CASCADE;
