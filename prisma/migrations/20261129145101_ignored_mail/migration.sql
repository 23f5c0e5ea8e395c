-- AlterEnum
ALTER TYPE "InboundMailStatus" ADD VALUE 'IGNORED';
