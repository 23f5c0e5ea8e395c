-- CreateTable
CREATE TABLE "used_form_token" (
    "digest" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "used_form_token_pkey" PRIMARY KEY ("digest")
);

-- CreateIndex
CREATE INDEX "used_form_token_expires_at_idx" ON "used_form_token"("expires_at");
