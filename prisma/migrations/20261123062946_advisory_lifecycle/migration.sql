-- AlterTable
ALTER TABLE "advisory" ADD COLUMN     "created_by_id" UUID,
ADD COLUMN     "published_revision" INTEGER,
ADD COLUMN     "summary" TEXT,
ALTER COLUMN "current_revision" SET DEFAULT 0;

-- AddForeignKey
ALTER TABLE "advisory" ADD CONSTRAINT "advisory_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "user"("id") ON DELETE SET NULL ON UPDATE CASCADE;
