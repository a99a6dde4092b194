-- WordPress sites and RSS/Atom feeds as content sources (issue 14, section 2). Written by hand.
-- A WordPress site signs what it sends with the secret createSource answered once (sealed in credentials_sealed) and
-- names itself by its site key, of which only the SHA-256 is kept: the plugin's requests are looked up by it. A
-- disconnected site keeps the hash, so that its requests are told "disconnected" (403) rather than "unknown" (401).
-- A feed is polled (src/services/feedSources.ts); source_feeds keeps what the next conditional GET sends and whether
-- the first poll (which takes the feed's items as already known) is done.
-- The new enum values are not used in this transaction (PostgreSQL refuses that), only added.
ALTER TYPE "SourceKind" ADD VALUE IF NOT EXISTS 'FEED';

-- item.share: an author's request to share an item (again), numbered by the plugin per item.
ALTER TYPE "SourceOccurrenceKind" ADD VALUE IF NOT EXISTS 'SHARED';

ALTER TABLE "sources" ADD COLUMN "site_key_hash" TEXT;

-- Who may hold a source. A Shopify shop is one workspace's (Shopify's OAuth proves the installer runs it): one live
-- source per shop on the whole instance, as 0018 made it for every kind. A WordPress site or a feed proves nothing
-- at createSource (anyone can type https://bigblog.com), so an instance-wide rule would let anyone block its owner
-- and tell them another workspace has it: those are unique per workspace only. Same conditions as 0018's index
-- (live rows: deleted_at IS NULL), split by kind; 'SHOPIFY' is an old enum value, usable in this transaction.
DROP INDEX "sources_kind_external_id_live_key";

CREATE UNIQUE INDEX "sources_kind_external_id_live_key" ON "sources"("kind", "external_id") WHERE "deleted_at" IS NULL AND "kind" = 'SHOPIFY';

CREATE UNIQUE INDEX "sources_workspace_id_kind_external_id_live_key" ON "sources"("workspace_id", "kind", "external_id") WHERE "deleted_at" IS NULL AND "kind" <> 'SHOPIFY';

CREATE UNIQUE INDEX "sources_site_key_hash_key" ON "sources"("site_key_hash");

CREATE TABLE "source_feeds" (
    "source_id" UUID NOT NULL,
    -- The validators of the last 200 answer, sent back as If-None-Match / If-Modified-Since.
    "etag" TEXT,
    "last_modified" TEXT,
    -- The first poll's end: the items it found were old news. Null until a poll has read the feed once.
    "primed_at" TIMESTAMPTZ(3),
    "polled_at" TIMESTAMPTZ(3),
    -- Consecutive failed polls and the last one's message; a good poll clears both.
    "failures" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    -- A poll's claim on the feed while it fetches (no transaction is held across the fetch): another poll skips the
    -- feed until the claim ends or lapses (a poller that died).
    "claimed_until" TIMESTAMPTZ(3),

    CONSTRAINT "source_feeds_pkey" PRIMARY KEY ("source_id")
);

ALTER TABLE "source_feeds" ADD CONSTRAINT "source_feeds_source_id_fkey" FOREIGN KEY ("source_id") REFERENCES "sources"("id") ON DELETE CASCADE ON UPDATE CASCADE;
