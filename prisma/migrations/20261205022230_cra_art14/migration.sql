-- CreateEnum
CREATE TYPE "CraKind" AS ENUM ('ACTIVELY_EXPLOITED_VULNERABILITY', 'SEVERE_INCIDENT');

-- CreateEnum
CREATE TYPE "CraStage" AS ENUM ('EARLY_WARNING', 'NOTIFICATION', 'INTERMEDIATE', 'FINAL_REPORT');

-- CreateEnum
CREATE TYPE "CraEvidence" AS ENUM ('KNOWN_EXPLOITED', 'CASE_EXPLOITATION', 'REPORTER');

-- AlterTable
ALTER TABLE "product" ADD COLUMN     "markets" TEXT[];

-- AlterTable
ALTER TABLE "product_line" ADD COLUMN     "markets" TEXT[];

-- AlterTable
ALTER TABLE "vulnerability_report" ADD COLUMN     "reported_exploited" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "cra_notification" (
    "id" UUID NOT NULL,
    "case_id" UUID NOT NULL,
    "kind" "CraKind" NOT NULL,
    "aware_at" TIMESTAMPTZ(3) NOT NULL,
    "basis" TEXT NOT NULL,
    "decided_by_id" UUID,
    "member_state" TEXT,
    "coordinator" TEXT,
    "tlp" "Tlp",
    "exploit_nature" TEXT,
    "malicious_actor" TEXT,
    "suspected_malicious" BOOLEAN,
    "incident_nature" TEXT,
    "initial_assessment" TEXT,
    "root_cause" TEXT,
    "status_update" TEXT,
    "closed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "cra_notification_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "cra_submission" (
    "id" UUID NOT NULL,
    "notification_id" UUID NOT NULL,
    "stage" "CraStage" NOT NULL,
    "ordinal" INTEGER NOT NULL DEFAULT 0,
    "submitted_at" TIMESTAMPTZ(3) NOT NULL,
    "submitted_by_id" UUID,
    "reference" TEXT NOT NULL,
    "json" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "digest" TEXT NOT NULL,
    "missing" TEXT[],
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "cra_submission_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "cra_intermediate_request" (
    "id" UUID NOT NULL,
    "notification_id" UUID NOT NULL,
    "ordinal" INTEGER NOT NULL,
    "requested_at" TIMESTAMPTZ(3) NOT NULL,
    "due_at" TIMESTAMPTZ(3) NOT NULL,
    "note" TEXT,
    "created_by_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "cra_intermediate_request_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "cra_reminder" (
    "notification_id" UUID NOT NULL,
    "stage" "CraStage" NOT NULL,
    "ordinal" INTEGER NOT NULL,
    "due_at" TIMESTAMPTZ(3) NOT NULL,
    "threshold" TEXT NOT NULL,
    "sent_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "cra_reminder_pkey" PRIMARY KEY ("notification_id","stage","ordinal","due_at","threshold")
);

-- CreateTable
CREATE TABLE "cra_prompt" (
    "id" UUID NOT NULL,
    "case_id" UUID NOT NULL,
    "evidence" "CraEvidence" NOT NULL,
    "detail" TEXT NOT NULL,
    "seen_at" TIMESTAMPTZ(3) NOT NULL,
    "dismissed_at" TIMESTAMPTZ(3),
    "dismissed_by_id" UUID,
    "dismiss_reason" TEXT,

    CONSTRAINT "cra_prompt_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "cra_notification_closed_at_idx" ON "cra_notification"("closed_at");

-- CreateIndex
CREATE UNIQUE INDEX "cra_notification_case_id_kind_key" ON "cra_notification"("case_id", "kind");

-- CreateIndex
CREATE UNIQUE INDEX "cra_submission_notification_id_stage_ordinal_key" ON "cra_submission"("notification_id", "stage", "ordinal");

-- CreateIndex
CREATE UNIQUE INDEX "cra_intermediate_request_notification_id_ordinal_key" ON "cra_intermediate_request"("notification_id", "ordinal");

-- CreateIndex
CREATE INDEX "cra_prompt_dismissed_at_idx" ON "cra_prompt"("dismissed_at");

-- CreateIndex
CREATE UNIQUE INDEX "cra_prompt_case_id_evidence_key" ON "cra_prompt"("case_id", "evidence");

-- AddForeignKey
ALTER TABLE "cra_notification" ADD CONSTRAINT "cra_notification_case_id_fkey" FOREIGN KEY ("case_id") REFERENCES "analysis_case"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cra_notification" ADD CONSTRAINT "cra_notification_decided_by_id_fkey" FOREIGN KEY ("decided_by_id") REFERENCES "user"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cra_submission" ADD CONSTRAINT "cra_submission_notification_id_fkey" FOREIGN KEY ("notification_id") REFERENCES "cra_notification"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cra_submission" ADD CONSTRAINT "cra_submission_submitted_by_id_fkey" FOREIGN KEY ("submitted_by_id") REFERENCES "user"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cra_intermediate_request" ADD CONSTRAINT "cra_intermediate_request_notification_id_fkey" FOREIGN KEY ("notification_id") REFERENCES "cra_notification"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cra_intermediate_request" ADD CONSTRAINT "cra_intermediate_request_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "user"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cra_reminder" ADD CONSTRAINT "cra_reminder_notification_id_fkey" FOREIGN KEY ("notification_id") REFERENCES "cra_notification"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cra_prompt" ADD CONSTRAINT "cra_prompt_case_id_fkey" FOREIGN KEY ("case_id") REFERENCES "analysis_case"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cra_prompt" ADD CONSTRAINT "cra_prompt_dismissed_by_id_fkey" FOREIGN KEY ("dismissed_by_id") REFERENCES "user"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- Hand-written: what was submitted for a CRA stage is evidence and is never
-- edited or removed (a later stage follows it instead). Prisma's schema
-- language has no triggers; the diff check ignores them.
CREATE FUNCTION "cra_submission_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'cra_submission is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER "cra_submission_append_only"
  BEFORE UPDATE OR DELETE OR TRUNCATE ON "cra_submission"
  FOR EACH STATEMENT EXECUTE FUNCTION "cra_submission_append_only"();
