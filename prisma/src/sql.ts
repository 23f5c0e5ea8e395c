// SQL for the read paths that Prisma's client makes slow, on the connections
// Prisma uses: the same pg.Pool, the same PGlite instance (through the same
// yielding wrapper, so a request's statements still let other requests in
// between). Three parts: the typed reader (Kysely, with table and column types
// generated from schema.prisma by prisma-kysely) for the case list and what
// hangs off it; named prepared statements (the token check on every request);
// the audit writer's transactions. Prisma stays for writes and migrations.
import type { PGlite } from '@electric-sql/pglite';
import { CamelCasePlugin, type Dialect, Kysely, PostgresDialect } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import type pg from 'pg';
import type { DB } from '../generated/kysely/types.ts';
import type { AuditTransaction } from './audit.ts';

export type { DB } from '../generated/kysely/types.ts';

/**
 * Reads only. A transaction through Kysely would be wrong on PGlite, whose one
 * connection Prisma's transactions share (a `BEGIN` sent there would take in
 * every other request's statements): writes go through Prisma.
 */
export type SqlReader = Omit<Kysely<DB>, 'transaction' | 'startTransaction' | 'connection' | 'destroy'>;

/** Runs one statement by name: prepared once per connection on PostgreSQL (the token check). */
export type Prepared = <Row>(name: string, text: string, values: unknown[]) => Promise<Row[]>;

export interface SqlConnections {
  pool?: pg.Pool;
  /** The PGlite handle the Prisma adapter uses (the yielding one). */
  pglite?: PGlite;
}

export function openSqlReader(on: SqlConnections, onQuery?: (sql: string) => void): SqlReader {
  let dialect: Dialect;
  if (on.pool) dialect = new PostgresDialect({ pool: on.pool });
  else if (on.pglite) dialect = new PGliteDialect(on.pglite);
  else throw new Error('openSqlReader: neither a pg pool nor a PGlite handle');
  return new Kysely<DB>({
    dialect,
    // JSON columns keep their own keys: only column names are camelCased.
    plugins: [new CamelCasePlugin({ maintainNestedObjectKeys: true })],
    ...(onQuery
      ? {
          log: (e) => {
            if (e.level === 'query') onQuery(e.query.sql);
          },
        }
      : {}),
  });
}

/**
 * Transactions for the audit entries of reads: on PostgreSQL on a pool of its
 * own (one connection, never starved by the reads that wait for it), on PGlite
 * through its own transaction lock (one connection for everything).
 */
export function openAuditTransactions(
  on: SqlConnections & { auditPool?: pg.Pool },
  onQuery?: (sql: string) => void,
): AuditTransaction {
  const { auditPool, pglite } = on;
  if (auditPool) {
    return async (work) => {
      const client = await auditPool.connect();
      try {
        await client.query('BEGIN');
        const result = await work(async (text, values) => {
          onQuery?.(text);
          return (await client.query(text, values)).rows;
        });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    };
  }
  if (pglite) {
    return (work) =>
      pglite.transaction((tx) =>
        work(async <R>(text: string, values?: unknown[]) => {
          onQuery?.(text);
          return (await tx.query<R>(text, values)).rows;
        }),
      );
  }
  throw new Error('openAuditTransactions: neither a pg pool nor a PGlite handle');
}

export function openPrepared(on: SqlConnections, onQuery?: (sql: string) => void): Prepared {
  const { pool, pglite } = on;
  if (pool) {
    return async <Row>(name: string, text: string, values: unknown[]) => {
      const r = await pool.query({ name, text, values });
      onQuery?.(text);
      return r.rows as Row[];
    };
  }
  if (pglite) {
    return async <Row>(_name: string, text: string, values: unknown[]) => {
      const r = await pglite.query<Row>(text, values);
      onQuery?.(text);
      return r.rows;
    };
  }
  throw new Error('openPrepared: neither a pg pool nor a PGlite handle');
}
