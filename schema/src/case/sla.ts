// Reporter-communication service levels: how soon a report is acknowledged and
// how often a reporter hears from the PSIRT while their case is open.
import { DomainError } from '../errors.ts';

export interface SlaPolicy {
  /** A report must be acknowledged within this many hours of receipt. */
  acknowledgeWithinHours: number;
  /** A reporter must get a status update at least every this many days while the case is open. */
  updateEveryDays: number;
}

const LIMITS: Record<keyof SlaPolicy, [number, number]> = {
  acknowledgeWithinHours: [1, 720],
  updateEveryDays: [1, 365],
};

/** Checks a policy; throws VALIDATION naming the field and its bounds. */
export function validateSlaPolicy(policy: SlaPolicy): SlaPolicy {
  for (const [key, [min, max]] of Object.entries(LIMITS) as [keyof SlaPolicy, [number, number]][]) {
    const v = policy[key];
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new DomainError('VALIDATION', `${key} must be a whole number from ${min} to ${max}.`, key);
    }
  }
  return policy;
}

export const DEFAULT_SLA: SlaPolicy = { acknowledgeWithinHours: 24, updateEveryDays: 14 };

const DAY = 24 * 60 * 60 * 1000;

/** When the reporter is next owed an update; null for a closed case. */
export function nextUpdateDue(
  policy: SlaPolicy,
  c: { state: string; createdAt: Date; lastReporterUpdateAt: Date | null },
): Date | null {
  if (c.state === 'CLOSED') return null;
  const since = c.lastReporterUpdateAt ?? c.createdAt;
  return new Date(since.getTime() + policy.updateEveryDays * DAY);
}

export function updateOverdue(
  policy: SlaPolicy,
  c: { state: string; createdAt: Date; lastReporterUpdateAt: Date | null },
  now: Date,
): boolean {
  const due = nextUpdateDue(policy, c);
  return due !== null && due.getTime() < now.getTime();
}

/** The last-update instant before which an open case is overdue at `now` (for SQL filters). */
export function overdueCutoff(policy: SlaPolicy, now: Date): Date {
  return new Date(now.getTime() - policy.updateEveryDays * DAY);
}
