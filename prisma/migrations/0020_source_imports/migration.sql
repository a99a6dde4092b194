-- A content source's catalog import (issue 13: importCatalog; src/services/sourceImports.ts). Written by hand.
-- One row per import with its progress, updated a batch at a time while it runs; at most one RUNNING per source (the
-- partial unique index is what refuses a second one). Each change is announced on postflow_source_import (on commit)
-- for sourceImportUpdated's subscribers.
CREATE TYPE "SourceImportStatus" AS ENUM ('RUNNING', 'COMPLETED', 'FAILED');

CREATE TABLE "source_imports" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "source_id" UUID NOT NULL,
    "workspace_id" UUID NOT NULL,
    -- Who started it (import.finished notifies them); null once they are gone.
    "started_by" UUID,
    -- How they came (import.finished is recorded as theirs, with the same way in).
    "started_via" "AuditVia" NOT NULL DEFAULT 'SYSTEM',
    "status" "SourceImportStatus" NOT NULL DEFAULT 'RUNNING',
    -- The store's own id of its export (Shopify's bulk operation): a retried job picks it up instead of starting anew.
    "export_id" TEXT,
    -- Objects the store's export has written so far (products and their children), while it prepares.
    "exported_objects" INTEGER NOT NULL DEFAULT 0,
    -- Items read from the export, and of those handed to the engine: posts made, skipped (already posted, not
    -- published, no rule event, stale), and errors (the event's ERROR: its reason is in source_events).
    "seen" INTEGER NOT NULL DEFAULT 0,
    "processed" INTEGER NOT NULL DEFAULT 0,
    "posts_created" INTEGER NOT NULL DEFAULT 0,
    "skipped" INTEGER NOT NULL DEFAULT 0,
    "errors" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "source_imports_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "source_imports_one_running_key" ON "source_imports"("source_id") WHERE "status" = 'RUNNING';

CREATE INDEX "source_imports_source_id_started_at_idx" ON "source_imports"("source_id", "started_at" DESC);

CREATE INDEX "source_imports_workspace_id_idx" ON "source_imports"("workspace_id");

ALTER TABLE "source_imports" ADD CONSTRAINT "source_imports_source_id_fkey" FOREIGN KEY ("source_id") REFERENCES "sources"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "source_imports" ADD CONSTRAINT "source_imports_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "source_imports" ADD CONSTRAINT "source_imports_started_by_fkey" FOREIGN KEY ("started_by") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- Delivered on commit, whichever process wrote the row; the subscription reads the row back.
CREATE FUNCTION "notify_source_import"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('postflow_source_import', json_build_object('id', NEW.id, 'sourceId', NEW.source_id, 'workspaceId', NEW.workspace_id)::text);
  RETURN NEW;
END;
$$;

CREATE TRIGGER "source_imports_notify" AFTER INSERT OR UPDATE ON "source_imports" FOR EACH ROW EXECUTE FUNCTION "notify_source_import"();
