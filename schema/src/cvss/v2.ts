// CVSS v2 per the FIRST guide (https://www.first.org/cvss/v2/guide), section
// 3.2 (equations). Third-party feeds (NVD) still carry v2 vectors, written
// without a prefix: "AV:N/AC:L/Au:N/C:P/I:P/A:P".
import { severityOf } from './rating.ts';
import { ScoredVector } from './scored.ts';
import type { CvssScore } from './types.ts';
import { type MetricDef, VectorGrammar } from './vector.ts';

type Values = MetricDef['values'];
const CIA: Values = [
  ['N', 'None'],
  ['P', 'Partial'],
  ['C', 'Complete'],
];
const REQ: Values = [
  ['L', 'Low'],
  ['M', 'Medium'],
  ['H', 'High'],
  ['ND', 'Not Defined'],
];

/** The metrics in the guide's order; the first six (base) are mandatory. */
export const CVSS2_METRICS: readonly MetricDef[] = [
  {
    key: 'AV',
    name: 'Access Vector',
    group: 'BASE',
    values: [
      ['L', 'Local'],
      ['A', 'Adjacent Network'],
      ['N', 'Network'],
    ],
  },
  {
    key: 'AC',
    name: 'Access Complexity',
    group: 'BASE',
    values: [
      ['H', 'High'],
      ['M', 'Medium'],
      ['L', 'Low'],
    ],
  },
  {
    key: 'Au',
    name: 'Authentication',
    group: 'BASE',
    values: [
      ['M', 'Multiple'],
      ['S', 'Single'],
      ['N', 'None'],
    ],
  },
  { key: 'C', name: 'Confidentiality Impact', group: 'BASE', values: CIA },
  { key: 'I', name: 'Integrity Impact', group: 'BASE', values: CIA },
  { key: 'A', name: 'Availability Impact', group: 'BASE', values: CIA },
  {
    key: 'E',
    name: 'Exploitability',
    group: 'TEMPORAL',
    values: [
      ['U', 'Unproven'],
      ['POC', 'Proof-of-Concept'],
      ['F', 'Functional'],
      ['H', 'High'],
      ['ND', 'Not Defined'],
    ],
  },
  {
    key: 'RL',
    name: 'Remediation Level',
    group: 'TEMPORAL',
    values: [
      ['OF', 'Official Fix'],
      ['TF', 'Temporary Fix'],
      ['W', 'Workaround'],
      ['U', 'Unavailable'],
      ['ND', 'Not Defined'],
    ],
  },
  {
    key: 'RC',
    name: 'Report Confidence',
    group: 'TEMPORAL',
    values: [
      ['UC', 'Unconfirmed'],
      ['UR', 'Uncorroborated'],
      ['C', 'Confirmed'],
      ['ND', 'Not Defined'],
    ],
  },
  {
    key: 'CDP',
    name: 'Collateral Damage Potential',
    group: 'ENVIRONMENTAL',
    values: [
      ['N', 'None'],
      ['L', 'Low'],
      ['LM', 'Low-Medium'],
      ['MH', 'Medium-High'],
      ['H', 'High'],
      ['ND', 'Not Defined'],
    ],
  },
  {
    key: 'TD',
    name: 'Target Distribution',
    group: 'ENVIRONMENTAL',
    values: [
      ['N', 'None'],
      ['L', 'Low'],
      ['M', 'Medium'],
      ['H', 'High'],
      ['ND', 'Not Defined'],
    ],
  },
  { key: 'CR', name: 'Confidentiality Requirement', group: 'ENVIRONMENTAL', values: REQ },
  { key: 'IR', name: 'Integrity Requirement', group: 'ENVIRONMENTAL', values: REQ },
  { key: 'AR', name: 'Availability Requirement', group: 'ENVIRONMENTAL', values: REQ },
];

export const CVSS2 = new VectorGrammar('CVSS v2', '', CVSS2_METRICS, 6);

const W_AV = [0.395, 0.646, 1];
const W_AC = [0.35, 0.61, 0.71];
const W_AU = [0.45, 0.56, 0.704];
const W_CIA = [0, 0.275, 0.66];
const W_E = [0.85, 0.9, 0.95, 1, 1];
const W_RL = [0.87, 0.9, 0.95, 1, 1];
const W_RC = [0.9, 0.95, 1, 1];
const W_CDP = [0, 0.1, 0.3, 0.4, 0.5, 0];
const W_TD = [0, 0.25, 0.75, 1, 1];
const W_REQ = [0.5, 1, 1.51, 1];

/**
 * round_to_1_decimal of the guide. The tiny bias keeps a value that is
 * mathematically x.x5 (e.g. 2.45 stored as 2.4499999999999997) rounding up.
 */
function round1(x: number): number {
  return Math.round(x * 10 + 1e-9) / 10;
}

/** Weight of an optional metric: its value, or "not defined" (the last entry) when absent. */
function opt(weights: readonly number[], v: number): number {
  return (v === 0 ? weights[weights.length - 1] : weights[v - 1]) as number;
}

/**
 * Parses and scores a CVSS v2 vector. Accepts what feeds write: no prefix,
 * optionally in parentheses or with a "CVSS:2.0/" prefix.
 */
export function scoreCvss2(vector: string, start = 0): CvssScore {
  let s = vector;
  let from = start;
  if (s.charCodeAt(from) === 40 && s.endsWith(')')) {
    s = s.slice(from + 1, -1);
    from = 0;
  }
  const v = new Uint8Array(CVSS2.count);
  const canonical = CVSS2.parseInto(s, from, v);
  return computeCvss2(v, canonical && from === 0 ? s : CVSS2.format(v));
}

export function computeCvss2(v: Uint8Array, vector: string): CvssScore {
  const at = (m: number) => (v[m] as number) - 1;
  const exploitability = 20 * (W_AV[at(0)] as number) * (W_AC[at(1)] as number) * (W_AU[at(2)] as number);
  const baseFrom = (impact: number) => round1((0.6 * impact + 0.4 * exploitability - 1.5) * (impact === 0 ? 0 : 1.176));
  const c = W_CIA[at(3)] as number;
  const i = W_CIA[at(4)] as number;
  const a = W_CIA[at(5)] as number;
  const impact = 10.41 * (1 - (1 - c) * (1 - i) * (1 - a));
  const base = baseFrom(impact);
  const e = opt(W_E, v[6] as number);
  const rl = opt(W_RL, v[7] as number);
  const rc = opt(W_RC, v[8] as number);
  const temporal = CVSS2.hasGroup(v, 'TEMPORAL') ? round1(base * e * rl * rc) : null;

  let environmental: number | null = null;
  if (CVSS2.hasGroup(v, 'ENVIRONMENTAL')) {
    const cr = opt(W_REQ, v[11] as number);
    const ir = opt(W_REQ, v[12] as number);
    const ar = opt(W_REQ, v[13] as number);
    const adjustedImpact = Math.min(10, 10.41 * (1 - (1 - c * cr) * (1 - i * ir) * (1 - a * ar)));
    const adjustedTemporal = round1(baseFrom(adjustedImpact) * e * rl * rc);
    const cdp = opt(W_CDP, v[9] as number);
    const td = opt(W_TD, v[10] as number);
    environmental = round1((adjustedTemporal + (10 - adjustedTemporal) * cdp) * td);
  }
  const score = environmental ?? temporal ?? base;
  return new ScoredVector(
    CVSS2,
    v,
    '2.0',
    vector,
    base,
    temporal,
    environmental,
    score,
    severityOf(score),
    round1(impact),
    round1(exploitability),
    null,
    null,
  );
}
