// The databases a benchmark runs on, each fresh: an in-memory PGlite, and a
// throwaway database on the PostgreSQL server (DATABASE_URL, or the local one).
import { randomBytes } from 'node:crypto';
import { type Database, type DatabaseConfig, openDatabase } from '@psirt/db';
import pg from 'pg';

export interface Target {
  name: string;
  open(): Promise<{ db: Database; drop(): Promise<void> }>;
}

const pgBase = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

async function pgAdmin(sql: string) {
  const c = new pg.Client({ connectionString: pgBase });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** PGlite and PostgreSQL, or the one whose name starts with `only`. */
export function benchTargets(only?: string, onQuery?: (sql: string) => void): Target[] {
  const options = onQuery ? { onQuery } : undefined;
  return [
    {
      name: 'PGlite',
      async open() {
        const db = await openDatabase({ kind: 'pglite', dataDir: 'memory://' }, options);
        return { db, drop: async () => {} };
      },
    },
    {
      name: 'PostgreSQL',
      async open() {
        const database = await throwawayPgDatabase();
        const config: DatabaseConfig = { kind: 'postgres', url: database.url };
        const db = await openDatabase(config, options);
        return {
          db,
          drop: async () => {
            await db.close();
            await database.drop();
          },
        };
      },
    },
  ].filter((t) => !only || t.name.toLowerCase().startsWith(only.toLowerCase()));
}

/** A new, empty database on the PostgreSQL server (for processes that open it themselves), and how to drop it. */
export async function throwawayPgDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `psirt_bench_${randomBytes(4).toString('hex')}`;
  await pgAdmin(`CREATE DATABASE "${name}"`);
  const url = new URL(pgBase);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => pgAdmin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}
