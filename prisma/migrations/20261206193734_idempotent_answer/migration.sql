-- AlterTable
ALTER TABLE "vulnerability_report" ADD COLUMN     "idempotent_answer" TEXT;

-- Idempotency keys are kept as their SHA-256 (hex) from now on: the key opens the sealed answer.
UPDATE "vulnerability_report"
SET "idempotency_key" = encode(sha256(convert_to("idempotency_key", 'UTF8')), 'hex')
WHERE "idempotency_key" IS NOT NULL;
