// Migrations without Prisma's native engines: Prisma's own schema engine,
// compiled to Wasm (@prisma/schema-engine-wasm), driven through the same driver
// adapter the application uses. It keeps Prisma's `_prisma_migrations` table,
// so the history is the one `prisma migrate deploy` would keep.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SchemaEngine } from '@prisma/schema-engine-wasm';
import pg from 'pg';
import { migrationAdapterFactory, type OpenAdapter, openAdapter } from './adapters.ts';

const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const schemaPath = path.join(pkgDir, 'schema.prisma');
export const migrationsDir = path.join(pkgDir, 'migrations');
const filters = { externalTables: [], externalEnums: [] };

type EngineModule = typeof import('@prisma/schema-engine-wasm');
let engineModule: Promise<EngineModule> | undefined;

/**
 * The package is built for bundlers (`import * as wasm from "./x.wasm"`), which
 * Node cannot do: instantiate the Wasm module ourselves with the JS glue as its
 * import object, then hand the instance to the glue. Done once per process.
 */
function loadEngineModule(): Promise<EngineModule> {
  engineModule ??= (async () => {
    // createRequire rather than import.meta.resolve: the latter is missing in vitest's module runner.
    const gluePath = createRequire(import.meta.url).resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const glueUrl = pathToFileURL(gluePath).href;
    const glue = (await import(glueUrl)) as EngineModule & {
      __wbg_set_wasm(exports: WebAssembly.Exports): void;
    };
    const bytes = readFileSync(new URL('./schema_engine_bg.wasm', glueUrl));
    const { instance } = await WebAssembly.instantiate(bytes, { './schema_engine_bg.js': glue as never });
    glue.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as (() => void) | undefined)?.();
    return glue;
  })();
  return engineModule;
}

function readSchema() {
  return { path: schemaPath, content: readFileSync(schemaPath, 'utf8') };
}

/** The migrations directory as the engine wants it, read from disk. */
export function migrationList(dir = migrationsDir) {
  // Paths relative to baseDir, as Prisma's CLI gives them: the directory name is
  // what `_prisma_migrations.migration_name` records.
  const lockPath = path.join(dir, 'migration_lock.toml');
  const names = existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true })
        .filter((d) => d.isDirectory() && existsSync(path.join(dir, d.name, 'migration.sql')))
        .map((d) => d.name)
        .sort()
    : [];
  return {
    baseDir: dir,
    lockfile: { path: 'migration_lock.toml', content: existsSync(lockPath) ? readFileSync(lockPath, 'utf8') : null },
    shadowDbInitScript: '',
    migrationDirectories: names.map((name) => ({
      path: name,
      migrationFile: {
        path: 'migration.sql',
        content: { tag: 'ok' as const, value: readFileSync(path.join(dir, name, 'migration.sql'), 'utf8') },
      },
    })),
  };
}

/** Names of the migrations on disk, in order. */
export function migrationNames(dir = migrationsDir): string[] {
  return migrationList(dir).migrationDirectories.map((d) => d.path);
}

async function withEngine<T>(adapter: OpenAdapter, fn: (engine: SchemaEngine) => Promise<T>): Promise<T> {
  const mod = await loadEngineModule();
  const schema = readSchema();
  // On PostgreSQL the engine gets a pool of its own, ended afterwards: it takes
  // Prisma's session-level advisory lock and leaves it held on the connection,
  // which in the application's pool would block the next instance's run.
  const own =
    adapter.config.kind === 'postgres' ? new pg.Pool({ connectionString: adapter.config.url, max: 2 }) : undefined;
  const factory = own ? new PrismaPg(own) : adapter.factory;
  const bound = bindMigrationAwareSqlAdapterFactory(migrationAdapterFactory(factory));
  const logs: string[] = [];
  const engine = await mod.SchemaEngine.new(
    { datamodels: [[schema.path, schema.content]] },
    (line: string) => logs.push(line),
    bound,
  );
  try {
    return await fn(engine);
  } catch (error) {
    throw new MigrationError(describeEngineError(error), { cause: error });
  } finally {
    engine.free();
    await own?.end();
  }
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

function describeEngineError(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: unknown }).cause;
    const detail = cause instanceof Error ? `: ${cause.message}` : '';
    return `${error.message}${detail}`;
  }
  return String(error);
}

