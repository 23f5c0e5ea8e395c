import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { applyMigrations, migrationNames, migrationStatus, openDatabase, pendingSchemaChange } from '@psirt/db';
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
