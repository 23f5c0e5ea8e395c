// A fresh, migrated, isolated database for one test: PGlite in memory by
// default, a new PostgreSQL database when DATABASE_URL is set.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { type Database, type DatabaseConfig, openAdapter, openDatabase } from '@psirt/db';
import pg from 'pg';
import { inject } from 'vitest';
import { adminUrl, databaseUrl } from './urls.ts';

export const onPostgres = Boolean(process.env.DATABASE_URL);
export const dialect = onPostgres ? 'PostgreSQL' : 'PGlite';

export interface TestDatabase extends Database {
  /** SQL statements run through Prisma since the last reset. */
  queries: string[];
  [Symbol.asyncDispose](): Promise<void>;
}

let templateBytes: Buffer<ArrayBuffer> | undefined;

/** An empty database of the configured kind (not migrated) and how to drop it. */
export async function emptyDatabase(): Promise<{ config: DatabaseConfig; drop(): Promise<void> }> {
  const base = process.env.DATABASE_URL;
  if (!base) return { config: { kind: 'pglite', dataDir: 'memory://' }, drop: async () => {} };
  const name = `psirt_t${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin(`CREATE DATABASE "${name}"`);
  return {
    config: { kind: 'postgres', url: databaseUrl(base, name) },
    drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl(process.env.DATABASE_URL as string) });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * The same PostgreSQL database through connections of its own: what a second
 * API instance (another process) would have. Closing it leaves the database.
 */
export async function reopenDatabase(db: TestDatabase): Promise<TestDatabase> {
  if (db.config.kind !== 'postgres') throw new Error('reopenDatabase: PostgreSQL only (PGlite is one process)');
  const queries: string[] = [];
  const again = await openDatabase(db.config, { onQuery: (sql) => queries.push(sql) });
  return Object.assign(again, { queries, [Symbol.asyncDispose]: () => again.close() });
}

/** A migrated database, copied from the template made by global-setup. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const queries: string[] = [];
  const onQuery = (sql: string) => queries.push(sql);
  const base = process.env.DATABASE_URL;
  if (base) {
    const template = inject('postgresTemplate');
    if (!template) throw new Error('global-setup made no PostgreSQL template');
    const name = `psirt_t${process.pid}_${randomBytes(4).toString('hex')}`;
    await admin(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
    const db = await openDatabase({ kind: 'postgres', url: databaseUrl(base, name) }, { onQuery });
    return Object.assign(db, {
      queries,
      async [Symbol.asyncDispose]() {
        await db.close();
        await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      },
    });
  }
  templateBytes ??= readFileSync(inject('pgliteTemplate')) as Buffer<ArrayBuffer>;
  const pglite = await PGlite.create({ dataDir: 'memory://', loadDataDir: new Blob([templateBytes]) });
  const config: DatabaseConfig = { kind: 'pglite', dataDir: 'memory://' };
  const adapter = await openAdapter(config, { pglite });
  const db = await openDatabase(config, { onQuery, adapter });
  return Object.assign(db, {
    queries,
    async [Symbol.asyncDispose]() {
      await db.close();
    },
  });
}
