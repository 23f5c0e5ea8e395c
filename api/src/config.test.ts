import { describe, expect, it } from 'vitest';
import { ConfigError, configFromEnv } from './config.ts';

describe('configuration from the environment', () => {
  it('has defaults for everything: embedded PGlite under ./.data, port 4000, demo on', () => {
    const c = configFromEnv({});
    expect(c).toMatchObject({ port: 4000, host: '127.0.0.1', demo: true, graphiql: true, logLevel: 'info' });
    expect(c.database.kind).toBe('pglite');
    expect(c.dataDir).toMatch(/\.data$/);
  });

  it('reads PostgreSQL from DATABASE_URL and the data directory from PSIRT_DATA_DIR', () => {
    const c = configFromEnv({ DATABASE_URL: 'postgresql://u:secret@db:5432/psirt', PSIRT_DATA_DIR: '/srv/psirt' });
    expect(c.database).toEqual({ kind: 'postgres', url: 'postgresql://u:secret@db:5432/psirt' });
    expect(c.dataDir).toBe('/srv/psirt');
    expect(configFromEnv({ PSIRT_DATA_DIR: '/srv/psirt' }).database).toEqual({
      kind: 'pglite',
      dataDir: '/srv/psirt/pglite',
    });
  });

  it('reads the operation limits, CORS origins and introspection, with safe defaults', () => {
    const c = configFromEnv({});
    expect(c.corsOrigins).toEqual([]);
    // Anonymous introspection is off unless asked for (staff always have it).
    expect(c.introspection).toBe(false);
    expect(c.limits).toMatchObject({ aliases: 30, depth: 15, complexity: 50_000, bodyBytes: 1024 * 1024 });
    expect(configFromEnv({ NODE_ENV: 'production' }).introspection).toBe(false);
    expect(configFromEnv({ PSIRT_INTROSPECTION: 'on' }).introspection).toBe(true);
    expect(configFromEnv({ PSIRT_MAX_BODY_BYTES: '65536' }).limits.bodyBytes).toBe(65536);
    const set = configFromEnv({
      PSIRT_CORS_ORIGINS: 'https://dash.example.com/, http://localhost:5173',
      PSIRT_MAX_ALIASES: '5',
      PSIRT_QUERY_TIMEOUT_MS: '2000',
    });
    expect(set.corsOrigins).toEqual(['https://dash.example.com', 'http://localhost:5173']);
    expect(set.limits).toMatchObject({ aliases: 5, timeoutMs: 2000 });
    expect(() => configFromEnv({ PSIRT_CORS_ORIGINS: '*' })).toThrow(/PSIRT_CORS_ORIGINS/);
  });

  it('names each bad value and what is allowed, never echoing a password', () => {
    expect(() => configFromEnv({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => configFromEnv({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => configFromEnv({ PSIRT_DEMO: 'maybe' })).toThrow(/PSIRT_DEMO/);
    expect(() => configFromEnv({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
    expect(() => configFromEnv({ DATABASE_URL: 'mysql://root:hunter2@db/x' })).toThrow(/postgres:\/\//);
    expect(() => configFromEnv({ DATABASE_URL: 'mysql://root:hunter2@db/x' })).not.toThrow(/hunter2/);
  });

  it('understands the usual ways of saying yes and no', () => {
    expect(configFromEnv({ PSIRT_DEMO: '0' }).demo).toBe(false);
    expect(configFromEnv({ PSIRT_DEMO: 'false' }).demo).toBe(false);
    expect(configFromEnv({ PSIRT_GRAPHIQL: 'off' }).graphiql).toBe(false);
    expect(configFromEnv({ PSIRT_DEMO: 'yes' }).demo).toBe(true);
  });
});
