-- CreateEnum
CREATE TYPE "SchedulingMode" AS ENUM ('SHIFT', 'EXACT', 'IMMEDIATE', 'AUTO');

-- AlterTable
ALTER TABLE "channels" ADD COLUMN     "policy" JSONB;

-- AlterTable
ALTER TABLE "posts" ADD COLUMN     "scheduling_mode" "SchedulingMode" NOT NULL DEFAULT 'SHIFT';

-- AlterTable
ALTER TABLE "deliveries" ADD COLUMN     "requested_at" TIMESTAMPTZ(3),
ADD COLUMN     "schedule_reason" TEXT;

-- CreateIndex
CREATE INDEX "deliveries_channel_id_scheduled_at_idx" ON "deliveries"("channel_id", "scheduled_at");


-- Hand-written below this line.

-- Subscribers also learn why a delivery moved.
CREATE OR REPLACE FUNCTION postflow_notify_delivery() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('postflow_delivery', json_build_object(
    'id', NEW.id,
    'postId', NEW.post_id,
    'channelId', NEW.channel_id,
    'workspaceId', NEW.workspace_id,
    'status', NEW.status,
    'scheduledAt', NEW.scheduled_at,
    'scheduleReason', left(NEW.schedule_reason, 1000),
    'attempts', NEW.attempts,
    'lastError', left(NEW.last_error, 2000),
    'externalId', left(NEW.external_id, 300),
    'externalUrl', left(NEW.external_url, 1000),
    'publishedAt', NEW.published_at,
    'updatedAt', NEW.updated_at
  )::text);
  RETURN NULL;
END;
$$;

-- A held or moved delivery's new reason is news too.
DROP TRIGGER deliveries_notify_update ON "deliveries";
CREATE TRIGGER deliveries_notify_update AFTER UPDATE ON "deliveries"
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status
                  OR OLD.scheduled_at IS DISTINCT FROM NEW.scheduled_at
                  OR OLD.attempts IS DISTINCT FROM NEW.attempts
                  OR OLD.schedule_reason IS DISTINCT FROM NEW.schedule_reason)
  EXECUTE FUNCTION postflow_notify_delivery();
