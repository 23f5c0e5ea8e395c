// GET /readyz: this instance takes traffic when it is not shutting down, its
// database answers, and every migration this code expects has been applied
// (an instance of newer code on an older schema says so instead of failing
// requests one by one).
import { type Database, migrationNames } from '@psirt/db';
import type { Logger } from '../logger.ts';

export type Readiness = () => Promise<{ ok: boolean; reason?: string }>;

export function readinessCheck(o: { db: Database; log: Logger; draining: () => boolean }): Readiness {
  const expected = migrationNames();
  return async () => {
    if (o.draining()) return { ok: false, reason: 'shutting down' };
    try {
      const rows = await o.db.prisma.$queryRaw<{ migration_name: string }[]>`
        SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;
      const applied = new Set(rows.map((r) => r.migration_name));
      const missing = expected.filter((m) => !applied.has(m));
      return missing.length ? { ok: false, reason: `migrations not applied: ${missing.join(', ')}` } : { ok: true };
    } catch (error) {
      o.log.warn({ err: error }, 'readiness check failed');
      return { ok: false, reason: 'database unreachable' };
    }
  };
}
