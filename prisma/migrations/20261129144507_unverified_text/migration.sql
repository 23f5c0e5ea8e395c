-- AlterTable
ALTER TABLE "reporter_message" ADD COLUMN     "unverified_text" TEXT;

-- AlterTable
ALTER TABLE "vulnerability_report" ADD COLUMN     "unverified_text" TEXT;
