import { describe, expect, it } from 'vitest';
import { caseSeverity, type ScoreFact } from './case-severity.ts';
import { severityOf } from './rating.ts';

let seq = 0;
const at = (minute: number) => new Date(Date.UTC(2026, 10, 23, 9, minute));
function score(kind: ScoreFact['kind'], value: number, minute: number, productId: string | null = null): ScoreFact {
  seq += 1;
  return {
    kind,
    productId,
    score: value,
    severity: severityOf(value),
    createdAt: at(minute),
    id: `s${String(seq).padStart(4, '0')}`,
  };
}

describe('case severity', () => {
  const impacts = [
    { productId: 'gateway', status: 'AFFECTED' as const },
    { productId: 'rtu', status: 'UNDER_INVESTIGATION' as const },
    { productId: 'bms', status: 'NOT_AFFECTED' as const },
  ];

  it('is null until the vendor scores the case', () => {
    expect(caseSeverity([score('REPORTER', 9.8, 1), score('THIRD_PARTY', 9.1, 2)], impacts)).toBeNull();
  });

  it('falls back to the latest vendor base score while no product has an AVSS', () => {
    const s = caseSeverity(
      [score('VENDOR_BASE', 9.8, 1), score('VENDOR_BASE', 7.5, 2), score('REPORTER', 10, 3)],
      impacts,
    );
    expect(s).toMatchObject({ severity: 'HIGH', score: 7.5, basis: 'VENDOR_BASE' });
  });

  it('is the highest current AVSS: the latest per product counts, not the highest ever', () => {
    const s = caseSeverity(
      [
        score('VENDOR_BASE', 9.8, 1),
        score('AVSS', 9.1, 2, 'gateway'),
        score('AVSS', 5.3, 3, 'gateway'), // requalified down
        score('AVSS', 6.5, 4, 'rtu'),
      ],
      impacts,
    );
    expect(s).toMatchObject({ severity: 'MEDIUM', score: 6.5, basis: 'AVSS' });
  });

  it('ignores products assessed not affected and products no longer on the case', () => {
    const s = caseSeverity(
      [score('AVSS', 10, 1, 'bms'), score('AVSS', 9.9, 2, 'removed'), score('AVSS', 4.2, 3, 'gateway')],
      impacts,
    );
    expect(s).toMatchObject({ score: 4.2, basis: 'AVSS' });
  });

  it('uses the record id to order scores recorded in the same instant', () => {
    const a = score('AVSS', 9.0, 5, 'gateway');
    const b = score('AVSS', 3.0, 5, 'gateway');
    expect(caseSeverity([b, a], impacts)).toMatchObject({ score: 3.0, severity: 'LOW' });
  });

  it('an AVSS of 0.0 on every product means NONE (not impacted), not the base score', () => {
    const s = caseSeverity([score('VENDOR_BASE', 9.8, 1), score('AVSS', 0, 2, 'gateway')], impacts);
    expect(s).toMatchObject({ severity: 'NONE', score: 0, basis: 'AVSS' });
  });
});
