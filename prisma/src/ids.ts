import { formatPublicId, type PublicIdKind } from '@psirt/schema';
import type { Tx } from './client.ts';

/**
 * Allocates the next human-facing id (VSR-2026-0001…) for the year of `at`.
 * Must run inside the transaction that creates the record: the counter row is
 * locked by the upsert until commit, so concurrent creations queue on it, and
 * a rolled-back creation gives its number back. No gaps, no duplicates.
 */
export async function allocatePublicId(tx: Tx, kind: PublicIdKind, at: Date = new Date()): Promise<string> {
  const year = at.getUTCFullYear();
  const rows = await tx.$queryRaw<{ last: number }[]>`
    INSERT INTO "id_counter" ("kind", "year", "last") VALUES (${kind}::"IdKind", ${year}, 1)
    ON CONFLICT ("kind", "year") DO UPDATE SET "last" = "id_counter"."last" + 1
    RETURNING "last"`;
  const last = rows[0]?.last;
  if (last === undefined) throw new Error('id_counter upsert returned no row');
  return formatPublicId(kind, year, Number(last));
}
