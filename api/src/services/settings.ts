// Run-time settings kept in the database (changed by admins through the API).
import { DEFAULT_SLA, type SlaPolicy, validateSlaPolicy } from '@psirt/schema';
import { requireRole } from '../access.ts';
import type { Context } from '../context.ts';
import { changes, unitOfWork } from './unit.ts';

export const SLA_KEY = 'sla';

/** The policy in force, from the setting's stored value (undefined: the defaults). */
export const slaFrom = (value: unknown): SlaPolicy => ({
  ...DEFAULT_SLA,
  ...((value as Partial<SlaPolicy> | undefined) ?? {}),
});

/** Computes from the SLA in force: at once when this request has read it (the case list reads it first). */
export function withSla<T>(ctx: Context, f: (sla: SlaPolicy) => T): T | Promise<T> {
  const sla = ctx.slaNow();
  return sla ? f(sla) : ctx.sla().then(f);
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
