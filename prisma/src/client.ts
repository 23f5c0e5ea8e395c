import { PrismaClient } from '../generated/client/client.ts';
import { type OpenAdapter, type OpenAdapterOptions, openAdapter } from './adapters.ts';
import type { AuditTransaction } from './audit.ts';
import { type DatabaseConfig, databaseConfigFromEnv } from './config.ts';
import { openAuditTransactions, openPrepared, openSqlReader, type Prepared, type SqlReader } from './sql.ts';

export type Db = InstanceType<typeof PrismaClient>;
/** What a `db.$transaction(async (tx) => …)` callback receives. */
export type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

export interface Database {
  prisma: Db;
  /** Where the audit entries of reads are written: a connection of its own on PostgreSQL (sql.ts). */
  audit: AuditTransaction;
  /** Typed SQL for the hot read paths, on the same connections (sql.ts). */
  sql: SqlReader;
  /** One statement by name, prepared once per connection (the token check). */
  prepared: Prepared;
  adapter: OpenAdapter;
  config: DatabaseConfig;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** Called with every SQL statement (the tests count queries with it). */
  onQuery?: (sql: string) => void;
}

/** Opens the database named by the config (default: from the environment). */
export async function openDatabase(
  config: DatabaseConfig = databaseConfigFromEnv(),
  options: OpenDatabaseOptions & { adapter?: OpenAdapter; holder?: OpenAdapterOptions['holder'] } = {},
): Promise<Database> {
  const adapter = options.adapter ?? (await openAdapter(config, { holder: options.holder }));
  const prisma = new PrismaClient({
    adapter: adapter.factory,
    log: options.onQuery ? [{ emit: 'event', level: 'query' }] : [],
  });
  if (options.onQuery) {
    const onQuery = options.onQuery;
    (prisma as unknown as { $on(e: 'query', cb: (ev: { query: string }) => void): void }).$on('query', (ev) =>
      onQuery(ev.query),
    );
  }
  const connections = { pool: adapter.pool, pglite: adapter.statements };
  return {
    prisma,
    audit: openAuditTransactions({ ...connections, auditPool: adapter.auditPool }, options.onQuery),
    sql: openSqlReader(connections, options.onQuery),
    prepared: openPrepared(connections, options.onQuery),
    adapter,
    config,
    async close() {
      await prisma.$disconnect();
      await adapter.close();
    },
  };
}
