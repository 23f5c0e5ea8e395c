-- CreateTable
CREATE TABLE "psirt_key" (
    "id" UUID NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "public_key" TEXT NOT NULL,
    "private_key" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "retired_at" TIMESTAMPTZ(3),
    "decrypt_until" TIMESTAMPTZ(3),

    CONSTRAINT "psirt_key_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "psirt_key_fingerprint_key" ON "psirt_key"("fingerprint");
