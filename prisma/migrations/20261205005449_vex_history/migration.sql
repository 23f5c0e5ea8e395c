-- CreateTable
CREATE TABLE "vex_document" (
    "id" UUID NOT NULL,
    "product_id" UUID NOT NULL,
    "format" TEXT NOT NULL,
    "tlp" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "content_digest" TEXT NOT NULL,
    "history" JSONB NOT NULL DEFAULT '[]',
    "serial" UUID NOT NULL,
    "document" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "vex_document_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "vex_document_product_id_format_tlp_key" ON "vex_document"("product_id", "format", "tlp");

-- AddForeignKey
ALTER TABLE "vex_document" ADD CONSTRAINT "vex_document_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "product"("id") ON DELETE CASCADE ON UPDATE CASCADE;
