-- Workspace lifecycle and email verification (issue 12, section 1). Written by hand: the lead regenerates the
-- snapshot chain.

-- deleteWorkspace: when the workspace is purged (now + POSTFLOW_WORKSPACE_DELETION_GRACE_DAYS). While it is set,
-- the worker's claim takes none of its deliveries (src/store/publishing.ts); cancelWorkspaceDeletion clears it.
ALTER TABLE "workspaces" ADD COLUMN "deletion_scheduled_at" TIMESTAMPTZ(3);
-- The purge task looks only at workspaces with a deletion scheduled: a partial index keeps that lookup off the rest.
CREATE INDEX "workspaces_deletion_scheduled_at_idx" ON "workspaces" ("deletion_scheduled_at") WHERE "deletion_scheduled_at" IS NOT NULL;

-- When the person proved they read mail at their address (a verification link, or an invitation mailed to it).
ALTER TABLE "users" ADD COLUMN "email_verified_at" TIMESTAMPTZ(3);
-- Accounts from before verification existed keep doing what they did (inviting included): they count as verified.
UPDATE "users" SET "email_verified_at" = "created_at";

-- Verification links: like password_resets, only the SHA-256 of the token, taken once, 24 hours. Not in
-- schema.prisma: only src/store/emailVerifications.ts touches it, and nothing reads it through Prisma.
CREATE TABLE "email_verifications" (
  "id"         UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  "user_id"    UUID NOT NULL REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE,
  -- The address the link was mailed to: a link proves that address, not whatever the account's email is later.
  "email"      TEXT NOT NULL,
  "token_hash" TEXT NOT NULL UNIQUE,
  "created_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "expires_at" TIMESTAMPTZ NOT NULL,
  "used_at"    TIMESTAMPTZ
);
CREATE INDEX "email_verifications_user_id_idx" ON "email_verifications" ("user_id");

-- exportWorkspace: one row per export asked for; the archive (gzip'd JSON) is built by the export_workspace job and
-- kept here, in PostgreSQL, so that any API process on any machine can serve the download. Only the SHA-256 of the
-- download token is kept. Taken once (DOWNLOADED: the archive is dropped), or dropped by housekeeping once expired.
-- Not in schema.prisma: src/store/workspaceExports.ts reads and writes it in SQL.
CREATE TABLE "workspace_exports" (
  "id"              UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  "workspace_id"    UUID NOT NULL REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE CASCADE,
  "requested_by_id" UUID REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE,
  "status"          TEXT NOT NULL DEFAULT 'PENDING' CHECK ("status" IN ('PENDING', 'READY', 'FAILED', 'DOWNLOADED', 'EXPIRED')),
  "token_hash"      TEXT NOT NULL UNIQUE,
  "archive"         BYTEA,
  "size_bytes"      INTEGER,
  "error"           TEXT,
  "created_at"      TIMESTAMPTZ NOT NULL DEFAULT now(),
  "ready_at"        TIMESTAMPTZ,
  "downloaded_at"   TIMESTAMPTZ,
  "expires_at"      TIMESTAMPTZ NOT NULL
);
CREATE INDEX "workspace_exports_workspace_id_created_at_idx" ON "workspace_exports" ("workspace_id", "created_at" DESC);
CREATE INDEX "workspace_exports_expires_at_idx" ON "workspace_exports" ("expires_at") WHERE "archive" IS NOT NULL OR "status" IN ('PENDING', 'READY');
-- One export being built per workspace at a time: a second request while one is PENDING is refused (CONFLICT).
CREATE UNIQUE INDEX "workspace_exports_one_pending_idx" ON "workspace_exports" ("workspace_id") WHERE "status" = 'PENDING';
