import { describe, expect, it } from 'vitest';
import { DomainError } from '../errors.ts';
import { CvssVectorError, roundup, type Severity, scoreCvss, severityOf } from './index.ts';

/** [vector, base, temporal, environmental, score, severity] */
type Row = [string, number, number | null, number | null, number, Severity];
const expectRows = (rows: Row[]) => {
  for (const [vector, base, temporal, environmental, score, severity] of rows) {
    const s = scoreCvss(vector);
    expect({
      vector,
      base: s.baseScore,
      temporal: s.temporalScore,
      environmental: s.environmentalScore,
      score: s.score,
      severity: s.severity,
    }).toEqual({
      vector,
      base,
      temporal,
      environmental,
      score,
      severity,
    });
  }
};

describe('CVSS v3.1', () => {
  it('scores the well-known vectors as NVD and FIRST publish them', () => {
    expectRows([
      ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 9.8, null, null, 9.8, 'CRITICAL'],
      ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N', 7.5, null, null, 7.5, 'HIGH'], // Heartbleed
      ['CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N', 6.1, null, null, 6.1, 'MEDIUM'], // reflected XSS
      ['CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N', 4.6, null, null, 4.6, 'MEDIUM'],
      ['CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H', 8.8, null, null, 8.8, 'HIGH'],
    ]);
    const s = scoreCvss('CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H');
    // Sub-scores as NVD shows them: 6.0477 → 6.0 and 2.0094 → 2.0.
    expect([s.impactSubScore, s.exploitabilitySubScore]).toEqual([6.0, 2.0]);
  });

  it('caps at 10.0 when the scope changes, and all-None impact is 0.0 whatever the exploitability', () => {
    expect(scoreCvss('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H').score).toBe(10);
    const none = scoreCvss('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:N/I:N/A:N');
    expect([none.baseScore, none.severity, none.impactSubScore]).toEqual([0, 'NONE', 0]);
  });

  it('computes temporal and environmental scores step by step as the specification defines them', () => {
    // Temporal: Roundup(9.8 × 0.94 × 0.95 × 1) = Roundup(8.7514) = 8.8.
    // Environmental: MISS = min(1 − (1 − 1.5·0.56)(1 − 0.56)(1 − 0.56), 0.915) = 0.915;
    // Roundup(Roundup(6.42·0.915 + 8.22·0.55·0.77·0.85·0.85) × 0.94 × 0.95) = Roundup(8.4 × 0.893) = 7.6.
    expectRows([
      ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C/CR:H/MAV:L', 9.8, 8.8, 7.6, 7.6, 'HIGH'],
      // Roundup(9.8 × 0.91 × 0.95 × 0.92) = Roundup(7.7942) = 7.8.
      ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:U', 9.8, 7.8, null, 7.8, 'HIGH'],
      // An environment that removes every impact: 0.0, which for an AVSS reads "not impacted".
      ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/MC:N/MI:N/MA:N', 9.8, null, 0, 0, 'NONE'],
    ]);
  });

  it('rounds up on integers as Appendix A defines Roundup, so floating-point artefacts do not add a tenth', () => {
    expect(roundup(4.0)).toBe(4.0);
    expect(roundup(4.02)).toBe(4.1);
    expect(roundup(4.000000000000001)).toBe(4.0); // the artefact the definition exists for
    expect(roundup(4.000001)).toBe(4.0); // below 1e-5: treated as 4.0 by the definition
    expect(roundup(4.00001)).toBe(4.1);
    expect(roundup(0.1 + 0.2)).toBe(0.3);
  });

  it('accepts any order and X values, and gives the canonical vector back', () => {
    const s = scoreCvss('  CVSS:3.1/A:H/I:H/C:H/S:U/UI:N/PR:N/AC:L/AV:N/E:X/MAV:X/RC:C  ');
    expect(s.vector).toBe('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/RC:C');
    expect(s.temporalScore).toBe(9.8);
    expect(s.environmentalScore).toBeNull();
  });

  it('names every metric and value for people', () => {
    const metrics = scoreCvss('CVSS:3.1/AV:A/AC:H/PR:L/UI:R/S:C/C:L/I:N/A:H/E:F/MS:U').metrics();
    expect(metrics[0]).toEqual({ key: 'AV', name: 'Attack Vector', group: 'BASE', value: 'A', valueName: 'Adjacent' });
    expect(metrics.find((m) => m.key === 'E')).toMatchObject({
      name: 'Exploit Code Maturity',
      valueName: 'Functional',
      group: 'TEMPORAL',
    });
    expect(metrics.at(-1)).toMatchObject({
      key: 'MS',
      name: 'Modified Scope',
      valueName: 'Unchanged',
      group: 'ENVIRONMENTAL',
    });
  });
});

