// CVSS v3.1 per the FIRST specification (https://www.first.org/cvss/v3.1/specification-document),
// sections 7.1–7.4 (formulas), 7.4 (metric values) and Appendix A (Roundup).
import { severityOf } from './rating.ts';
import { ScoredVector } from './scored.ts';
import type { CvssScore } from './types.ts';
import { type MetricDef, VectorGrammar } from './vector.ts';

const CIA: MetricDef['values'] = [
  ['H', 'High'],
  ['L', 'Low'],
  ['N', 'None'],
];
const MCIA: MetricDef['values'] = [['X', 'Not Defined'], ...CIA];
const REQ: MetricDef['values'] = [
  ['X', 'Not Defined'],
  ['H', 'High'],
  ['M', 'Medium'],
  ['L', 'Low'],
];
const AV: MetricDef['values'] = [
  ['N', 'Network'],
  ['A', 'Adjacent'],
  ['L', 'Local'],
  ['P', 'Physical'],
];
const AC: MetricDef['values'] = [
  ['L', 'Low'],
  ['H', 'High'],
];
const PR: MetricDef['values'] = [
  ['N', 'None'],
  ['L', 'Low'],
  ['H', 'High'],
];
const UI: MetricDef['values'] = [
  ['N', 'None'],
  ['R', 'Required'],
];
const S: MetricDef['values'] = [
  ['U', 'Unchanged'],
  ['C', 'Changed'],
];
const X = (values: MetricDef['values']): MetricDef['values'] => [['X', 'Not Defined'], ...values];

/** The metrics in the specification's order; the first eight are mandatory. */
export const CVSS31_METRICS: readonly MetricDef[] = [
  { key: 'AV', name: 'Attack Vector', group: 'BASE', values: AV },
  { key: 'AC', name: 'Attack Complexity', group: 'BASE', values: AC },
  { key: 'PR', name: 'Privileges Required', group: 'BASE', values: PR },
  { key: 'UI', name: 'User Interaction', group: 'BASE', values: UI },
  { key: 'S', name: 'Scope', group: 'BASE', values: S },
  { key: 'C', name: 'Confidentiality', group: 'BASE', values: CIA },
  { key: 'I', name: 'Integrity', group: 'BASE', values: CIA },
  { key: 'A', name: 'Availability', group: 'BASE', values: CIA },
  {
    key: 'E',
    name: 'Exploit Code Maturity',
    group: 'TEMPORAL',
    values: X([
      ['H', 'High'],
      ['F', 'Functional'],
      ['P', 'Proof-of-Concept'],
      ['U', 'Unproven'],
    ]),
  },
  {
    key: 'RL',
    name: 'Remediation Level',
    group: 'TEMPORAL',
    values: X([
      ['U', 'Unavailable'],
      ['W', 'Workaround'],
      ['T', 'Temporary Fix'],
      ['O', 'Official Fix'],
    ]),
  },
  {
    key: 'RC',
    name: 'Report Confidence',
    group: 'TEMPORAL',
    values: X([
      ['C', 'Confirmed'],
      ['R', 'Reasonable'],
      ['U', 'Unknown'],
    ]),
  },
  { key: 'CR', name: 'Confidentiality Requirement', group: 'ENVIRONMENTAL', values: REQ },
  { key: 'IR', name: 'Integrity Requirement', group: 'ENVIRONMENTAL', values: REQ },
  { key: 'AR', name: 'Availability Requirement', group: 'ENVIRONMENTAL', values: REQ },
  { key: 'MAV', name: 'Modified Attack Vector', group: 'ENVIRONMENTAL', values: X(AV) },
  { key: 'MAC', name: 'Modified Attack Complexity', group: 'ENVIRONMENTAL', values: X(AC) },
  { key: 'MPR', name: 'Modified Privileges Required', group: 'ENVIRONMENTAL', values: X(PR) },
  { key: 'MUI', name: 'Modified User Interaction', group: 'ENVIRONMENTAL', values: X(UI) },
  { key: 'MS', name: 'Modified Scope', group: 'ENVIRONMENTAL', values: X(S) },
  { key: 'MC', name: 'Modified Confidentiality', group: 'ENVIRONMENTAL', values: MCIA },
  { key: 'MI', name: 'Modified Integrity', group: 'ENVIRONMENTAL', values: MCIA },
  { key: 'MA', name: 'Modified Availability', group: 'ENVIRONMENTAL', values: MCIA },
];

export const CVSS31 = new VectorGrammar('CVSS v3.1', 'CVSS:3.1/', CVSS31_METRICS, 8);

// Metric indexes into the parsed values (the order of CVSS31_METRICS).
const M = {
  AV: 0,
  AC: 1,
  PR: 2,
  UI: 3,
  S: 4,
  C: 5,
  I: 6,
  A: 7,
  E: 8,
  RL: 9,
  RC: 10,
  CR: 11,
  IR: 12,
  AR: 13,
  MAV: 14,
  MAC: 15,
  MPR: 16,
  MUI: 17,
  MS: 18,
  MC: 19,
  MI: 20,
  MA: 21,
} as const;
type M = (typeof M)[keyof typeof M];

