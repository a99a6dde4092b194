-- Notifications to people (issue 12, section 5; src/domain/notifications.ts). Written by hand; the lead regenerates
-- the snapshot chain.
--
-- A notification is derived from the audit trail: every notifiable action is already written as an audit event in
-- the transaction of its change (the worker's failures and unconfirmed outcomes included), so a trigger queues the
-- `notify` job in that same transaction. Nothing is lost between a change and its notification, no writer has to
-- remember to notify, and the WHEN clause keeps the publish hot path (delivery.published) free of any extra work.

-- CreateEnum
CREATE TYPE "NotificationDelivery" AS ENUM ('OFF', 'CONSOLE', 'MAIL', 'DIGEST');

-- One row per person told of one event: unique per (event, person), so a notify job run twice tells nobody twice.
-- `delivery` is the person's preference when it was written (CONSOLE, MAIL or DIGEST; OFF writes no row);
-- `mailed_at` is set once its mail (immediate or the digest's) went out, and `mail_error` keeps the last refusal.
-- CreateTable
CREATE TABLE "notifications" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "workspace_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "event_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "post_id" UUID,
    "channel_id" UUID,
    "delivery" "NotificationDelivery" NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "read_at" TIMESTAMPTZ(3),
    "mailed_at" TIMESTAMPTZ(3),
    "mail_attempts" INTEGER NOT NULL DEFAULT 0,
    "mail_error" TEXT,

    CONSTRAINT "notifications_pkey" PRIMARY KEY ("id")
);

-- A person's choice per workspace and kind; a kind without a row has its default (src/domain/notifications.ts).
-- CreateTable
CREATE TABLE "notification_preferences" (
    "workspace_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "delivery" "NotificationDelivery" NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "notification_preferences_pkey" PRIMARY KEY ("workspace_id", "user_id", "kind")
);

-- CreateIndex
CREATE UNIQUE INDEX "notifications_event_id_user_id_key" ON "notifications"("event_id", "user_id");

-- A person's list in a workspace, newest first (notifications, unreadNotificationCount).
-- CreateIndex
CREATE INDEX "notifications_workspace_id_user_id_created_at_idx" ON "notifications"("workspace_id", "user_id", "created_at" DESC);

-- The daily digest looks for DIGEST rows not yet mailed.
-- CreateIndex
CREATE INDEX "notifications_delivery_mailed_at_idx" ON "notifications"("delivery", "mailed_at");

-- Housekeeping deletes read notifications by age (POSTFLOW_NOTIFICATION_RETENTION_DAYS).
-- CreateIndex
CREATE INDEX "notifications_read_at_idx" ON "notifications"("read_at");

-- Both belong to a membership: a person removed from a workspace (or the workspace deleted) takes their
-- notifications and preferences there along.
-- AddForeignKey
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_workspace_id_user_id_fkey" FOREIGN KEY ("workspace_id", "user_id") REFERENCES "memberships"("workspace_id", "user_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "notification_preferences" ADD CONSTRAINT "notification_preferences_workspace_id_user_id_fkey" FOREIGN KEY ("workspace_id", "user_id") REFERENCES "memberships"("workspace_id", "user_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- A new notification reaches the API processes on commit (LISTEN postflow_notification, src/events/deliveryEvents.ts),
-- which hand it to that person's notificationAdded subscriptions. The payload names the row; its text is read back.
CREATE FUNCTION postflow_notify_notification() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('postflow_notification', json_build_object('id', NEW.id, 'workspaceId', NEW.workspace_id, 'userId', NEW.user_id)::text);
  RETURN NULL;
END;
$$;

CREATE TRIGGER notifications_notify_insert AFTER INSERT ON "notifications"
  FOR EACH ROW EXECUTE FUNCTION postflow_notify_notification();

-- The notifiable audit actions queue one `notify` job each (src/jobs/notify.ts), in the transaction of the event.
-- The list is NOTIFICATION_KINDS' actions (test/api.notifications.test.ts checks that they agree), plus
-- import.finished, which the content sources will write. A later migration replaces the trigger to add actions.
CREATE FUNCTION postflow_queue_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM graphile_worker.add_job('notify', json_build_object('eventId', NEW.id), max_attempts := 10);
  RETURN NULL;
END;
$$;

CREATE TRIGGER audit_events_queue_notify AFTER INSERT ON "audit_events"
  FOR EACH ROW WHEN (NEW.action IN ('delivery.failed', 'delivery.unconfirmed', 'channel.needs_reconnect', 'post.submitted', 'post.approved',
                                    'post.rejected', 'post.changes_requested', 'import.finished'))
  EXECUTE FUNCTION postflow_queue_notify();
