-- A received mail's bytes move to their own table, in pieces (see InboundMailChunk).

-- CreateTable
CREATE TABLE "inbound_mail_chunk" (
    "mail_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "bytes" BYTEA NOT NULL,
    "written_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "inbound_mail_chunk_pkey" PRIMARY KEY ("mail_id","seq")
);

-- CreateIndex
CREATE INDEX "inbound_mail_chunk_written_at_idx" ON "inbound_mail_chunk"("written_at");

-- Every mail stored so far keeps its bytes: one piece each.
INSERT INTO "inbound_mail_chunk" ("mail_id", "seq", "bytes", "written_at")
SELECT "id", 0, "raw", "received_at" FROM "inbound_mail";

-- AlterTable
ALTER TABLE "inbound_mail" DROP COLUMN "raw";
