-- AlterTable
ALTER TABLE "third_party_vulnerability" ADD COLUMN     "advisories" JSONB NOT NULL DEFAULT '[]';
