-- Cases get a stored severity (see schema.prisma). No backfill: before this
-- migration no path recorded vendor or AVSS scores, so every case starts unscored.

-- AlterTable
ALTER TABLE "analysis_case" ADD COLUMN     "severity" "Severity",
ADD COLUMN     "severity_score" DECIMAL(3,1);

-- CreateIndex
CREATE INDEX "analysis_case_severity_score_idx" ON "analysis_case"("severity_score");
