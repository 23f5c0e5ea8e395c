-- CreateEnum
CREATE TYPE "CveState" AS ENUM ('REQUESTED', 'RESERVED', 'PUBLISHED', 'REJECTED');

-- AlterEnum
ALTER TYPE "Role" ADD VALUE 'INTEGRATOR';

-- AlterTable
ALTER TABLE "analysis_case" DROP COLUMN "coordination",
DROP COLUMN "cve_ids",
DROP COLUMN "next_update_due",
ADD COLUMN     "conclusion" TEXT,
ADD COLUMN     "embargo_time_zone" TEXT,
ADD COLUMN     "exploitation_observed_at" TIMESTAMPTZ(3),
ADD COLUMN     "exploitation_source" TEXT,
ADD COLUMN     "last_reporter_update_at" TIMESTAMPTZ(3),
ADD COLUMN     "notification_plan" TEXT,
ADD COLUMN     "publicly_known_at" TIMESTAMPTZ(3),
ADD COLUMN     "publicly_known_source" TEXT;

-- AlterTable
ALTER TABLE "vulnerability_report" ADD COLUMN     "submission_digest" TEXT,
ADD COLUMN     "submitted_by_id" UUID;

-- CreateTable
CREATE TABLE "cve_assignment" (
    "id" UUID NOT NULL,
    "case_id" UUID NOT NULL,
    "cve_id" TEXT,
    "state" "CveState" NOT NULL DEFAULT 'REQUESTED',
    "assigner" TEXT,
    "created_by_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "cve_assignment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "cert_notification" (
    "id" UUID NOT NULL,
    "case_id" UUID NOT NULL,
    "organization" TEXT NOT NULL,
    "notified_at" TIMESTAMPTZ(3) NOT NULL,
    "reference" TEXT,
    "created_by_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "cert_notification_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "setting" (
    "key" TEXT NOT NULL,
    "value" JSONB NOT NULL,
    "updated_by_id" UUID,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "setting_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE UNIQUE INDEX "cve_assignment_cve_id_key" ON "cve_assignment"("cve_id");

-- CreateIndex
CREATE INDEX "cve_assignment_case_id_idx" ON "cve_assignment"("case_id");

-- CreateIndex
CREATE INDEX "cert_notification_case_id_idx" ON "cert_notification"("case_id");

-- CreateIndex
CREATE INDEX "analysis_case_embargo_until_idx" ON "analysis_case"("embargo_until");

-- AddForeignKey
ALTER TABLE "vulnerability_report" ADD CONSTRAINT "vulnerability_report_submitted_by_id_fkey" FOREIGN KEY ("submitted_by_id") REFERENCES "user"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cve_assignment" ADD CONSTRAINT "cve_assignment_case_id_fkey" FOREIGN KEY ("case_id") REFERENCES "analysis_case"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cve_assignment" ADD CONSTRAINT "cve_assignment_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "user"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cert_notification" ADD CONSTRAINT "cert_notification_case_id_fkey" FOREIGN KEY ("case_id") REFERENCES "analysis_case"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cert_notification" ADD CONSTRAINT "cert_notification_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "user"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "setting" ADD CONSTRAINT "setting_updated_by_id_fkey" FOREIGN KEY ("updated_by_id") REFERENCES "user"("id") ON DELETE SET NULL ON UPDATE CASCADE;
