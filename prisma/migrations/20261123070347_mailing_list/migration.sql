-- The subscriber table is empty wherever this runs: nothing could subscribe before it,
-- so the NOT NULL unsubscribe token needs no default.

-- AlterTable
ALTER TABLE "mailing_list_subscriber" ADD COLUMN     "confirm_sent_at" TIMESTAMPTZ(3),
ADD COLUMN     "pending_filters" JSONB,
ADD COLUMN     "unsubscribe_token" TEXT NOT NULL;

-- CreateIndex
CREATE UNIQUE INDEX "mailing_list_subscriber_unsubscribe_token_key" ON "mailing_list_subscriber"("unsubscribe_token");
