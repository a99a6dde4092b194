-- CreateTable
CREATE TABLE "registered_oauth_apps" (
    "platform" "Platform" NOT NULL,
    "instance_url" TEXT NOT NULL,
    "redirect_uri" TEXT NOT NULL,
    "client_id" TEXT NOT NULL,
    "client_secret_sealed" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "registered_oauth_apps_pkey" PRIMARY KEY ("platform","instance_url","redirect_uri")
);

