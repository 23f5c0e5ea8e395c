// PGlite runs PostgreSQL without autovacuum: unless the platform runs ANALYZE,
// the planner never learns how big a table is and scans all of it to find a
// page's relations (the dashboard at 20,000 cases: half the speed of 200).
import { describe, expect, it } from 'vitest';
import { startTestApp } from '../support/app.ts';
import { onPostgres } from '../support/db.ts';
import { makeWorld, openCase } from '../support/world.ts';

// On PostgreSQL, autovacuum keeps the statistics and the job is off.
describe.skipIf(onPostgres)('the planner’s statistics on the embedded database', () => {
  it('are gathered when the server starts, and again on schedule', async () => {
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
    await openCase(app, w, ['gateway']);
    await expect.poll(() => reltuples('analysis_case'), { timeout: 5000 }).toBe(2);
  });
});
