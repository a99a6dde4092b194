-- Link cards and evergreen re-shares (issue 13, section 1). Written by hand.
-- A delivery made from a source item carries the item's link card (url with that network's UTM parameters, title,
-- description, image): Bluesky and LinkedIn, which build no preview from a URL in the text, publish it
-- (src/integrations/bluesky.ts, linkedin.ts); the other networks ignore it. Null for every other delivery.
ALTER TABLE "deliveries" ADD COLUMN "link_card" JSONB;

-- The evergreen job (src/services/evergreen.ts): when an item was last re-shared and how many times (its next
-- re-share is occurrence EVERGREEN evergreen_shares + 1). Never re-shared: its first publication counts as the last share.
ALTER TABLE "source_items" ADD COLUMN "last_shared_at" TIMESTAMPTZ(3),
    ADD COLUMN "evergreen_shares" INTEGER NOT NULL DEFAULT 0;

-- The job's pick: a source's public items, longest-unshared first.
CREATE INDEX "source_items_evergreen_idx" ON "source_items"("source_id", (coalesce("last_shared_at", "first_published_at")))
    WHERE "published" AND "deleted_at" IS NULL;
