// The databases a benchmark runs on, each fresh: an in-memory PGlite, and a
// throwaway database on the PostgreSQL server (DATABASE_URL, or the local one).
import type { ChildProcess } from 'node:child_process';
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

/**
 * One API instance in its own process (support/live-bench-server.ts), on a
 * fresh database of the kind `only` names: its event loop and memory are its
 * own, not the load generator's. `ask` sends a message and waits for the reply
 * holding `key`; `stop` ends it and drops the database.
 */
export async function forkBenchServer<Ready>(
  only: string,
  config: Record<string, unknown>,
  /** onDisk: PGlite in a directory, as `npm start` runs it (default: in memory). */
  options: { onDisk?: boolean } = {},
): Promise<{
  child: ChildProcess;
  ready: Ready;
  ask<T>(message: string, key: string): Promise<T>;
  stop(): Promise<void>;
}> {
  const { fork } = await import('node:child_process');
  let database: DatabaseConfig = { kind: 'pglite', dataDir: 'memory://' };
  let drop = async () => {};
  if (only === 'postgres') {
    const pgdb = await throwawayPgDatabase();
    database = { kind: 'postgres', url: pgdb.url };
    drop = pgdb.drop;
  } else if (options.onDisk) {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dataDir = await mkdtemp(join(tmpdir(), 'psirt-bench-'));
    database = { kind: 'pglite', dataDir: join(dataDir, 'pglite') };
    drop = () => rm(dataDir, { recursive: true, force: true });
  }
  const child = fork(new URL('./live-bench-server.ts', import.meta.url), [], {
    // tsx from this package (the repository root does not depend on it).
    execArgv: ['--import', import.meta.resolve('tsx/esm')],
    env: { ...process.env, BENCH_SERVER: JSON.stringify({ ...config, database }) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<Ready>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bench server exited (${code})`)));
    child.on('message', (m: { ready?: Ready }) => m.ready && resolve(m.ready));
  });
  return {
    child,
    ready,
    ask: <T>(message: string, key: string) => {
      const answer = replyFrom<T>(child, key);
      child.send(message);
      return answer;
    },
    async stop() {
      child.send('stop');
      await new Promise((r) => child.once('exit', r));
      await drop();
    },
  };
}

/**
 * The value under `key` of the next message a benchmark's child process sends
 * with one (its answers are objects keyed by what was asked); rejected if the
 * child exits first.
 */
export function replyFrom<T>(child: ChildProcess, key: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`the benchmark's child process exited (${code})`));
    const onMessage = (m: Record<string, unknown>) => {
      if (typeof m === 'object' && m !== null && key in m) {
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(m[key] as T);
      }
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/**
 * A benchmark's load in a process of its own (a module of tests/support/): its
 * event loop is busy, the prober's must not be. Sends it `job` and resolves with
 * the `answers` it sends back when done.
 */
export async function runInOwnProcess<A>(module: URL, job: unknown): Promise<A> {
  const { fork } = await import('node:child_process');
  const child = fork(module, [], {
    execArgv: ['--import', import.meta.resolve('tsx/esm')],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const answers = new Promise<A>((resolve, reject) => {
    child.once('message', (m: { answers: A }) => resolve(m.answers));
    child.once('exit', (code) => reject(new Error(`${module.pathname} exited (${code})`)));
  });
  child.send(job as never);
  return answers;
}
