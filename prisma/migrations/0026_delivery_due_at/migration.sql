-- due_at: the instant a person or the scheduler last put the delivery at (created, rescheduled, published now,
-- retried by a person, approved, placed by the smart scheduler). analytics() measures lateness from it
-- (src/store/analytics.ts). What PostFlow does afterwards on its own, an automatic retry after a failure, a wait for
-- a network's rate limit, a move by the posting rules at publish time, moves scheduled_at and leaves due_at, so
-- those delays count as lateness, and a failed delivery a person reschedules to next week is due next week.
-- A column without a default: added without rewriting the table. Updating only due_at or publish_now fires no
-- delivery NOTIFY (0002's trigger watches status, scheduled_at, attempts and schedule_reason).
ALTER TABLE "deliveries" ADD COLUMN "due_at" TIMESTAMPTZ(3);

-- Rows from before: what analytics used until now, the earlier of scheduled_at and the first attempt's start.
UPDATE "deliveries" d
   SET "due_at" = least(d."scheduled_at", (SELECT min(a."started_at") FROM "delivery_attempts" a WHERE a."delivery_id" = d."id"))
 WHERE d."scheduled_at" IS NOT NULL;

-- publish_now is from now on the one mark of "out at once, outside posting hours" (src/jobs/publishPolicy.ts no longer
-- reads the post's scheduling_mode): a publishNow post's deliveries still waiting to go out at once get it here.
UPDATE "deliveries" d
   SET "publish_now" = true
  FROM "posts" p
 WHERE p."id" = d."post_id" AND p."scheduling_mode" = 'IMMEDIATE' AND d."status" = 'SCHEDULED' AND d."scheduled_at" <= now();
