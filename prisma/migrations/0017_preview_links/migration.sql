-- Shareable preview links of a post (issue 12, section 3; src/services/previewLinks.ts), and guest comments made
-- through them. Written by hand. Only the SHA-256 of a link's token is kept: someone reading a backup cannot open a
-- preview. A link ends when it expires or is revoked; it goes with its post (and its workspace).
CREATE TABLE "preview_links" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "workspace_id" UUID NOT NULL,
    "post_id" UUID NOT NULL,
    "token_hash" TEXT NOT NULL,
    "allow_comments" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "preview_links_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "preview_links_token_hash_key" ON "preview_links"("token_hash");

-- CreateIndex
CREATE INDEX "preview_links_post_id_created_at_idx" ON "preview_links"("post_id", "created_at");

-- AddForeignKey
ALTER TABLE "preview_links" ADD CONSTRAINT "preview_links_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "preview_links" ADD CONSTRAINT "preview_links_post_id_fkey" FOREIGN KEY ("post_id") REFERENCES "posts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- A guest's comment has no author account: it keeps the name they gave and the link it came through (revoking the
-- link keeps its comments; a link is deleted only with its post, which takes its comments along).
ALTER TABLE "post_comments" ADD COLUMN "guest_name" TEXT,
ADD COLUMN "preview_link_id" UUID;

-- CreateIndex
CREATE INDEX "post_comments_preview_link_id_idx" ON "post_comments"("preview_link_id");

-- AddForeignKey
ALTER TABLE "post_comments" ADD CONSTRAINT "post_comments_preview_link_id_fkey" FOREIGN KEY ("preview_link_id") REFERENCES "preview_links"("id") ON DELETE SET NULL ON UPDATE CASCADE;