describe('CVSS v4.0', () => {
  it('scores base, threat and environmental vectors with their nomenclature', () => {
    expectRows([
      ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 9.3, null, null, 9.3, 'CRITICAL'],
      ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H', 10, null, null, 10, 'CRITICAL'],
      ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U', 9.3, 8.1, null, 8.1, 'HIGH'],
      // The example of FIRST's reference calculator: 8.7, CVSS-BTE.
      ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:L/SC:N/SI:N/SA:N/E:A/MAV:A', 9.3, 9.3, 8.7, 8.7, 'HIGH'],
      ['CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 8.5, null, null, 8.5, 'HIGH'],
      ['CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N', 1.0, null, null, 1.0, 'LOW'],
    ]);
    expect(scoreCvss('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N').nomenclature).toBe('CVSS-B');
    expect(scoreCvss('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:P').nomenclature).toBe(
      'CVSS-BT',
    );
    expect(scoreCvss('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/CR:L').nomenclature).toBe(
      'CVSS-BE',
    );
    const bte = scoreCvss('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:P/CR:L/AU:Y');
    expect([bte.nomenclature, bte.macroVector]).toEqual(['CVSS-BTE', '000210']);
  });

  it('is 0.0 without impact on any system, and reaches EQ4 0 only through a Safety modification', () => {
    expect(scoreCvss('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/E:A').score).toBe(0);
    const safety = scoreCvss('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MSI:S');
    expect(safety.macroVector?.[3]).toBe('0');
    expect(safety.score).toBeGreaterThan(9.3);
  });

  it('keeps supplemental metrics, which never change the score', () => {
    const plain = scoreCvss('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N');
    const s = scoreCvss('CVSS:4.0/U:Amber/S:P/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/R:X');
    expect(s.score).toBe(plain.score);
    expect(s.vector).toBe('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/S:P/U:Amber');
    expect(s.metrics().at(-1)).toEqual({
      key: 'U',
      name: 'Provider Urgency',
      group: 'SUPPLEMENTAL',
      value: 'Amber',
      valueName: 'Amber',
    });
  });
});

describe('CVSS v2', () => {
  it("scores the guide's three worked examples (section 3.3)", () => {
    expectRows([
      // CVE-2002-0392
      ['AV:N/AC:L/Au:N/C:N/I:N/A:C', 7.8, null, null, 7.8, 'HIGH'],
      ['AV:N/AC:L/Au:N/C:N/I:N/A:C/E:F/RL:OF/RC:C', 7.8, 6.4, null, 6.4, 'MEDIUM'],
      ['AV:N/AC:L/Au:N/C:N/I:N/A:C/E:F/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:H', 7.8, 6.4, 9.2, 9.2, 'CRITICAL'],
      // CVE-2003-0818
      ['AV:N/AC:L/Au:N/C:C/I:C/A:C/E:F/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:L', 10, 8.3, 9.0, 9.0, 'CRITICAL'],
      // CVE-2003-0062
      ['AV:L/AC:H/Au:N/C:C/I:C/A:C/E:POC/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:M', 6.2, 4.9, 7.5, 7.5, 'HIGH'],
    ]);
  });

  it('rounds x.x5 up as round_to_1_decimal does, where binary floating point would round down', () => {
    // 9.0 × 0.95 = 8.55 → 8.6; (6.1 + 3.9 × 0.5) × 1 = 8.05 → 8.1.
    expect(scoreCvss('AV:N/AC:L/Au:S/C:C/I:C/A:C/RL:W').temporalScore).toBe(8.6);
    expect(scoreCvss('AV:N/AC:H/Au:N/C:N/I:P/A:C/CDP:H/TD:ND').environmentalScore).toBe(8.1);
  });

  it('reads what feeds write: no prefix, parentheses, or CVSS:2.0/', () => {
    for (const v of [
      '(AV:N/AC:L/Au:N/C:P/I:P/A:P)',
      'CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P',
      'Au:N/AV:N/AC:L/C:P/I:P/A:P',
    ]) {
      const s = scoreCvss(v);
      expect([s.version, s.vector, s.baseScore, s.impactSubScore, s.exploitabilitySubScore]).toEqual([
        '2.0',
        'AV:N/AC:L/Au:N/C:P/I:P/A:P',
        7.5,
        6.4,
        10,
      ]);
    }
  });
});

