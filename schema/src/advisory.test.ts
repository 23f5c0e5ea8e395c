import { describe, expect, it } from 'vitest';
import { tally } from './advisory/committee.ts';
import { type DisclosureFacts, decidePublication } from './advisory/disclosure.ts';
import { checkAdvisoryTransition } from './advisory/workflow.ts';

describe('advisory workflow', () => {
  it('lets the PSIRT request a review and publish, and leaves approval to the committee', () => {
    expect(checkAdvisoryTransition('DRAFT', 'requestReview', ['ANALYST']).to).toBe('IN_REVIEW');
    expect(checkAdvisoryTransition('APPROVED', 'publish', ['ADMIN']).to).toBe('PUBLISHED');
    expect(() => checkAdvisoryTransition('IN_REVIEW', 'approve', ['ADMIN'])).toThrow(
      'An advisory in IN_REVIEW cannot approve; possible: recall.',
    );
    expect(() => checkAdvisoryTransition('DRAFT', 'publish', ['ADMIN'])).toThrow('possible: requestReview');
    expect(() => checkAdvisoryTransition('PUBLISHED', 'withdraw', ['ANALYST'])).toThrow('Only ADMIN may withdraw');
  });
});

describe('committee tally', () => {
  const votes = (...d: ('APPROVE' | 'REJECT' | 'ABSTAIN')[]) => d.map((decision) => ({ decision }));
  it('decides nothing before the quorum, abstentions counting towards it', () => {
    expect(tally(votes('APPROVE', 'APPROVE'), { quorum: 3, majority: 'SIMPLE' })).toMatchObject({
      missing: 1,
      decision: null,
    });
    expect(tally(votes('APPROVE', 'ABSTAIN', 'ABSTAIN'), { quorum: 3, majority: 'SIMPLE' }).decision).toBe('APPROVED');
  });
  it('applies the majority to approve and reject votes', () => {
    const p = { quorum: 3, majority: 'SIMPLE' } as const;
    expect(tally(votes('APPROVE', 'REJECT', 'ABSTAIN'), p).decision).toBe('REJECTED'); // a tie is not a majority
    expect(tally(votes('APPROVE', 'APPROVE', 'REJECT'), p).decision).toBe('APPROVED');
    const two = { quorum: 3, majority: 'TWO_THIRDS' } as const;
    expect(tally(votes('APPROVE', 'APPROVE', 'REJECT'), two).decision).toBe('APPROVED');
    expect(tally(votes('APPROVE', 'APPROVE', 'REJECT', 'REJECT'), two).decision).toBe('REJECTED');
    expect(tally(votes('ABSTAIN', 'ABSTAIN', 'ABSTAIN'), two).decision).toBe('REJECTED');
  });
});

describe('disclosure policy', () => {
  const facts = (over: Partial<DisclosureFacts['cases'][number]> = {}, product: object = {}): DisclosureFacts => ({
    cases: [
      {
        publicId: 'VAR-2026-0001',
        state: 'DISCLOSURE',
        exploitationObserved: false,
        publiclyKnown: false,
        products: [
          { key: 'gateway', status: 'AFFECTED', remediated: true, fixPlannedAt: null, severity: 'HIGH', ...product },
        ],
        ...over,
      },
    ],
  });

  it('publishes on available fixes, or on a dated plan for High/Critical products', () => {
    expect(decidePublication(facts(), ['ANALYST'])).toEqual({ basis: 'FIXES_AVAILABLE', early: false });
    expect(decidePublication(facts({}, { remediated: false, fixPlannedAt: new Date() }), ['ANALYST']).basis).toBe(
      'FIXES_AVAILABLE',
    );
    expect(() =>
      decidePublication(facts({}, { remediated: false, fixPlannedAt: new Date(), severity: 'MEDIUM' }), ['ANALYST']),
    ).toThrow('VAR-2026-0001: gateway has no fix or workaround');
  });

  it('allows early advisories on exploitation or public information, and says why not otherwise', () => {
    const unfixed = { remediated: false };
    expect(
      decidePublication(facts({ state: 'REMEDIATION', exploitationObserved: true }, unfixed), ['ANALYST']),
    ).toEqual({
      basis: 'EXPLOITATION_OBSERVED',
      early: true,
    });
    expect(decidePublication(facts({ state: 'ANALYSIS', publiclyKnown: true }, unfixed), ['ANALYST'])).toEqual({
      basis: 'PUBLIC_INFORMATION',
      early: true,
    });
    expect(() => decidePublication(facts({ state: 'REMEDIATION' }, unfixed), ['ANALYST'])).toThrow(
      /no basis holds: VAR-2026-0001 is in REMEDIATION, not yet in DISCLOSURE \(move it to DISCLOSURE: .*\); VAR-2026-0001: gateway has no fix or workaround; .*EXCEPTION/,
    );
    expect(() => decidePublication(facts(), ['ANALYST'], 'PUBLIC_INFORMATION')).toThrow('no case is publicly known');
  });

  it('takes an exception only from an admin with a written justification', () => {
    const unfixed = facts({ state: 'REMEDIATION' }, { remediated: false });
    expect(() => decidePublication(unfixed, ['ANALYST'], 'EXCEPTION', 'x'.repeat(30))).toThrow('Only an ADMIN');
    expect(() => decidePublication(unfixed, ['ADMIN'], 'EXCEPTION', 'too short')).toThrow('justification');
    expect(
      decidePublication(unfixed, ['ADMIN'], 'EXCEPTION', 'Regulator requires notice before the fix ships.'),
    ).toEqual({
      basis: 'EXCEPTION',
      early: true,
    });
  });
});
