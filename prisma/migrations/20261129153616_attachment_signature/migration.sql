-- AlterTable
ALTER TABLE "attachment" ADD COLUMN     "signature_status" TEXT;