describe('malformed vectors', () => {
  const base31 = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H';
  it.each([
    [`${base31}/A:Q`, 'A:Q is not a value of Availability (allowed: H, L, N)'],
    [`${base31}/A:H/E:Z`, 'E:Z is not a value of Exploit Code Maturity (allowed: X, H, F, P, U)'],
    [base31, 'Availability (A) is missing: every CVSS v3.1 vector has AV, AC, PR, UI, S, C, I, A'],
    [`${base31}/A:H/A:L`, 'Availability (A) is given twice'],
    [`${base31}/A:H/XY:Z`, 'XY is not a CVSS v3.1 metric (metrics: AV, AC, PR, UI, S, C, I, A, E, RL, RC'],
    [`${base31}/a:H`, 'a is not a CVSS v3.1 metric: metric names are case-sensitive, did you mean A?'],
    [`${base31}/A:H/`, 'has an empty metric at character 46 (a doubled or trailing "/")'],
    [`${base31}//A:H`, 'has an empty metric'],
    [`${base31}/A:`, 'Availability (A) has no value (allowed: H, L, N)'],
    [`${base31}/AH`, '"AH" is not a metric:value pair (at character 42)'],
    ['CVSS:3.1/', 'CVSS v3.1 vector has no metrics'],
    ['AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'a CVSS v3.1 vector without its prefix'],
    ['CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'CVSS v3.0 vectors are not scored here'],
    ['CVSS:5.0/AV:N', 'CVSS:5.0 is not a supported version'],
    ['   ', 'The CVSS vector is empty.'],
    ['9.8', '"9.8" is not a CVSS vector'],
    [
      'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MSC:S',
      'MSC:S is not a value of Modified Subsequent System Confidentiality (allowed: X, H, L, N)',
    ],
    [
      'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/U:Purple',
      'U:Purple is not a value of Provider Urgency (allowed: X, Clear, Green, Amber, Red)',
    ],
    ['CVSS:4.0/AV:N/AC:L/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 'Attack Requirements (AT) is missing'],
    ['AV:N/AC:L/Au:N/C:P/I:P/A:P/E:ND/E:F', 'Exploitability (E) is given twice'],
    ['AV:N/AC:L/Au:X/C:P/I:P/A:P', 'Au:X is not a value of Authentication (allowed: M, S, N)'],
    [`${base31}/A:H/${'E:X/'.repeat(80)}`, 'A CVSS vector is at most 300 characters'],
  ])('%s → %s', (vector, message) => {
    let error: unknown;
    try {
      scoreCvss(vector);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CvssVectorError);
    expect(DomainError.is(error) && [error.code, error.path]).toEqual(['VALIDATION', 'vector']);
    expect((error as Error).message).toContain(message);
  });
});

describe('ratings per the PSIRT policy', () => {
  it.each([
    [0, 'NONE'],
    [0.1, 'LOW'],
    [3.9, 'LOW'],
    [4.0, 'MEDIUM'],
    [6.9, 'MEDIUM'],
    [7.0, 'HIGH'],
    [8.9, 'HIGH'],
    [9.0, 'CRITICAL'],
    [10, 'CRITICAL'],
    [0.1 + 0.2 + 3.6, 'LOW'], // 3.9000000000000004 is still 3.9
  ] as const)('%s is %s', (score, severity) => {
    expect(severityOf(score)).toBe(severity);
  });
});
