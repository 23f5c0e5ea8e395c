import { describe, expect, it } from 'vitest';
import { databaseConfigFromEnv, describeDatabase, redactUrl } from './config.ts';

describe('database configuration', () => {
  it('is PGlite under the data directory unless DATABASE_URL is set', () => {
    expect(databaseConfigFromEnv({ PSIRT_DATA_DIR: '/var/lib/psirt' })).toEqual({
      kind: 'pglite',
      dataDir: '/var/lib/psirt/pglite',
    });
    expect(databaseConfigFromEnv({ DATABASE_URL: ' postgres://db/psirt ' })).toEqual({
      kind: 'postgres',
      url: 'postgres://db/psirt',
    });
  });

  it('never shows a password', () => {
    expect(redactUrl('postgresql://psirt:s3cret@db:5432/psirt')).toBe('postgresql://psirt:***@db:5432/psirt');
    expect(describeDatabase({ kind: 'postgres', url: 'postgresql://psirt:s3cret@db/psirt' })).not.toContain('s3cret');
    expect(() => databaseConfigFromEnv({ DATABASE_URL: 'mysql://root:s3cret@db/x' })).toThrow(
      'DATABASE_URL must be a postgres:// or postgresql:// URL (got "mysql://root:***@db/x")',
    );
  });
});
