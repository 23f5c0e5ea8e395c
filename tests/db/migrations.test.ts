import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  applyMigrations,
  migrationNames,
  migrationStatus,
  migrationsDir,
  openDatabase,
  pendingSchemaChange,
} from '@psirt/db';
import { describe, expect, it } from 'vitest';
import { dialect, emptyDatabase } from '../support/db.ts';

describe(`migrations (${dialect})`, () => {
  it('agree with schema.prisma: a schema change without its migration fails here', async () => {
    const missing = await pendingSchemaChange();
    expect(
      missing,
      `schema.prisma has changes with no migration; run npm run db:diff -- --name <name>:\n${missing}`,
    ).toBeNull();
  });

  it('detect a schema with no migration behind it', async () => {
    const none = mkdtempSync(path.join(tmpdir(), 'psirt-no-migrations-'));
    try {
      const sql = await pendingSchemaChange(none);
      expect(sql).toContain('CREATE TABLE "analysis_case"');
    } finally {
      rmSync(none, { recursive: true, force: true });
    }
  });

  it('apply to an empty database, once, and report it up to date', async () => {
    const empty = await emptyDatabase();
    const db = await openDatabase(empty.config);
    try {
      const before = await migrationStatus(db.adapter);
      expect(before.pending).toEqual(migrationNames());
      expect(before.upToDate).toBe(false);

      expect(await applyMigrations(db.adapter)).toEqual(migrationNames());
      expect(await applyMigrations(db.adapter)).toEqual([]);

      const after = await migrationStatus(db.adapter);
      expect(after).toMatchObject({ pending: [], failed: [], edited: [], unknown: [], upToDate: true });
      // Prisma's own history table, with names relative to prisma/migrations.
      const rows = await db.prisma.$queryRaw<
        { migration_name: string }[]
      >`SELECT migration_name FROM _prisma_migrations ORDER BY migration_name`;
      expect(rows.map((r) => r.migration_name)).toEqual(migrationNames());
    } finally {
      await db.close();
      await empty.drop();
    }
  });

  it("keep every stored mail's bytes when they move to pieces (mail_chunks)", async () => {
    const empty = await emptyDatabase();
    const db = await openDatabase(empty.config);
    const exec = async (sql: string) => {
      if (db.adapter.pglite) await db.adapter.pglite.exec(sql);
      else await db.adapter.pool?.query(sql);
    };
    try {
      const names = migrationNames();
      const at = names.findIndex((n) => n.endsWith('_mail_chunks'));
      for (const name of names.slice(0, at)) {
        await exec(readFileSync(path.join(migrationsDir, name, 'migration.sql'), 'utf8'));
      }
      await exec(`INSERT INTO inbound_mail (id, message_key, raw, size, via)
        VALUES ('01900000-0000-7000-8000-00000000000a', '<a@example.org>', '\\x0d0a2e0d0a'::bytea, 5, 'SMTP')`);
      await exec(readFileSync(path.join(migrationsDir, names[at] as string, 'migration.sql'), 'utf8'));
      const pieces = await db.prisma.$queryRaw<
        { mail_id: string; seq: number; hex: string }[]
      >`SELECT mail_id::text, seq, encode(bytes, 'hex') AS hex FROM inbound_mail_chunk`;
      expect(pieces).toEqual([{ mail_id: '01900000-0000-7000-8000-00000000000a', seq: 0, hex: '0d0a2e0d0a' }]);
    } finally {
      await db.close();
      await empty.drop();
    }
  });

  it('keep the audit log append-only', async () => {
    const empty = await emptyDatabase();
    const db = await openDatabase(empty.config);
    try {
      await applyMigrations(db.adapter);
      await db.prisma.auditLog.create({ data: { actorKind: 'SYSTEM', action: 'test.append', hash: 'h1' } });
      await expect(db.prisma.auditLog.updateMany({ data: { action: 'tampered' } })).rejects.toThrow(/append-only/);
      await expect(db.prisma.auditLog.deleteMany({})).rejects.toThrow(/append-only/);
      expect(await db.prisma.auditLog.count()).toBe(1);
    } finally {
      await db.close();
      await empty.drop();
    }
  });
});
