// PGlite runs PostgreSQL without autovacuum: unless the platform runs ANALYZE,
// the planner never learns how big a table is and scans all of it to find a
// page's relations (the dashboard at 20,000 cases: half the speed of 200).
import { describe, expect, it } from 'vitest';
import { startTestApp } from '../support/app.ts';
import { onPostgres } from '../support/db.ts';
import { makeWorld, openCase } from '../support/world.ts';

// On PostgreSQL, autovacuum keeps the statistics and the job is off.
describe.skipIf(onPostgres)('the planner’s statistics on the embedded database', () => {
  it('are gathered when the server starts, and again for a table once enough of it changed', async () => {
    const reltuples = async (table: string) => {
      const [row] = await app.db.prisma.$queryRawUnsafe<{ n: number }[]>(
        `SELECT reltuples::float8 AS n FROM pg_class WHERE relname = '${table}'`,
      );
      return row?.n;
    };
    await using app = await startTestApp({ analyzeIntervalMs: 200 });
    // Never analyzed: PostgreSQL says -1.
    await expect.poll(() => reltuples('analysis_case'), { timeout: 5000 }).toBeGreaterThanOrEqual(0);
    const w = await makeWorld(app);
    await openCase(app, w, ['gateway']);
    // A table is analyzed again once 50 rows + 10 % of it have changed, as autovacuum would.
    await app.db.prisma.analysisCase.createMany({
      data: Array.from({ length: 60 }, (_, i) => ({ publicId: `VAR-2099-${1000 + i}`, title: `Bulk ${i}` })),
    });
    await expect.poll(() => reltuples('analysis_case'), { timeout: 5000 }).toBe(61);
  });
});
