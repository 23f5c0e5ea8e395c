-- CreateTable
CREATE TABLE "slack_delivery" (
    "key" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "slack_delivery_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "slack_delivery_expires_at_idx" ON "slack_delivery"("expires_at");
