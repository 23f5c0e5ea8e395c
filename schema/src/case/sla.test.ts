import { describe, expect, it } from 'vitest';
import { DEFAULT_SLA, nextUpdateDue, overdueCutoff, updateOverdue, validateSlaPolicy } from './sla.ts';

const DAY = 86_400_000;
const opened = new Date('2026-11-01T10:00:00Z');

describe('reporter-update SLA', () => {
  it('counts from the last update, or from opening', () => {
    const policy = { ...DEFAULT_SLA, updateEveryDays: 7 };
    expect(nextUpdateDue(policy, { state: 'ANALYSIS', createdAt: opened, lastReporterUpdateAt: null })).toEqual(
      new Date(opened.getTime() + 7 * DAY),
    );
    const last = new Date('2026-11-05T10:00:00Z');
    expect(nextUpdateDue(policy, { state: 'REMEDIATION', createdAt: opened, lastReporterUpdateAt: last })).toEqual(
      new Date(last.getTime() + 7 * DAY),
    );
  });

  it('owes nothing on a closed case', () => {
    const c = { state: 'CLOSED', createdAt: opened, lastReporterUpdateAt: null };
    expect(nextUpdateDue(DEFAULT_SLA, c)).toBeNull();
    expect(updateOverdue(DEFAULT_SLA, c, new Date('2030-01-01'))).toBe(false);
  });

  it('is overdue strictly after the due instant, and the SQL cutoff agrees', () => {
    const policy = { ...DEFAULT_SLA, updateEveryDays: 7 };
    const c = { state: 'ANALYSIS', createdAt: opened, lastReporterUpdateAt: null };
    const due = opened.getTime() + 7 * DAY;
    expect(updateOverdue(policy, c, new Date(due))).toBe(false);
    expect(updateOverdue(policy, c, new Date(due + 1))).toBe(true);
    expect(overdueCutoff(policy, new Date(due + 1)).getTime()).toBeGreaterThan(opened.getTime());
  });

  it('refuses nonsense with the field and its bounds', () => {
    expect(() => validateSlaPolicy({ acknowledgeWithinHours: 24, updateEveryDays: 0 })).toThrow(
      expect.objectContaining({
        code: 'VALIDATION',
        path: 'updateEveryDays',
        message: 'updateEveryDays must be a whole number from 1 to 365.',
      }),
    );
    expect(() => validateSlaPolicy({ acknowledgeWithinHours: 1.5, updateEveryDays: 7 })).toThrow(
      /acknowledgeWithinHours/,
    );
  });
});
