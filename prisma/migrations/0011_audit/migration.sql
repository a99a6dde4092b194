-- The audit trail (issue 12, section 6): who did what in a workspace, when, through which session or API key.
-- Written only by src/store/audit.ts (and the worker's outcome statements in src/store/publishing.ts), in the same
-- transaction as the change it records. `details` is small and never holds secrets. Kept for
-- POSTFLOW_AUDIT_RETENTION_DAYS by the housekeeping task. Written by hand: the lead regenerates the snapshot chain.

-- CreateEnum
CREATE TYPE "AuditVia" AS ENUM ('SESSION', 'API_KEY', 'SYSTEM');

-- CreateTable
CREATE TABLE "audit_events" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "workspace_id" UUID NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor_id" UUID,
    "via" "AuditVia" NOT NULL,
    "session_id" UUID,
    "api_key_id" UUID,
    "action" TEXT NOT NULL,
    "target_type" TEXT NOT NULL,
    "target_id" TEXT NOT NULL,
    "details" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);

-- The log is read newest first per workspace (auditLog), and retention deletes by age.
-- CreateIndex
CREATE INDEX "audit_events_workspace_id_at_idx" ON "audit_events"("workspace_id", "at" DESC);

-- CreateIndex
CREATE INDEX "audit_events_at_idx" ON "audit_events"("at");

-- The history outlives the people, sessions and keys it names: no foreign keys to them (a removed member's actions
-- stay attributed to their id). It goes with its workspace.
-- AddForeignKey
ALTER TABLE "audit_events" ADD CONSTRAINT "audit_events_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE CASCADE;