/**
 * Serialises migration runs across processes on PostgreSQL (several API
 * instances starting together): a session-level advisory lock held around the
 * engine. The engine takes Prisma's own lock (72707369) too, but gives up after
 * 10 s; ours, on another key, waits as long as the first instance needs.
 * PGlite is single-process by construction.
 */
const MIGRATION_LOCK = 0x70_73_69_72; // "psir"
async function withMigrationLock<T>(adapter: OpenAdapter, fn: () => Promise<T>): Promise<T> {
  if (!adapter.pool) return fn();
  const client = await adapter.pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    return await fn();
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
    client.release();
  }
}

/** Applies pending migrations. Idempotent; returns the names it applied. */
export async function applyMigrations(adapter: OpenAdapter): Promise<string[]> {
  return withMigrationLock(adapter, () =>
    withEngine(adapter, async (engine) => {
      const out = await engine.applyMigrations({ migrationsList: migrationList(), filters });
      return out.appliedMigrationNames;
    }),
  );
}

export interface MigrationStatus {
  /** On disk, in order. */
  migrations: string[];
  /** On disk but not applied to this database. */
  pending: string[];
  /** Started but never finished (a failed migration). */
  failed: string[];
  /** Applied, but the file on disk changed since. */
  edited: string[];
  /** Applied to the database but missing on disk (from a newer version?). */
  unknown: string[];
  upToDate: boolean;
}

/** What is applied, pending, failed or edited — read only, no shadow database. */
export async function migrationStatus(adapter: OpenAdapter): Promise<MigrationStatus> {
  return withEngine(adapter, async (engine) => {
    const out = await engine.diagnoseMigrationHistory({
      migrationsList: migrationList(),
      optInToShadowDatabase: false,
      filters,
    });
    const migrations = migrationNames();
    const history = out.history;
    let pending: string[] = [];
    let unknown: string[] = [];
    if (history?.diagnostic === 'databaseIsBehind') pending = history.unappliedMigrationNames;
    if (history?.diagnostic === 'migrationsDirectoryIsBehind') unknown = history.unpersistedMigrationNames;
    if (history?.diagnostic === 'historiesDiverge') {
      pending = history.unappliedMigrationNames;
      unknown = history.unpersistedMigrationNames;
    }
    if (!out.hasMigrationsTable) pending = migrations;
    const failed = out.failedMigrationNames;
    const edited = out.editedMigrationNames;
    return {
      migrations,
      pending,
      failed,
      edited,
      unknown,
      upToDate: pending.length + failed.length + edited.length + unknown.length === 0,
    };
  });
}

/**
 * The SQL that would bring the migrations directory level with schema.prisma,
 * or null when they agree. Always computed against a throwaway in-memory PGlite
 * (its shadow database is another in-memory PGlite), whatever the target
 * database: nothing to install, nothing touched.
 */
export async function pendingSchemaChange(dir = migrationsDir): Promise<string | null> {
  const { PGlite } = await import('@electric-sql/pglite');
  const pglite = await PGlite.create({ dataDir: 'memory://' });
  const adapter = await openAdapter({ kind: 'pglite', dataDir: 'memory://' }, { pglite });
  try {
    return await withEngine(adapter, async (engine) => {
      const schema = readSchema();
      const list = migrationList(dir);
      const out = await engine.diff({
        from: list.migrationDirectories.length ? { tag: 'migrations', ...list } : { tag: 'empty' },
        to: { tag: 'schemaDatamodel', files: [schema] },
        script: true,
        exitCode: true,
        filters,
      });
      return out.exitCode === 2 ? (out.stdout ?? '') : null;
    });
  } finally {
    await adapter.close();
  }
}

/** Writes `migrations/<timestamp>_<name>/migration.sql`; null when nothing changed. */
export async function createMigration(name: string, now = new Date()): Promise<string | null> {
  if (!/^[a-z0-9][a-z0-9_]*$/.test(name)) {
    throw new MigrationError(`migration name "${name}" must be lower-case letters, digits and underscores`);
  }
  const sql = await pendingSchemaChange();
  if (sql === null) return null;
  const stamp = now.toISOString().replace(/\D/g, '').slice(0, 14);
  const dir = path.join(migrationsDir, `${stamp}_${name}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'migration.sql'), sql);
  // The engine reads the connector from this file, as `prisma migrate` does.
  const lock = path.join(migrationsDir, 'migration_lock.toml');
  if (!existsSync(lock)) {
    writeFileSync(
      lock,
      '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n',
    );
  }
  return dir;
}
