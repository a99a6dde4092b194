-- The console's deliveries connection (issue 15): a workspace's deliveries by their time, publishedAt once published
-- else scheduledAt, 'infinity' for those with neither (drafts, queued ones), which sorts them last. The calendar's
-- month is one range scan of this index in its order, and the keyset pages (time, id) read on from the cursor;
-- src/store/deliveryQueries.ts DELIVERY_TIME is the same expression, and analytics() filters on it too.
-- Prisma's schema cannot express an index on an expression, so prisma/schema.prisma does not mirror this one (a
-- `prisma migrate diff` between schema files never sees it, and so never drops it).
CREATE INDEX "deliveries_workspace_id_time_idx" ON "deliveries" ("workspace_id", (coalesce("published_at", "scheduled_at", 'infinity'::timestamptz)), "id");

-- publishDeliveryNow: one delivery sent at once while its post's other deliveries keep their times and their posting
-- rules. The post's scheduling_mode IMMEDIATE says it for a whole post (publishNow); this says it for one delivery,
-- so the publish-time check (src/jobs/publishPolicy.ts) lets it out outside posting hours too. Any later placement
-- (a reschedule, the smart scheduler) clears it.
ALTER TABLE "deliveries" ADD COLUMN "publish_now" BOOLEAN NOT NULL DEFAULT false;
