import { allocatePublicId } from '@psirt/db';
import { describe, expect, it } from 'vitest';
import { createTestDatabase, dialect } from '../support/db.ts';

describe(`human-facing ids (${dialect})`, () => {
  it('50 parallel report creations get 50 distinct, gapless VSR ids', async () => {
    await using db = await createTestDatabase();
    const at = new Date('2026-06-01T00:00:00Z');
    const created = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        db.prisma.$transaction(
          async (tx) =>
            tx.vulnerabilityReport.create({
              data: {
                publicId: await allocatePublicId(tx, 'VSR', at),
                title: `report ${i}`,
                description: 'parallel',
                channel: 'API',
              },
              select: { publicId: true },
            }),
          { maxWait: 60_000, timeout: 60_000 },
        ),
      ),
    );
    const ids = created.map((r) => r.publicId).sort();
    expect(new Set(ids).size).toBe(50);
    expect(ids).toEqual(Array.from({ length: 50 }, (_, i) => `VSR-2026-${String(i + 1).padStart(4, '0')}`));
  });

  it('a rolled-back creation gives its number back; kinds and years count apart', async () => {
    await using db = await createTestDatabase();
    const y2026 = new Date('2026-03-01T00:00:00Z');
    await expect(
      db.prisma.$transaction(async (tx) => {
        await allocatePublicId(tx, 'VAR', y2026);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    const next = await db.prisma.$transaction((tx) => allocatePublicId(tx, 'VAR', y2026));
    expect(next).toBe('VAR-2026-0001');
    expect(await db.prisma.$transaction((tx) => allocatePublicId(tx, 'SA', y2026))).toBe('SA-2026-0001');
    expect(await db.prisma.$transaction((tx) => allocatePublicId(tx, 'VAR', new Date('2027-01-01T00:00:00Z')))).toBe(
      'VAR-2027-0001',
    );
    expect(await db.prisma.$transaction((tx) => allocatePublicId(tx, 'VAR', y2026))).toBe('VAR-2026-0002');
  });
});
