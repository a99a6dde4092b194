-- Approval (issue 12, section 3): a workspace may hold posts back until an ADMIN approves them. A held delivery is
-- AWAITING_APPROVAL: never claimed by a worker, no publish job, its scheduled_at kept as where it would go.
-- Written by hand; the new enum value is not used in this transaction (PostgreSQL refuses that).
ALTER TYPE "DeliveryStatus" ADD VALUE 'AWAITING_APPROVAL' BEFORE 'SCHEDULED';

-- CreateEnum
CREATE TYPE "ApprovalMode" AS ENUM ('NONE', 'EDITORS', 'ALL');

-- CreateEnum
CREATE TYPE "LateApproval" AS ENUM ('PUBLISH_NOW', 'NEXT_SLOT');

-- CreateEnum
CREATE TYPE "PostCommentKind" AS ENUM ('COMMENT', 'APPROVED', 'CHANGES_REQUESTED', 'REJECTED');

-- AlterTable: NONE is today's behaviour, so existing workspaces keep it.
ALTER TABLE "workspaces" ADD COLUMN "approval" "ApprovalMode" NOT NULL DEFAULT 'NONE',
ADD COLUMN "late_approval" "LateApproval" NOT NULL DEFAULT 'PUBLISH_NOW';

-- CreateTable
CREATE TABLE "post_comments" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "post_id" UUID NOT NULL,
    "author_id" UUID,
    "kind" "PostCommentKind" NOT NULL DEFAULT 'COMMENT',
    "text" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "post_comments_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "post_comments_post_id_created_at_idx" ON "post_comments"("post_id", "created_at");

-- AddForeignKey
ALTER TABLE "post_comments" ADD CONSTRAINT "post_comments_post_id_fkey" FOREIGN KEY ("post_id") REFERENCES "posts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "post_comments" ADD CONSTRAINT "post_comments_author_id_fkey" FOREIGN KEY ("author_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;
