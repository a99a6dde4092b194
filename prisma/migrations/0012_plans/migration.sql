-- Plans with limits (issue 12, section 4; src/domain/plans.ts). Written by hand.
-- UNLIMITED joins FREE / PRO / AGENCY. The type is rebuilt rather than extended with ADD VALUE, because PostgreSQL
-- refuses to use a value added in the same transaction, and this migration (one transaction) uses it below.
ALTER TYPE "Plan" RENAME TO "Plan_old";
CREATE TYPE "Plan" AS ENUM ('FREE', 'PRO', 'AGENCY', 'UNLIMITED');
ALTER TABLE "workspaces" ALTER COLUMN "plan" DROP DEFAULT;
ALTER TABLE "workspaces" ALTER COLUMN "plan" TYPE "Plan" USING ("plan"::text::"Plan");
DROP TYPE "Plan_old";

-- A workspace written without a plan has no limits; signup writes POSTFLOW_DEFAULT_PLAN (default UNLIMITED).
ALTER TABLE "workspaces" ALTER COLUMN "plan" SET DEFAULT 'UNLIMITED';

-- Until now the plan was stored (FREE by default) and never read: no workspace was ever limited. Existing workspaces
-- keep working as they did; an instance administrator gives them a plan with setWorkspacePlan.
UPDATE "workspaces" SET "plan" = 'UNLIMITED';
