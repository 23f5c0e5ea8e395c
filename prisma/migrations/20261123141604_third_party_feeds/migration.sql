-- AlterTable
ALTER TABLE "component_assessment" ADD COLUMN     "matched_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- AlterTable
ALTER TABLE "third_party_vulnerability" ADD COLUMN     "configurations" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN     "cwes" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "digest" TEXT,
ADD COLUMN     "kev" JSONB,
ADD COLUMN     "metrics" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN     "references" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN     "source" TEXT NOT NULL DEFAULT 'NVD',
ADD COLUMN     "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- CreateTable
CREATE TABLE "vulnerability_criterion" (
    "id" BIGSERIAL NOT NULL,
    "vulnerability_id" UUID NOT NULL,
    "key" TEXT NOT NULL,

    CONSTRAINT "vulnerability_criterion_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "vulnerability_criterion_key_idx" ON "vulnerability_criterion"("key");

-- CreateIndex
CREATE INDEX "vulnerability_criterion_vulnerability_id_idx" ON "vulnerability_criterion"("vulnerability_id");

-- CreateIndex
CREATE INDEX "third_party_vulnerability_last_modified_idx" ON "third_party_vulnerability"("last_modified");

-- AddForeignKey
ALTER TABLE "vulnerability_criterion" ADD CONSTRAINT "vulnerability_criterion_vulnerability_id_fkey" FOREIGN KEY ("vulnerability_id") REFERENCES "third_party_vulnerability"("id") ON DELETE CASCADE ON UPDATE CASCADE;