// Weights by value index (the order of the tables above).
const W_AV = [0.85, 0.62, 0.55, 0.2];
const W_AC = [0.77, 0.44];
const W_PR_U = [0.85, 0.62, 0.27];
const W_PR_C = [0.85, 0.68, 0.5];
const W_UI = [0.85, 0.62];
const W_CIA = [0.56, 0.22, 0];
// Optional metrics: index 0 is X (not defined).
const W_E = [1, 1, 0.97, 0.94, 0.91];
const W_RL = [1, 1, 0.97, 0.96, 0.95];
const W_RC = [1, 1, 0.96, 0.92];
const W_REQ = [1, 1.5, 1, 0.5];

/**
 * Roundup as defined in Appendix A of the v3.1 specification: the smallest
 * number with one decimal that is ≥ the input, computed on integers so that
 * 4.000000000000001 (a floating-point artefact of 4.0) gives 4.0, not 4.1.
 */
export function roundup(input: number): number {
  const int = Math.round(input * 100000);
  if (int % 10000 === 0) return int / 100000;
  return (Math.floor(int / 10000) + 1) / 10;
}

/** Parses and scores a CVSS v3.1 vector ("CVSS:3.1/AV:N/…"). Throws CvssVectorError naming the problem. */
export function scoreCvss31(vector: string): CvssScore {
  const v = new Uint8Array(CVSS31.count);
  const canonical = CVSS31.parseInto(vector, 9, v);
  return computeCvss31(v, canonical ? vector : CVSS31.format(v));
}

/** Value index (0-based) of a parsed metric; -1 when absent. */
function at(v: Uint8Array, m: M): number {
  return (v[m] as number) - 1;
}

/** Environmental value: the modified metric when defined, else the base one (both as base-table index). */
function modified(v: Uint8Array, mod: M, base: M): number {
  const x = at(v, mod);
  return x > 0 ? x - 1 : at(v, base);
}

function impactOf(changed: boolean, iss: number): number {
  return changed ? 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15 : 6.42 * iss;
}

export function computeCvss31(v: Uint8Array, vector: string): CvssScore {
  const changed = at(v, M.S) === 1;
  const c = W_CIA[at(v, M.C)] as number;
  const i = W_CIA[at(v, M.I)] as number;
  const a = W_CIA[at(v, M.A)] as number;
  const iss = 1 - (1 - c) * (1 - i) * (1 - a);
  const impact = impactOf(changed, iss);
  const exploitability =
    8.22 *
    (W_AV[at(v, M.AV)] as number) *
    (W_AC[at(v, M.AC)] as number) *
    ((changed ? W_PR_C : W_PR_U)[at(v, M.PR)] as number) *
    (W_UI[at(v, M.UI)] as number);
  const base = impact <= 0 ? 0 : roundup(Math.min((changed ? 1.08 : 1) * (impact + exploitability), 10));

  // Absent optional metrics count as X (index 0), whose weight is 1.
  const e = W_E[Math.max(0, at(v, M.E))] as number;
  const rl = W_RL[Math.max(0, at(v, M.RL))] as number;
  const rc = W_RC[Math.max(0, at(v, M.RC))] as number;
  const hasTemporal = at(v, M.E) > 0 || at(v, M.RL) > 0 || at(v, M.RC) > 0;
  const temporal = roundup(base * e * rl * rc);

  let environmental: number | null = null;
  if (CVSS31.hasGroup(v, 'ENVIRONMENTAL')) {
    const ms = at(v, M.MS);
    const mChanged = ms > 0 ? ms - 1 === 1 : changed;
    const cr = W_REQ[Math.max(0, at(v, M.CR))] as number;
    const ir = W_REQ[Math.max(0, at(v, M.IR))] as number;
    const ar = W_REQ[Math.max(0, at(v, M.AR))] as number;
    const mc = W_CIA[modified(v, M.MC, M.C)] as number;
    const mi = W_CIA[modified(v, M.MI, M.I)] as number;
    const ma = W_CIA[modified(v, M.MA, M.A)] as number;
    const miss = Math.min(1 - (1 - cr * mc) * (1 - ir * mi) * (1 - ar * ma), 0.915);
    // v3.1 changed this term from v3.0: (MISS × 0.9731 − 0.02)^13.
    const mImpact = mChanged ? 7.52 * (miss - 0.029) - 3.25 * (miss * 0.9731 - 0.02) ** 13 : 6.42 * miss;
    const mExploitability =
      8.22 *
      (W_AV[modified(v, M.MAV, M.AV)] as number) *
      (W_AC[modified(v, M.MAC, M.AC)] as number) *
      ((mChanged ? W_PR_C : W_PR_U)[modified(v, M.MPR, M.PR)] as number) *
      (W_UI[modified(v, M.MUI, M.UI)] as number);
    environmental =
      mImpact <= 0
        ? 0
        : roundup(roundup(Math.min((mChanged ? 1.08 : 1) * (mImpact + mExploitability), 10)) * e * rl * rc);
  }

  const temporalScore = hasTemporal ? temporal : null;
  const score = environmental ?? temporalScore ?? base;
  return new ScoredVector(
    CVSS31,
    v,
    '3.1',
    vector,
    base,
    temporalScore,
    environmental,
    score,
    severityOf(score),
    // The specification leaves the sub-scores' rounding open; NVD and FIRST's
    // calculator show them rounded to the nearest tenth (2.0094 → 2.0, not 2.1).
    Math.round(Math.max(0, impact) * 10) / 10,
    Math.round(exploitability * 10) / 10,
    null,
    null,
  );
}
