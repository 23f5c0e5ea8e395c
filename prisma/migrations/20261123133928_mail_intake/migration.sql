-- CreateEnum
CREATE TYPE "InboundMailStatus" AS ENUM ('RECEIVED', 'PROCESSED', 'QUARANTINED', 'DISMISSED');

-- CreateEnum
CREATE TYPE "QuarantineReason" AS ENUM ('MALFORMED_MIME', 'OVERSIZED', 'UNREADABLE_PGP', 'NOT_DECRYPTABLE', 'PROCESSING_ERROR');

-- AlterTable
ALTER TABLE "reporter_message" ADD COLUMN     "signature_status" TEXT;

-- CreateTable
CREATE TABLE "inbound_mail" (
    "id" UUID NOT NULL,
    "message_key" TEXT NOT NULL,
    "raw" BYTEA NOT NULL,
    "size" INTEGER NOT NULL,
    "truncated" BOOLEAN NOT NULL DEFAULT false,
    "sender" TEXT,
    "subject" TEXT,
    "via" TEXT NOT NULL,
    "status" "InboundMailStatus" NOT NULL DEFAULT 'RECEIVED',
    "reason" "QuarantineReason",
    "detail" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "encrypted" BOOLEAN NOT NULL DEFAULT false,
    "signature_status" TEXT,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "processed_at" TIMESTAMPTZ(3),
    "report_id" UUID,
    "message_id" UUID,

    CONSTRAINT "inbound_mail_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "attachment" (
    "id" UUID NOT NULL,
    "report_id" UUID NOT NULL,
    "message_id" UUID,
    "filename" TEXT NOT NULL,
    "content_type" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "content" BYTEA NOT NULL,
    "encrypted" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "attachment_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "inbound_mail_message_key_key" ON "inbound_mail"("message_key");

-- CreateIndex
CREATE UNIQUE INDEX "inbound_mail_message_id_key" ON "inbound_mail"("message_id");

-- CreateIndex
CREATE INDEX "inbound_mail_status_received_at_idx" ON "inbound_mail"("status", "received_at");

-- CreateIndex
CREATE INDEX "inbound_mail_report_id_idx" ON "inbound_mail"("report_id");

-- CreateIndex
CREATE INDEX "attachment_report_id_idx" ON "attachment"("report_id");

-- AddForeignKey
ALTER TABLE "inbound_mail" ADD CONSTRAINT "inbound_mail_report_id_fkey" FOREIGN KEY ("report_id") REFERENCES "vulnerability_report"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "inbound_mail" ADD CONSTRAINT "inbound_mail_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "reporter_message"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "attachment" ADD CONSTRAINT "attachment_report_id_fkey" FOREIGN KEY ("report_id") REFERENCES "vulnerability_report"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "attachment" ADD CONSTRAINT "attachment_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "reporter_message"("id") ON DELETE SET NULL ON UPDATE CASCADE;
