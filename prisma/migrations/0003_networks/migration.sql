-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "Platform" ADD VALUE 'X';
ALTER TYPE "Platform" ADD VALUE 'LINKEDIN';
ALTER TYPE "Platform" ADD VALUE 'INSTAGRAM';
ALTER TYPE "Platform" ADD VALUE 'FACEBOOK';
ALTER TYPE "Platform" ADD VALUE 'THREADS';
ALTER TYPE "Platform" ADD VALUE 'BLUESKY';
ALTER TYPE "Platform" ADD VALUE 'DISCORD';
ALTER TYPE "Platform" ADD VALUE 'PINTEREST';
ALTER TYPE "Platform" ADD VALUE 'VK';

-- AlterTable
ALTER TABLE "channels" ADD COLUMN     "app_key" TEXT,
ADD COLUMN     "auth_error" TEXT,
ADD COLUMN     "credentials_expire_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "deliveries" ADD COLUMN     "publish_progress" JSONB;

-- CreateTable
CREATE TABLE "oauth_states" (
    "state" TEXT NOT NULL,
    "workspace_id" UUID NOT NULL,
    "platform" "Platform" NOT NULL,
    "redirect_uri" TEXT NOT NULL,
    "secrets_sealed" TEXT NOT NULL,
    "request" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "oauth_states_pkey" PRIMARY KEY ("state")
);

-- CreateTable
CREATE TABLE "rate_limit_blocks" (
    "key" TEXT NOT NULL,
    "until" TIMESTAMPTZ(3) NOT NULL,
    "reason" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "rate_limit_blocks_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "oauth_states_expires_at_idx" ON "oauth_states"("expires_at");

-- CreateIndex
CREATE INDEX "channels_credentials_expire_at_idx" ON "channels"("credentials_expire_at");

-- AddForeignKey
ALTER TABLE "oauth_states" ADD CONSTRAINT "oauth_states_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Hand-written below this line.

-- Channel changes people must hear about (a refresh that failed, a reconnect, a renewed token) reach subscribers
-- the way delivery changes do: NOTIFY on commit, LISTENed for by every API process.
CREATE FUNCTION postflow_notify_channel() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('postflow_channel', json_build_object(
    'id', NEW.id,
    'workspaceId', NEW.workspace_id,
    'platform', NEW.platform,
    'name', left(NEW.name, 200),
    'needsReconnect', NEW.needs_reconnect,
    'authError', left(NEW.auth_error, 2000),
    'paused', NEW.paused,
    'credentialsExpireAt', NEW.credentials_expire_at,
    'updatedAt', NEW.updated_at
  )::text);
  RETURN NULL;
END;
$$;

CREATE TRIGGER channels_notify_update AFTER UPDATE ON "channels"
  FOR EACH ROW WHEN (OLD.needs_reconnect IS DISTINCT FROM NEW.needs_reconnect
                  OR OLD.auth_error IS DISTINCT FROM NEW.auth_error
                  OR OLD.paused IS DISTINCT FROM NEW.paused
                  OR OLD.credentials_expire_at IS DISTINCT FROM NEW.credentials_expire_at)
  EXECUTE FUNCTION postflow_notify_channel();
