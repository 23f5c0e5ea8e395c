// Run-time settings kept in the database (changed by admins through the API).
import type { Db } from '@psirt/db';
import { DEFAULT_SLA, type SlaPolicy, validateSlaPolicy } from '@psirt/schema';
import { requireRole } from '../access.ts';
import type { Context } from '../context.ts';
import { changes, unitOfWork } from './unit.ts';

const SLA_KEY = 'sla';

export async function readSla(db: Db): Promise<SlaPolicy> {
  const row = await db.setting.findUnique({ where: { key: SLA_KEY } });
  return { ...DEFAULT_SLA, ...((row?.value as Partial<SlaPolicy> | undefined) ?? {}) };
}

export async function setSla(ctx: Context, input: Partial<SlaPolicy>): Promise<SlaPolicy> {
  requireRole(ctx, ['ADMIN']);
  return unitOfWork(ctx, async (u) => {
    const row = await u.tx.setting.findUnique({ where: { key: SLA_KEY } });
    const before = { ...DEFAULT_SLA, ...((row?.value as Partial<SlaPolicy> | undefined) ?? {}) };
    const after = validateSlaPolicy({
      ...before,
      ...Object.fromEntries(Object.entries(input).filter(([, v]) => v != null)),
    });
    await u.tx.setting.upsert({
      where: { key: SLA_KEY },
      create: { key: SLA_KEY, value: { ...after }, updatedById: u.actor.userId },
      update: { value: { ...after }, updatedById: u.actor.userId },
    });
    u.audit('settings.sla.changed', { type: 'Setting', id: SLA_KEY }, changes(before, { ...after }));
    return after;
  });
}
