// Runs once before the e2e suites: migrates a template database that every
// test then copies, so each test gets a fresh, isolated, migrated database in
// milliseconds instead of migrating its own.
//   PGlite (default): a migrated in-memory instance dumped to a tarball.
//   PostgreSQL (DATABASE_URL set): a template database; tests CREATE DATABASE … TEMPLATE it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { applyMigrations, openAdapter } from '@psirt/db';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { adminUrl, databaseUrl } from './urls.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string;
    postgresTemplate: string | null;
  }
}

export default async function setup(project: TestProject) {
  const dir = mkdtempSync(path.join(tmpdir(), 'psirt-test-'));
  const pglite = await PGlite.create({ dataDir: 'memory://' });
  const adapter = await openAdapter({ kind: 'pglite', dataDir: 'memory://' }, { pglite });
  await applyMigrations(adapter);
  const dump = await pglite.dumpDataDir('none');
  const tarball = path.join(dir, 'template.tar');
  writeFileSync(tarball, Buffer.from(await dump.arrayBuffer()));
  await adapter.close();
  project.provide('pgliteTemplate', tarball);

  let template: string | null = null;
  const base = process.env.DATABASE_URL;
  if (base) {
    template = `psirt_template_${process.pid}`;
    const admin = new pg.Client({ connectionString: adminUrl(base) });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${template}"`);
    await admin.query(`CREATE DATABASE "${template}"`);
    const target = await openAdapter({ kind: 'postgres', url: databaseUrl(base, template) });
    await applyMigrations(target);
    await target.close();
    await admin.end();
  }
  project.provide('postgresTemplate', template);

  return async () => {
    rmSync(dir, { recursive: true, force: true });
    if (base && template) {
      const admin = new pg.Client({ connectionString: adminUrl(base) });
      await admin.connect();
      // Databases left by crashed tests of this run, then the template.
      const { rows } = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [
        `psirt_t${process.pid}_%`,
      ]);
      for (const r of rows) await admin.query(`DROP DATABASE IF EXISTS "${r.datname}" WITH (FORCE)`);
      await admin.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`);
      await admin.end();
    }
  };
}
