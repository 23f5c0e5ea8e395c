export type {
  Advisory,
  AdvisoryRevision,
  AnalysisCase,
  ComponentAssessment,
  Prisma,
  Score,
  TimelineEvent,
  VulnerabilityReport,
} from '../generated/client/client.ts';
export * from '../generated/client/enums.ts';
export { DatabaseUnavailable, type OpenAdapter, type OpenAdapterOptions, openAdapter } from './adapters.ts';
export {
  type AuditActorKind,
  type AuditBatcher,
  type AuditEntry,
  type AuditTransaction,
  type AuditVerification,
  appendAudit,
  appendAuditNow,
  createAuditBatcher,
  verifyAuditChain,
} from './audit.ts';
export { type Database, type Db, openDatabase, type Tx } from './client.ts';
export {
  type DatabaseConfig,
  databaseConfigFromEnv,
  dataDir,
  describeDatabase,
  redactUrl,
  repoRoot,
} from './config.ts';
export { allocatePublicId } from './ids.ts';
export {
  acquireDataDirLock,
  DataDirBusy,
  type DataDirLock,
  DataDirUnusable,
  ensurePrivateDir,
  holderAlive,
  LOCK_FILE,
  type LockHolder,
  liveHolder,
  lockFileFor,
  readLock,
} from './lock.ts';
export {
  applyMigrations,
  createMigration,
  MigrationError,
  type MigrationStatus,
  migrationNames,
  migrationStatus,
  migrationsDir,
  pendingSchemaChange,
} from './migrate.ts';
export { type DemoDataset, ensureDemoTokens, seedDemo } from './seed.ts';
export type { DB, Prepared, SqlReader } from './sql.ts';
export { hashToken, type IssuedToken, issueReporterToken, issueUserToken, looksLikeToken } from './tokens.ts';

import { Prisma as PrismaNamespace } from '../generated/client/client.ts';
/** SQL NULL for a nullable Json column (Prisma tells it apart from a JSON null). */
export const DbNull = PrismaNamespace.DbNull;
