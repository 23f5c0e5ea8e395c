import type { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import pg from 'pg';
import type { DatabaseConfig } from './config.ts';
import { acquireDataDirLock, type DataDirLock, ensurePrivateDir, type LockHolder } from './lock.ts';

/** The driver adapter for a database, plus what it takes to close it. */
export interface OpenAdapter {
  config: DatabaseConfig;
  factory: SqlMigrationAwareDriverAdapterFactory;
  /** A PGlite handle (embedded) — for raw access in tools and tests. */
  pglite?: PGlite;
  /**
   * The same PGlite as the application's statements reach it: each starts on a
   * later turn of the event loop (`yielding`). Prisma's adapter and the typed
   * SQL reader (sql.ts) share it.
   */
  statements?: PGlite;
  /** A pg pool (PostgreSQL) — for raw access in tools and tests. */
  pool?: pg.Pool;
  /**
   * On PostgreSQL, a connection of its own for the audit entries of reads
   * (createAuditBatcher): under read load every pooled connection can be busy
   * for seconds, and a read of confidential data waits for its audit entry.
   */
  auditPool?: pg.Pool;
  /** The data directory's lock (PGlite in a directory): this process is its one writer. */
  lock?: DataDirLock;
  close(): Promise<void>;
}

export interface OpenAdapterOptions {
  pglite?: PGlite;
  /** Who opens an embedded database, for the lock file (default: a CLI command). */
  holder?: Pick<LockHolder, 'kind' | 'command'>;
}

export async function openAdapter(config: DatabaseConfig, opts: OpenAdapterOptions = {}): Promise<OpenAdapter> {
  if (config.kind === 'postgres') {
    const pool = new pg.Pool({
      connectionString: config.url,
      max: Number(process.env.PSIRT_DB_POOL_SIZE ?? 10),
      // A host that drops packets must not hang a start or a command forever.
      connectionTimeoutMillis: 15_000,
    });
    // An idle connection that the server drops (restart, failover, terminated
    // backend) is reported on the pool; without a listener Node would crash.
    // The pool discards that client and the next query opens a new one.
    pool.on('error', () => {});
    await probe(pool, config.url);
    const factory = new PrismaPg(pool);
    const auditPool = new pg.Pool({ connectionString: config.url, max: 1, connectionTimeoutMillis: 15_000 });
    auditPool.on('error', () => {});
    return {
      config,
      factory,
      pool,
      auditPool,
      close: async () => {
        await Promise.all([pool.end(), auditPool.end()]);
      },
    };
  }
  let db = opts.pglite;
  let lock: DataDirLock | undefined;
  if (!db) {
    if (!config.dataDir.startsWith('memory://')) {
      // Before PGlite touches the directory: one writer, or none (throws DataDirBusy).
      lock = acquireDataDirLock(config.dataDir, opts.holder ?? { kind: 'cli', command: 'a psirt command' });
      try {
        ensurePrivateDir(config.dataDir, { tighten: true });
      } catch (error) {
        lock.release();
        throw error;
      }
    }
    try {
      // Loaded only for the embedded database: on PostgreSQL its ~40 MB are not needed.
      const { PGlite } = await import('@electric-sql/pglite');
      db = await PGlite.create({ dataDir: config.dataDir });
    } catch (error) {
      lock?.release();
      throw error;
    }
  }
  const pglite = db;
  const statements = yielding(pglite);
  const { PrismaPGlite } = await import('pglite-prisma-adapter');
  return {
    config,
    factory: new PrismaPGlite(statements),
    pglite,
    statements,
    lock,
    close: async () => {
      try {
        await pglite.close();
      } finally {
        lock?.release();
      }
    },
  };
}

/** The database named by DATABASE_URL cannot be reached or used. */
export class DatabaseUnavailable extends Error {
  override name = 'DatabaseUnavailable';
}

/**
 * One connection before anything else, so that a wrong DATABASE_URL is told
 * in a sentence (what is wrong, what to do) rather than as a driver's stack
 * from somewhere in the migrations.
 */
async function probe(pool: pg.Pool, url: string): Promise<void> {
  let target = '(unparseable URL)';
  let database = '';
  let user = '';
  try {
    const u = new URL(url);
    target = `${u.hostname || 'localhost'}:${u.port || 5432}`;
    user = decodeURIComponent(u.username);
    database = decodeURIComponent(u.pathname.slice(1)) || user;
  } catch {}
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => {});
    const e = error as NodeJS.ErrnoException & { code?: string };
    const why: Record<string, string> = {
      '3D000': `the database "${database}" does not exist on ${target}: create it (createdb ${database}) or name another in DATABASE_URL`,
      '28P01': `PostgreSQL at ${target} refused the password of "${user}": check the user and password in DATABASE_URL`,
      '28000': `PostgreSQL at ${target} refused the login of "${user}": check the user in DATABASE_URL and pg_hba.conf`,
      ECONNREFUSED: `nothing answers at ${target}: is PostgreSQL running there? (or unset DATABASE_URL to use the embedded database)`,
      ENOTFOUND: `no such host in DATABASE_URL (${target})`,
      ETIMEDOUT: `${target} does not answer (timed out): check the host and port in DATABASE_URL`,
    };
    throw new DatabaseUnavailable(
      `DATABASE_URL: ${(e.code && why[e.code]) ?? `cannot connect to ${target}: ${e.message}`}`,
    );
  }
}

type ScriptRunner = { executeScript(script: string): Promise<void> };
type Internals = {
  client: { query?(sql: string): Promise<unknown>; exec?(sql: string): Promise<unknown> };
  onError(e: unknown): never;
};

/**
 * Migration scripts must run whole. Written by hand because both adapters get
 * `executeScript` wrong for migrations: @prisma/adapter-pg splits the script on
 * every ";" (breaking function bodies and string literals), and
 * pglite-prisma-adapter does not await `exec`, so failures surface as
 * unhandled rejections and the engine moves on before the SQL ran. Sent whole
 * as one simple-protocol query, PostgreSQL runs a multi-statement script in one
 * implicit transaction: a failing migration leaves nothing half-applied.
 */
function wholeScript<A extends SqlDriverAdapter>(adapter: A): A {
  const inner = adapter as unknown as Internals & ScriptRunner;
  inner.executeScript = async (script: string) => {
    try {
      if (inner.client.exec) await inner.client.exec(script);
      else await inner.client.query?.(script);
    } catch (error) {
      inner.onError(error);
    }
  };
  return adapter;
}

/** The adapter factory the schema engine needs (migration-aware, whole scripts). */
export function migrationAdapterFactory(
  factory: SqlMigrationAwareDriverAdapterFactory,
): SqlMigrationAwareDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => wholeScript(await factory.connect()),
    connectToShadowDb: async () => wholeScript(await factory.connectToShadowDb()),
  };
}

/**
 * PGlite as Prisma's adapter sees it, each statement starting on a later turn
 * of the event loop. PGlite runs statements synchronously in this thread, and
 * a request's statements chain as promises that never give the loop back:
 * a GraphQL request on the embedded database held off every other request
 * (a Slack ack, /healthz) until it finished. Starting each statement with
 * setImmediate lets waiting connections in between: fifty concurrent Slack
 * commands' acks went from p99 ~150 ms to ~90 ms, the dashboard's p99 under
 * load from 4.8 s to 2.7 s at the same throughput (`npm run bench -- slack`,
 * `-- api --only pglite`). Statements inside a transaction are not delayed.
 */
function yielding(db: PGlite): PGlite {
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'query') {
        return async (...args: Parameters<PGlite['query']>) => {
          await new Promise((r) => setImmediate(r));
          return target.query(...args);
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
