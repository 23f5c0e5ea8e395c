-- An index per ordering of `cases` (see AnalysisCase in schema.prisma). SEVERITY_DESC puts
-- unscored cases last: NULLS LAST, which Prisma's schema language cannot express.

-- DropIndex
DROP INDEX "analysis_case_embargo_until_idx";

-- DropIndex
DROP INDEX "analysis_case_severity_score_idx";

-- DropIndex
DROP INDEX "analysis_case_state_idx";

-- CreateIndex
CREATE INDEX "analysis_case_created_at_id_idx" ON "analysis_case"("created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "analysis_case_updated_at_id_idx" ON "analysis_case"("updated_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "analysis_case_embargo_until_id_idx" ON "analysis_case"("embargo_until", "id");

-- CreateIndex
CREATE INDEX "analysis_case_severity_score_id_idx" ON "analysis_case"("severity_score" DESC NULLS LAST, "id" DESC);

-- CreateIndex
CREATE INDEX "analysis_case_state_updated_at_id_idx" ON "analysis_case"("state", "updated_at" DESC, "id" DESC);
