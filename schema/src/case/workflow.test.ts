import { describe, expect, it } from 'vitest';
import { DomainError } from '../errors.ts';
import { CASE_STATES, CASE_TRANSITIONS, checkTransition, transitionsFrom } from './workflow.ts';

const facts = (statuses: string[], mitigations = 0) => ({
  impacts: statuses.map((status) => ({ status: status as 'AFFECTED' })),
  mitigations,
});

function failure(fn: () => unknown) {
  try {
    fn();
  } catch (e) {
    if (DomainError.is(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected a DomainError');
}

describe('the VAR workflow', () => {
  it('reaches every state from the initial one, and every state can move on', () => {
    const seen = new Set(['ANALYSIS']);
    for (let i = 0; i < CASE_STATES.length; i++) {
      for (const t of CASE_TRANSITIONS) if (seen.has(t.from)) seen.add(t.to);
    }
    expect([...seen].sort()).toEqual([...CASE_STATES].sort());
    for (const s of CASE_STATES) expect(transitionsFrom(s).length, s).toBeGreaterThan(0);
  });

  it('names the allowed moves when refusing one', () => {
    expect(failure(() => checkTransition('ANALYSIS', 'DISCLOSURE', ['ANALYST'], facts([])))).toEqual({
      code: 'INVALID_TRANSITION',
      message: 'A case in ANALYSIS cannot move to DISCLOSURE; allowed: REMEDIATION, CLOSED.',
    });
    expect(failure(() => checkTransition('CLOSED', 'CLOSED', ['ADMIN'], facts([])))).toMatchObject({
      code: 'INVALID_TRANSITION',
      message: expect.stringContaining('allowed: ANALYSIS'),
    });
  });

  it('says who may take a move', () => {
    expect(
      failure(() => checkTransition('DISCLOSURE', 'CLOSED', ['PRODUCT_SECURITY_PRIME'], facts([]), 'done')),
    ).toEqual({
      code: 'FORBIDDEN',
      message: 'Moving a case from DISCLOSURE to CLOSED needs one of: ADMIN, ANALYST.',
    });
    expect(checkTransition('ANALYSIS', 'REMEDIATION', ['PRODUCT_SECURITY_PRIME'], facts(['AFFECTED'])).name).toBe(
      'confirm',
    );
  });

  it('checks the guards: confirmation needs an affected product, disclosure a remedy, closure a decision', () => {
    expect(
      failure(() => checkTransition('ANALYSIS', 'REMEDIATION', ['ANALYST'], facts(['UNDER_INVESTIGATION']))),
    ).toMatchObject({
      code: 'CONFLICT',
    });
    expect(
      failure(() => checkTransition('REMEDIATION', 'DISCLOSURE', ['ANALYST'], facts(['AFFECTED'], 0))),
    ).toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('needs a fix or a mitigation'),
    });
    expect(checkTransition('REMEDIATION', 'DISCLOSURE', ['ANALYST'], facts(['AFFECTED', 'NOT_AFFECTED'], 1)).to).toBe(
      'DISCLOSURE',
    );
    expect(
      failure(() => checkTransition('ANALYSIS', 'CLOSED', ['ANALYST'], facts(['UNDER_INVESTIGATION']), 'x')),
    ).toMatchObject({
      code: 'CONFLICT',
    });
    expect(failure(() => checkTransition('ANALYSIS', 'CLOSED', ['ANALYST'], facts(['NOT_AFFECTED'])))).toMatchObject({
      code: 'VALIDATION',
    });
    expect(checkTransition('ANALYSIS', 'CLOSED', ['ANALYST'], facts(['NOT_AFFECTED']), 'Not affected.').name).toBe(
      'close',
    );
  });
});

describe('timeline event types', () => {
  it('map to GraphQL enum values one to one', async () => {
    const { TIMELINE_EVENT_TYPES, timelineEnumValue } = await import('./events.ts');
    const values = Object.keys(TIMELINE_EVENT_TYPES).map(timelineEnumValue);
    expect(new Set(values).size).toBe(values.length);
    expect(timelineEnumValue('case.publiclyKnown.changed')).toBe('CASE_PUBLICLY_KNOWN_CHANGED');
    for (const v of values) expect(v).toMatch(/^[A-Z][A-Z_]*$/);
  });
});
