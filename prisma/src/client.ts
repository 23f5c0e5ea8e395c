import { PrismaClient } from '../generated/client/client.ts';
import { type OpenAdapter, type OpenAdapterOptions, openAdapter } from './adapters.ts';
import { type DatabaseConfig, databaseConfigFromEnv } from './config.ts';

export type Db = InstanceType<typeof PrismaClient>;
/** What a `db.$transaction(async (tx) => …)` callback receives. */
export type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

export interface Database {
  prisma: Db;
  /** Where the audit entries of reads are written: a connection of its own on PostgreSQL, `prisma` on PGlite. */
  audit: Db;
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
  const client = (factory: OpenAdapter['factory']) => {
    const c = new PrismaClient({ adapter: factory, log: options.onQuery ? [{ emit: 'event', level: 'query' }] : [] });
    if (options.onQuery) {
      const onQuery = options.onQuery;
      (c as unknown as { $on(e: 'query', cb: (ev: { query: string }) => void): void }).$on('query', (ev) =>
        onQuery(ev.query),
      );
    }
    return c;
  };
  const prisma = client(adapter.factory);
  const audit = adapter.auditFactory ? client(adapter.auditFactory) : prisma;
  return {
    prisma,
    audit,
    adapter,
    config,
    async close() {
      await prisma.$disconnect();
      if (audit !== prisma) await audit.$disconnect();
      await adapter.close();
    },
  };
}
