import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the database lives: embedded PGlite (default) or a PostgreSQL server. */
export type DatabaseConfig =
  | { kind: 'pglite' /** a directory, or "memory://" for a throwaway database */; dataDir: string }
  | { kind: 'postgres'; url: string };

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The default data directory: `./.data` at the repository root, or PSIRT_DATA_DIR. */
export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.PSIRT_DATA_DIR ?? path.join(repoRoot, '.data'));
}

/** DATABASE_URL selects PostgreSQL; otherwise PGlite under the data directory. */
export function databaseConfigFromEnv(env: NodeJS.ProcessEnv = process.env): DatabaseConfig {
  const url = env.DATABASE_URL?.trim();
  if (url) {
    if (!/^postgres(ql)?:\/\//.test(url)) {
      throw new Error(`DATABASE_URL must be a postgres:// or postgresql:// URL (got "${redactUrl(url)}")`);
    }
    return { kind: 'postgres', url };
  }
  return { kind: 'pglite', dataDir: path.join(dataDir(env), 'pglite') };
}

/** A connection string fit for logs: no password. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

export function describeDatabase(config: DatabaseConfig): string {
  return config.kind === 'postgres' ? `PostgreSQL ${redactUrl(config.url)}` : `PGlite ${config.dataDir}`;
}
