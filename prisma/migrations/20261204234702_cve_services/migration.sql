-- AlterTable
ALTER TABLE "cve_assignment" ADD COLUMN     "reject_reason" TEXT,
ADD COLUMN     "replaced_by" TEXT[],
ADD COLUMN     "services_updated_at" TIMESTAMPTZ(3);
