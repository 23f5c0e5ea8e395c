-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('ADMIN', 'ANALYST', 'PRODUCT_SECURITY_PRIME', 'PRODUCT_SECURITY_SPECIALIST', 'COMMITTEE_MEMBER', 'AUDITOR');

-- CreateEnum
CREATE TYPE "TokenSubject" AS ENUM ('USER', 'REPORTER');

-- CreateEnum
CREATE TYPE "ReporterKind" AS ENUM ('CUSTOMER', 'BUSINESS_PARTNER', 'RESEARCHER', 'CERT', 'EMPLOYEE', 'ANONYMOUS');

-- CreateEnum
CREATE TYPE "CreditPreference" AS ENUM ('NAME', 'ORGANIZATION', 'NAME_AND_ORGANIZATION', 'NONE');

-- CreateEnum
CREATE TYPE "ProductLineRole" AS ENUM ('PRIME', 'SPECIALIST');

-- CreateEnum
CREATE TYPE "IdKind" AS ENUM ('VSR', 'VAR', 'SA');

-- CreateEnum
CREATE TYPE "Channel" AS ENUM ('API', 'WEB_FORM', 'EMAIL', 'SLACK', 'PHONE');

-- CreateEnum
CREATE TYPE "TriageOutcome" AS ENUM ('ACCEPTED', 'DUPLICATE', 'OUT_OF_SCOPE', 'NOT_A_VULNERABILITY', 'LIVE_INCIDENT', 'INSUFFICIENT_INFORMATION');

-- CreateEnum
CREATE TYPE "CaseState" AS ENUM ('ANALYSIS', 'REMEDIATION', 'DISCLOSURE', 'CLOSED');

-- CreateEnum
CREATE TYPE "CaseMemberRole" AS ENUM ('PRIME', 'SPECIALIST', 'ANALYST', 'NEED_TO_KNOW');

-- CreateEnum
CREATE TYPE "ImpactStatus" AS ENUM ('UNDER_INVESTIGATION', 'AFFECTED', 'NOT_AFFECTED', 'FIXED');

-- CreateEnum
CREATE TYPE "VexJustification" AS ENUM ('COMPONENT_NOT_PRESENT', 'VULNERABLE_CODE_NOT_PRESENT', 'VULNERABLE_CODE_CANNOT_BE_CONTROLLED_BY_ADVERSARY', 'VULNERABLE_CODE_NOT_IN_EXECUTE_PATH', 'INLINE_MITIGATIONS_ALREADY_EXIST');

-- CreateEnum
CREATE TYPE "MitigationKind" AS ENUM ('CONFIGURATION', 'RESTRICTION', 'WORKAROUND', 'FIX');

-- CreateEnum
CREATE TYPE "CvssVersion" AS ENUM ('V2', 'V3_1', 'V4_0');

-- CreateEnum
CREATE TYPE "ScoreKind" AS ENUM ('REPORTER', 'VENDOR_BASE', 'AVSS', 'THIRD_PARTY');

