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
        const name = `psirt_bench_${randomBytes(4).toString('hex')}`;
        await pgAdmin(`CREATE DATABASE "${name}"`);
        const url = new URL(pgBase);
        url.pathname = `/${name}`;
        const config: DatabaseConfig = { kind: 'postgres', url: url.toString() };
        const db = await openDatabase(config, options);
        return {
          db,
          drop: async () => {
            await db.close();
            await pgAdmin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
          },
        };
      },
    },
  ].filter((t) => !only || t.name.toLowerCase().startsWith(only.toLowerCase()));
}