-- CreateEnum
CREATE TYPE "Severity" AS ENUM ('NONE', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL');

-- CreateEnum
CREATE TYPE "MessageDirection" AS ENUM ('INBOUND', 'OUTBOUND');

-- CreateEnum
CREATE TYPE "MessageKind" AS ENUM ('ACKNOWLEDGEMENT', 'STATUS_UPDATE', 'REQUEST_FOR_INFORMATION', 'TRIAGE_OUTCOME', 'CONCLUSION', 'OTHER');

-- CreateEnum
CREATE TYPE "AdvisoryState" AS ENUM ('DRAFT', 'IN_REVIEW', 'APPROVED', 'PUBLISHED', 'WITHDRAWN', 'SUPERSEDED');

-- CreateEnum
CREATE TYPE "Tlp" AS ENUM ('CLEAR', 'GREEN', 'AMBER', 'AMBER_STRICT', 'RED');

-- CreateEnum
CREATE TYPE "PublicationBasis" AS ENUM ('FIXES_AVAILABLE', 'EXPLOITATION_OBSERVED', 'PUBLIC_INFORMATION', 'EXCEPTION');

-- CreateEnum
CREATE TYPE "VoteDecision" AS ENUM ('APPROVE', 'REJECT', 'ABSTAIN');

-- CreateEnum
CREATE TYPE "AssessmentState" AS ENUM ('IN_TRIAGE', 'EXPLOITABLE', 'NOT_AFFECTED', 'FALSE_POSITIVE', 'RESOLVED');

-- CreateEnum
CREATE TYPE "OutboxStatus" AS ENUM ('PENDING', 'SENT', 'FAILED');

-- CreateEnum
CREATE TYPE "ActorKind" AS ENUM ('USER', 'REPORTER', 'SYSTEM', 'ANONYMOUS');

-- CreateTable
CREATE TABLE "user" (
    "id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "roles" "Role"[],
    "slack_user_id" TEXT,
    "disabled_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "user_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_token" (
    "id" UUID NOT NULL,
    "subject" "TokenSubject" NOT NULL DEFAULT 'USER',
    "user_id" UUID,
    "reporter_id" UUID,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3),
    "last_used_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_token_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reporter" (
    "id" UUID NOT NULL,
    "kind" "ReporterKind" NOT NULL,
    "name" TEXT,
    "organization" TEXT,
    "email" TEXT,
    "phone" TEXT,
    "pgp_public_key" TEXT,
    "pgp_fingerprint" TEXT,
    "confidential" BOOLEAN NOT NULL DEFAULT false,
    "credit_preference" "CreditPreference" NOT NULL DEFAULT 'NONE',
    "credit_as" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "reporter_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "product_line" (
    "id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "product_line_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "product_line_member" (
    "product_line_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "role" "ProductLineRole" NOT NULL,

    CONSTRAINT "product_line_member_pkey" PRIMARY KEY ("product_line_id","user_id","role")
);

-- CreateTable
CREATE TABLE "product" (
    "id" UUID NOT NULL,
    "product_line_id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "cpe" TEXT,
    "purl" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "product_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "product_version" (
    "id" UUID NOT NULL,
    "product_id" UUID NOT NULL,
    "version" TEXT NOT NULL,
    "released_at" TIMESTAMPTZ(3),
    "end_of_support" TIMESTAMPTZ(3),

    CONSTRAINT "product_version_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "id_counter" (
    "kind" "IdKind" NOT NULL,
    "year" INTEGER NOT NULL,
    "last" INTEGER NOT NULL,

    CONSTRAINT "id_counter_pkey" PRIMARY KEY ("kind","year")
);

-- CreateTable
CREATE TABLE "vulnerability_report" (
    "id" UUID NOT NULL,
    "public_id" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "channel" "Channel" NOT NULL,
    "reporter_id" UUID,
    "reported_products" TEXT,
    "reporter_cvss_vector" TEXT,
    "idempotency_key" TEXT,
    "encrypted" BOOLEAN NOT NULL DEFAULT false,
    "signature_status" TEXT,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "acknowledged_at" TIMESTAMPTZ(3),
    "triage_outcome" "TriageOutcome",
    "triage_note" TEXT,
    "triaged_at" TIMESTAMPTZ(3),
    "triaged_by_id" UUID,
    "case_id" UUID,
    "duplicate_of_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "vulnerability_report_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "analysis_case" (
    "id" UUID NOT NULL,
    "public_id" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "summary" TEXT,
    "state" "CaseState" NOT NULL DEFAULT 'ANALYSIS',
    "embargo_until" TIMESTAMPTZ(3),
    "exploitation_observed" BOOLEAN NOT NULL DEFAULT false,
    "publicly_known" BOOLEAN NOT NULL DEFAULT false,
    "cve_ids" TEXT[],
    "cwe_ids" TEXT[],
    "next_update_due" TIMESTAMPTZ(3),
    "coordination" JSONB NOT NULL DEFAULT '{}',
    "created_by_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "closed_at" TIMESTAMPTZ(3),

    CONSTRAINT "analysis_case_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "case_member" (
    "case_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "role" "CaseMemberRole" NOT NULL,
    "added_by_id" UUID,
    "added_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "case_member_pkey" PRIMARY KEY ("case_id","user_id")
);

-- CreateTable
CREATE TABLE "product_impact" (
    "id" UUID NOT NULL,
    "case_id" UUID NOT NULL,
    "product_id" UUID NOT NULL,
    "status" "ImpactStatus" NOT NULL DEFAULT 'UNDER_INVESTIGATION',
    "justification" "VexJustification",
    "justification_text" TEXT,
    "affected_versions" TEXT,
    "fixed_version" TEXT,
    "fix_eta" TIMESTAMPTZ(3),
    "updated_by_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "product_impact_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "mitigation" (
    "id" UUID NOT NULL,
    "case_id" UUID NOT NULL,
    "product_id" UUID,
    "kind" "MitigationKind" NOT NULL,
    "description" TEXT NOT NULL,
    "fix_version" TEXT,
    "available_at" TIMESTAMPTZ(3),
    "created_by_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "mitigation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "score" (
    "id" UUID NOT NULL,
    "kind" "ScoreKind" NOT NULL,
    "version" "CvssVersion" NOT NULL,
    "vector" TEXT NOT NULL,
    "base_score" DECIMAL(3,1) NOT NULL,
    "temporal_score" DECIMAL(3,1),
    "environmental_score" DECIMAL(3,1),
    "score" DECIMAL(3,1) NOT NULL,
    "severity" "Severity" NOT NULL,
    "rationale" TEXT,
    "source" TEXT,
    "case_id" UUID,
    "product_id" UUID,
    "assessment_id" UUID,
    "created_by_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "score_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reporter_message" (
    "id" UUID NOT NULL,
    "reporter_id" UUID,
    "report_id" UUID,
    "case_id" UUID,
    "direction" "MessageDirection" NOT NULL,
    "kind" "MessageKind" NOT NULL DEFAULT 'OTHER',
    "subject" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "encrypted" BOOLEAN NOT NULL DEFAULT false,
    "signed" BOOLEAN NOT NULL DEFAULT false,
    "author_id" UUID,
    "outbox_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMPTZ(3),

    CONSTRAINT "reporter_message_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "timeline_event" (
    "id" UUID NOT NULL,
    "type" TEXT NOT NULL,
    "case_id" UUID,
    "report_id" UUID,
    "advisory_id" UUID,
    "actor_id" UUID,
    "data" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "timeline_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "advisory" (
    "id" UUID NOT NULL,
    "public_id" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "state" "AdvisoryState" NOT NULL DEFAULT 'DRAFT',
    "tlp" "Tlp" NOT NULL DEFAULT 'CLEAR',
    "current_revision" INTEGER NOT NULL DEFAULT 1,
    "publication_basis" "PublicationBasis",
    "basis_justification" TEXT,
    "early" BOOLEAN NOT NULL DEFAULT false,
    "scheduled_for" TIMESTAMPTZ(3),
    "published_at" TIMESTAMPTZ(3),
    "superseded_by_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "advisory_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "advisory_case" (
    "advisory_id" UUID NOT NULL,
    "case_id" UUID NOT NULL,

    CONSTRAINT "advisory_case_pkey" PRIMARY KEY ("advisory_id","case_id")
);

-- CreateTable
CREATE TABLE "advisory_revision" (
    "id" UUID NOT NULL,
    "advisory_id" UUID NOT NULL,
    "number" INTEGER NOT NULL,
    "content" JSONB NOT NULL,
    "changelog" TEXT NOT NULL,
    "created_by_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "advisory_revision_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "committee_vote" (
    "id" UUID NOT NULL,
    "revision_id" UUID NOT NULL,
    "voter_id" UUID NOT NULL,
    "decision" "VoteDecision" NOT NULL,
    "comment" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "committee_vote_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "mailing_list_subscriber" (
    "id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "filters" JSONB NOT NULL DEFAULT '{}',
    "pgp_public_key" TEXT,
    "confirm_token_hash" TEXT,
    "confirmed_at" TIMESTAMPTZ(3),
    "unsubscribed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "mailing_list_subscriber_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "component" (
    "id" UUID NOT NULL,
    "product_version_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "version" TEXT,
    "supplier" TEXT,
    "purl" TEXT,
    "cpe" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "component_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "third_party_vulnerability" (
    "id" UUID NOT NULL,
    "cve_id" TEXT NOT NULL,
    "description" TEXT,
    "published_at" TIMESTAMPTZ(3),
    "last_modified" TIMESTAMPTZ(3),
    "known_exploited" BOOLEAN NOT NULL DEFAULT false,
    "raw" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "third_party_vulnerability_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "component_assessment" (
    "id" UUID NOT NULL,
    "component_id" UUID NOT NULL,
    "vulnerability_id" UUID NOT NULL,
    "product_id" UUID NOT NULL,
    "state" "AssessmentState" NOT NULL DEFAULT 'IN_TRIAGE',
    "justification" "VexJustification",
    "rationale" TEXT,
    "case_id" UUID,
    "updated_by_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "component_assessment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "outbox_message" (
    "id" UUID NOT NULL,
    "topic" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "idempotency_key" TEXT,
    "status" "OutboxStatus" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMPTZ(3),

    CONSTRAINT "outbox_message_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_log" (
    "seq" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor_kind" "ActorKind" NOT NULL,
    "actor_id" TEXT,
    "action" TEXT NOT NULL,
    "subject_type" TEXT,
    "subject_id" TEXT,
    "data" JSONB NOT NULL DEFAULT '{}',
    "prev_hash" TEXT,
    "hash" TEXT NOT NULL,

    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("seq")
);

-- CreateIndex
CREATE UNIQUE INDEX "user_email_key" ON "user"("email");

-- CreateIndex
CREATE UNIQUE INDEX "user_slack_user_id_key" ON "user"("slack_user_id");

-- CreateIndex
CREATE UNIQUE INDEX "api_token_token_hash_key" ON "api_token"("token_hash");

-- CreateIndex
CREATE INDEX "api_token_user_id_idx" ON "api_token"("user_id");

-- CreateIndex
CREATE INDEX "api_token_reporter_id_idx" ON "api_token"("reporter_id");

-- CreateIndex
CREATE INDEX "reporter_email_idx" ON "reporter"("email");

-- CreateIndex
CREATE UNIQUE INDEX "product_line_key_key" ON "product_line"("key");

-- CreateIndex
CREATE INDEX "product_line_member_user_id_idx" ON "product_line_member"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "product_key_key" ON "product"("key");

-- CreateIndex
CREATE INDEX "product_product_line_id_idx" ON "product"("product_line_id");

-- CreateIndex
CREATE UNIQUE INDEX "product_version_product_id_version_key" ON "product_version"("product_id", "version");

-- CreateIndex
CREATE UNIQUE INDEX "vulnerability_report_public_id_key" ON "vulnerability_report"("public_id");

-- CreateIndex
CREATE UNIQUE INDEX "vulnerability_report_idempotency_key_key" ON "vulnerability_report"("idempotency_key");

-- CreateIndex
CREATE INDEX "vulnerability_report_triage_outcome_received_at_idx" ON "vulnerability_report"("triage_outcome", "received_at");

-- CreateIndex
CREATE INDEX "vulnerability_report_reporter_id_idx" ON "vulnerability_report"("reporter_id");

-- CreateIndex
CREATE INDEX "vulnerability_report_case_id_idx" ON "vulnerability_report"("case_id");

-- CreateIndex
CREATE UNIQUE INDEX "analysis_case_public_id_key" ON "analysis_case"("public_id");

-- CreateIndex
CREATE INDEX "analysis_case_state_idx" ON "analysis_case"("state");

-- CreateIndex
CREATE INDEX "case_member_user_id_idx" ON "case_member"("user_id");

-- CreateIndex
CREATE INDEX "product_impact_product_id_idx" ON "product_impact"("product_id");

-- CreateIndex
CREATE UNIQUE INDEX "product_impact_case_id_product_id_key" ON "product_impact"("case_id", "product_id");

-- CreateIndex
CREATE INDEX "mitigation_case_id_idx" ON "mitigation"("case_id");

-- CreateIndex
CREATE INDEX "score_case_id_product_id_created_at_idx" ON "score"("case_id", "product_id", "created_at");

-- CreateIndex
CREATE INDEX "score_assessment_id_idx" ON "score"("assessment_id");

-- CreateIndex
CREATE UNIQUE INDEX "reporter_message_outbox_id_key" ON "reporter_message"("outbox_id");

-- CreateIndex
CREATE INDEX "reporter_message_report_id_idx" ON "reporter_message"("report_id");

-- CreateIndex
CREATE INDEX "reporter_message_case_id_idx" ON "reporter_message"("case_id");

-- CreateIndex
CREATE INDEX "timeline_event_case_id_created_at_idx" ON "timeline_event"("case_id", "created_at");

-- CreateIndex
CREATE INDEX "timeline_event_report_id_created_at_idx" ON "timeline_event"("report_id", "created_at");

-- CreateIndex
CREATE INDEX "timeline_event_advisory_id_created_at_idx" ON "timeline_event"("advisory_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "advisory_public_id_key" ON "advisory"("public_id");

-- CreateIndex
CREATE INDEX "advisory_state_published_at_idx" ON "advisory"("state", "published_at");

-- CreateIndex
CREATE INDEX "advisory_case_case_id_idx" ON "advisory_case"("case_id");

-- CreateIndex
CREATE UNIQUE INDEX "advisory_revision_advisory_id_number_key" ON "advisory_revision"("advisory_id", "number");

-- CreateIndex
CREATE UNIQUE INDEX "committee_vote_revision_id_voter_id_key" ON "committee_vote"("revision_id", "voter_id");

-- CreateIndex
CREATE UNIQUE INDEX "mailing_list_subscriber_email_key" ON "mailing_list_subscriber"("email");

-- CreateIndex
CREATE UNIQUE INDEX "mailing_list_subscriber_confirm_token_hash_key" ON "mailing_list_subscriber"("confirm_token_hash");

-- CreateIndex
CREATE INDEX "component_product_version_id_idx" ON "component"("product_version_id");

-- CreateIndex
CREATE INDEX "component_purl_idx" ON "component"("purl");

-- CreateIndex
CREATE INDEX "component_cpe_idx" ON "component"("cpe");

-- CreateIndex
CREATE UNIQUE INDEX "third_party_vulnerability_cve_id_key" ON "third_party_vulnerability"("cve_id");

-- CreateIndex
CREATE INDEX "component_assessment_product_id_state_idx" ON "component_assessment"("product_id", "state");

-- CreateIndex
CREATE UNIQUE INDEX "component_assessment_component_id_vulnerability_id_key" ON "component_assessment"("component_id", "vulnerability_id");

-- CreateIndex
CREATE UNIQUE INDEX "outbox_message_idempotency_key_key" ON "outbox_message"("idempotency_key");

-- CreateIndex
CREATE INDEX "outbox_message_status_next_attempt_at_idx" ON "outbox_message"("status", "next_attempt_at");

-- CreateIndex
CREATE INDEX "audit_log_subject_type_subject_id_idx" ON "audit_log"("subject_type", "subject_id");

-- CreateIndex
CREATE INDEX "audit_log_actor_id_idx" ON "audit_log"("actor_id");

-- AddForeignKey
ALTER TABLE "api_token" ADD CONSTRAINT "api_token_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_token" ADD CONSTRAINT "api_token_reporter_id_fkey" FOREIGN KEY ("reporter_id") REFERENCES "reporter"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "product_line_member" ADD CONSTRAINT "product_line_member_product_line_id_fkey" FOREIGN KEY ("product_line_id") REFERENCES "product_line"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "product_line_member" ADD CONSTRAINT "product_line_member_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "product" ADD CONSTRAINT "product_product_line_id_fkey" FOREIGN KEY ("product_line_id") REFERENCES "product_line"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "product_version" ADD CONSTRAINT "product_version_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "product"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vulnerability_report" ADD CONSTRAINT "vulnerability_report_reporter_id_fkey" FOREIGN KEY ("reporter_id") REFERENCES "reporter"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vulnerability_report" ADD CONSTRAINT "vulnerability_report_triaged_by_id_fkey" FOREIGN KEY ("triaged_by_id") REFERENCES "user"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vulnerability_report" ADD CONSTRAINT "vulnerability_report_case_id_fkey" FOREIGN KEY ("case_id") REFERENCES "analysis_case"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vulnerability_report" ADD CONSTRAINT "vulnerability_report_duplicate_of_id_fkey" FOREIGN KEY ("duplicate_of_id") REFERENCES "vulnerability_report"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "analysis_case" ADD CONSTRAINT "analysis_case_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "user"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "case_member" ADD CONSTRAINT "case_member_case_id_fkey" FOREIGN KEY ("case_id") REFERENCES "analysis_case"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "case_member" ADD CONSTRAINT "case_member_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "case_member" ADD CONSTRAINT "case_member_added_by_id_fkey" FOREIGN KEY ("added_by_id") REFERENCES "user"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "product_impact" ADD CONSTRAINT "product_impact_case_id_fkey" FOREIGN KEY ("case_id") REFERENCES "analysis_case"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "product_impact" ADD CONSTRAINT "product_impact_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "product"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "product_impact" ADD CONSTRAINT "product_impact_updated_by_id_fkey" FOREIGN KEY ("updated_by_id") REFERENCES "user"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "mitigation" ADD CONSTRAINT "mitigation_case_id_fkey" FOREIGN KEY ("case_id") REFERENCES "analysis_case"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "mitigation" ADD CONSTRAINT "mitigation_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "product"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "mitigation" ADD CONSTRAINT "mitigation_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "user"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "score" ADD CONSTRAINT "score_case_id_fkey" FOREIGN KEY ("case_id") REFERENCES "analysis_case"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "score" ADD CONSTRAINT "score_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "product"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "score" ADD CONSTRAINT "score_assessment_id_fkey" FOREIGN KEY ("assessment_id") REFERENCES "component_assessment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "score" ADD CONSTRAINT "score_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "user"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reporter_message" ADD CONSTRAINT "reporter_message_reporter_id_fkey" FOREIGN KEY ("reporter_id") REFERENCES "reporter"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reporter_message" ADD CONSTRAINT "reporter_message_report_id_fkey" FOREIGN KEY ("report_id") REFERENCES "vulnerability_report"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reporter_message" ADD CONSTRAINT "reporter_message_case_id_fkey" FOREIGN KEY ("case_id") REFERENCES "analysis_case"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reporter_message" ADD CONSTRAINT "reporter_message_author_id_fkey" FOREIGN KEY ("author_id") REFERENCES "user"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reporter_message" ADD CONSTRAINT "reporter_message_outbox_id_fkey" FOREIGN KEY ("outbox_id") REFERENCES "outbox_message"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "timeline_event" ADD CONSTRAINT "timeline_event_case_id_fkey" FOREIGN KEY ("case_id") REFERENCES "analysis_case"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "timeline_event" ADD CONSTRAINT "timeline_event_report_id_fkey" FOREIGN KEY ("report_id") REFERENCES "vulnerability_report"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "timeline_event" ADD CONSTRAINT "timeline_event_advisory_id_fkey" FOREIGN KEY ("advisory_id") REFERENCES "advisory"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "timeline_event" ADD CONSTRAINT "timeline_event_actor_id_fkey" FOREIGN KEY ("actor_id") REFERENCES "user"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "advisory" ADD CONSTRAINT "advisory_superseded_by_id_fkey" FOREIGN KEY ("superseded_by_id") REFERENCES "advisory"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "advisory_case" ADD CONSTRAINT "advisory_case_advisory_id_fkey" FOREIGN KEY ("advisory_id") REFERENCES "advisory"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "advisory_case" ADD CONSTRAINT "advisory_case_case_id_fkey" FOREIGN KEY ("case_id") REFERENCES "analysis_case"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "advisory_revision" ADD CONSTRAINT "advisory_revision_advisory_id_fkey" FOREIGN KEY ("advisory_id") REFERENCES "advisory"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "advisory_revision" ADD CONSTRAINT "advisory_revision_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "user"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "committee_vote" ADD CONSTRAINT "committee_vote_revision_id_fkey" FOREIGN KEY ("revision_id") REFERENCES "advisory_revision"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "committee_vote" ADD CONSTRAINT "committee_vote_voter_id_fkey" FOREIGN KEY ("voter_id") REFERENCES "user"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "component" ADD CONSTRAINT "component_product_version_id_fkey" FOREIGN KEY ("product_version_id") REFERENCES "product_version"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "component_assessment" ADD CONSTRAINT "component_assessment_component_id_fkey" FOREIGN KEY ("component_id") REFERENCES "component"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "component_assessment" ADD CONSTRAINT "component_assessment_vulnerability_id_fkey" FOREIGN KEY ("vulnerability_id") REFERENCES "third_party_vulnerability"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "component_assessment" ADD CONSTRAINT "component_assessment_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "product"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "component_assessment" ADD CONSTRAINT "component_assessment_case_id_fkey" FOREIGN KEY ("case_id") REFERENCES "analysis_case"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "component_assessment" ADD CONSTRAINT "component_assessment_updated_by_id_fkey" FOREIGN KEY ("updated_by_id") REFERENCES "user"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- Hand-written: the audit log is append-only. Prisma has no schema syntax for
-- triggers, so this lives here (the diff check ignores triggers).
CREATE FUNCTION "audit_log_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER "audit_log_append_only"
  BEFORE UPDATE OR DELETE OR TRUNCATE ON "audit_log"
  FOR EACH STATEMENT EXECUTE FUNCTION "audit_log_append_only"();
