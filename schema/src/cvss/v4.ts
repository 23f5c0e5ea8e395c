// CVSS v4.0 per the FIRST specification (https://www.first.org/cvss/v4.0/specification-document):
// section 8 (MacroVectors, equivalence sets EQ1–EQ6, the lookup table and the
// severity-distance interpolation), section 9 (nomenclature) and the metric
// tables of sections 2–5. Exact: the interpolation is done in integers (tenths
// of a score and of a metric level), so no floating-point artefact can move a
// score across a rounding boundary.
import { severityOf } from './rating.ts';
import { ScoredVector } from './scored.ts';
import type { CvssScore } from './types.ts';
import { type MetricDef, VectorGrammar } from './vector.ts';

type Values = MetricDef['values'];
const HLN: Values = [
  ['H', 'High'],
  ['L', 'Low'],
  ['N', 'None'],
];
const X = (values: Values): Values => [['X', 'Not Defined'], ...values];
const AV: Values = [
  ['N', 'Network'],
  ['A', 'Adjacent'],
  ['L', 'Local'],
  ['P', 'Physical'],
];
const AC: Values = [
  ['L', 'Low'],
  ['H', 'High'],
];
const AT: Values = [
  ['N', 'None'],
  ['P', 'Present'],
];
const PR: Values = [
  ['N', 'None'],
  ['L', 'Low'],
  ['H', 'High'],
];
const UI: Values = [
  ['N', 'None'],
  ['P', 'Passive'],
  ['A', 'Active'],
];
const REQ: Values = X([
  ['H', 'High'],
  ['M', 'Medium'],
  ['L', 'Low'],
]);
const MS_SAFETY: Values = X([['S', 'Safety'], ...HLN]);

/** The metrics in the specification's order; the first eleven (base) are mandatory. */
export const CVSS40_METRICS: readonly MetricDef[] = [
  { key: 'AV', name: 'Attack Vector', group: 'BASE', values: AV },
  { key: 'AC', name: 'Attack Complexity', group: 'BASE', values: AC },
  { key: 'AT', name: 'Attack Requirements', group: 'BASE', values: AT },
  { key: 'PR', name: 'Privileges Required', group: 'BASE', values: PR },
  { key: 'UI', name: 'User Interaction', group: 'BASE', values: UI },
  { key: 'VC', name: 'Vulnerable System Confidentiality', group: 'BASE', values: HLN },
  { key: 'VI', name: 'Vulnerable System Integrity', group: 'BASE', values: HLN },
  { key: 'VA', name: 'Vulnerable System Availability', group: 'BASE', values: HLN },
  { key: 'SC', name: 'Subsequent System Confidentiality', group: 'BASE', values: HLN },
  { key: 'SI', name: 'Subsequent System Integrity', group: 'BASE', values: HLN },
  { key: 'SA', name: 'Subsequent System Availability', group: 'BASE', values: HLN },
  {
    key: 'E',
    name: 'Exploit Maturity',
    group: 'THREAT',
    values: X([
      ['A', 'Attacked'],
      ['P', 'POC'],
      ['U', 'Unreported'],
    ]),
  },
  { key: 'CR', name: 'Confidentiality Requirement', group: 'ENVIRONMENTAL', values: REQ },
  { key: 'IR', name: 'Integrity Requirement', group: 'ENVIRONMENTAL', values: REQ },
  { key: 'AR', name: 'Availability Requirement', group: 'ENVIRONMENTAL', values: REQ },
  { key: 'MAV', name: 'Modified Attack Vector', group: 'ENVIRONMENTAL', values: X(AV) },
  { key: 'MAC', name: 'Modified Attack Complexity', group: 'ENVIRONMENTAL', values: X(AC) },
  { key: 'MAT', name: 'Modified Attack Requirements', group: 'ENVIRONMENTAL', values: X(AT) },
  { key: 'MPR', name: 'Modified Privileges Required', group: 'ENVIRONMENTAL', values: X(PR) },
  { key: 'MUI', name: 'Modified User Interaction', group: 'ENVIRONMENTAL', values: X(UI) },
  { key: 'MVC', name: 'Modified Vulnerable System Confidentiality', group: 'ENVIRONMENTAL', values: X(HLN) },
  { key: 'MVI', name: 'Modified Vulnerable System Integrity', group: 'ENVIRONMENTAL', values: X(HLN) },
  { key: 'MVA', name: 'Modified Vulnerable System Availability', group: 'ENVIRONMENTAL', values: X(HLN) },
  { key: 'MSC', name: 'Modified Subsequent System Confidentiality', group: 'ENVIRONMENTAL', values: X(HLN) },
  { key: 'MSI', name: 'Modified Subsequent System Integrity', group: 'ENVIRONMENTAL', values: MS_SAFETY },
  { key: 'MSA', name: 'Modified Subsequent System Availability', group: 'ENVIRONMENTAL', values: MS_SAFETY },
  {
    key: 'S',
    name: 'Safety',
    group: 'SUPPLEMENTAL',
    values: X([
      ['N', 'Negligible'],
      ['P', 'Present'],
    ]),
  },
  {
    key: 'AU',
    name: 'Automatable',
    group: 'SUPPLEMENTAL',
    values: X([
      ['N', 'No'],
      ['Y', 'Yes'],
    ]),
  },
  {
    key: 'R',
    name: 'Recovery',
    group: 'SUPPLEMENTAL',
    values: X([
      ['A', 'Automatic'],
      ['U', 'User'],
      ['I', 'Irrecoverable'],
    ]),
  },
  {
    key: 'V',
    name: 'Value Density',
    group: 'SUPPLEMENTAL',
    values: X([
      ['D', 'Diffuse'],
      ['C', 'Concentrated'],
    ]),
  },
  {
    key: 'RE',
    name: 'Vulnerability Response Effort',
    group: 'SUPPLEMENTAL',
    values: X([
      ['L', 'Low'],
      ['M', 'Moderate'],
      ['H', 'High'],
    ]),
  },
  {
    key: 'U',
    name: 'Provider Urgency',
    group: 'SUPPLEMENTAL',
    values: X([
      ['Clear', 'Clear'],
      ['Green', 'Green'],
      ['Amber', 'Amber'],
      ['Red', 'Red'],
    ]),
  },
];

export const CVSS40 = new VectorGrammar('CVSS v4.0', 'CVSS:4.0/', CVSS40_METRICS, 11);

/**
 * MacroVector scores in tenths, from the specification's lookup table
 * (FIRST's reference calculator, cvss_lookup.js). Row: EQ1 EQ2 · EQ3 EQ6;
 * columns: EQ4 EQ5 = 00 01 02 10 11 12 20 21 22. EQ3=2 only occurs with EQ6=1.
 * Every entry is checked against an independent implementation in v4.test.ts.
 */
// biome-ignore format: a table reads best as a table
const MACROVECTOR_TENTHS = Int8Array.from([
  /* 00·00 */ 100, 98, 95,100, 93, 91, 93, 89, 81,
  /* 00·01 */  99, 95, 92, 96, 87, 81, 90, 80, 68,
  /* 00·10 */  98, 95, 90, 93, 89, 81, 88, 78, 69,
  /* 00·11 */  95, 92, 84, 92, 81, 65, 80, 70, 48,
  /* 00·21 */  92, 82, 72, 79, 69, 50, 69, 55, 27,
  /* 01·00 */  99, 95, 92, 95, 90, 84, 92, 82, 72,
  /* 01·01 */  97, 92, 85, 91, 83, 71, 81, 71, 53,
  /* 01·10 */  95, 92, 85, 92, 80, 70, 84, 71, 50,
  /* 01·11 */  93, 85, 73, 82, 72, 59, 70, 52, 30,
  /* 01·21 */  86, 75, 52, 71, 52, 29, 63, 29, 17,
  /* 10·00 */  98, 94, 91, 94, 86, 77, 87, 74, 63,
  /* 10·01 */  95, 87, 81, 89, 74, 64, 75, 63, 49,
  /* 10·10 */  94, 88, 76, 86, 74, 59, 72, 57, 52,
  /* 10·11 */  89, 77, 67, 76, 58, 50, 57, 52, 25,
  /* 10·21 */  83, 70, 54, 65, 58, 26, 53, 21, 13,
  /* 11·00 */  95, 88, 76, 90, 75, 61, 77, 68, 52,
  /* 11·01 */  90, 76, 70, 77, 62, 53, 66, 59, 30,
  /* 11·10 */  89, 76, 62, 74, 57, 47, 61, 57, 24,
  /* 11·11 */  78, 67, 58, 59, 57, 23, 52, 29, 16,
  /* 11·21 */  71, 59, 30, 58, 26, 15, 23, 13,  6,
  /* 20·00 */  93, 86, 75, 86, 74, 56, 70, 52, 40,
  /* 20·01 */  87, 72, 58, 74, 61, 34, 54, 40, 22,
  /* 20·10 */  85, 74, 62, 72, 55, 46, 53, 34, 19,
  /* 20·11 */  75, 55, 51, 57, 41, 19, 36, 19,  8,
  /* 20·21 */  64, 51, 20, 47, 21, 11, 24,  9,  4,
  /* 21·00 */  88, 73, 60, 73, 59, 41, 54, 45, 20,
  /* 21·01 */  75, 53, 50, 55, 40, 20, 43, 22, 11,
  /* 21·10 */  75, 58, 40, 61, 48, 20, 46, 17,  8,
  /* 21·11 */  55, 45, 21, 51, 18,  9, 18,  7,  2,
  /* 21·21 */  53, 24, 14, 24, 12,  5, 10,  3,  1,
]);

/** Row index of (EQ3, EQ6): 00, 01, 10, 11, 21; -1 where the pair does not exist. */
const EQ36_ROW = [0, 1, 2, 3, -1, 4];

/** The MacroVector's score in tenths, or NaN when that MacroVector does not exist. */
function macroTenths(eq1: number, eq2: number, eq3: number, eq4: number, eq5: number, eq6: number): number {
  if (eq1 > 2 || eq2 > 1 || eq3 > 2 || eq4 > 2 || eq5 > 2 || eq6 > 1) return Number.NaN;
  const r = EQ36_ROW[eq3 * 2 + eq6] as number;
  if (r < 0) return Number.NaN;
  return MACROVECTOR_TENTHS[((eq1 * 2 + eq2) * 5 + r) * 9 + eq4 * 3 + eq5] as number;
}

// Effective metric levels, in tenths of a severity step (0 = most severe), in this order:
const L = {
  AV: 0,
  AC: 1,
  AT: 2,
  PR: 3,
  UI: 4,
  VC: 5,
  VI: 6,
  VA: 7,
  SC: 8,
  SI: 9,
  SA: 10,
  E: 11,
  CR: 12,
  IR: 13,
  AR: 14,
} as const;

// Highest-severity vectors of each equivalence class ("max composed"), as levels.
// EQ1 over AV, PR, UI.
const MAX_EQ1 = [
  [[0, 0, 0]],
  [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ],
  [
    [3, 0, 0],
    [1, 1, 1],
  ],
];
// EQ2 over AC, AT.
const MAX_EQ2 = [
  [[0, 0]],
  [
    [1, 0],
    [0, 1],
  ],
];
// EQ3+EQ6 over VC, VI, VA, CR, IR, AR; indexed like EQ36_ROW.
// biome-ignore format: a table reads best as a table
const MAX_EQ36 = [
  [[0, 0, 0, 0, 0, 0]],
  [[0, 0, 1, 1, 1, 0], [0, 0, 0, 1, 1, 1]],
  [[1, 0, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0]],
  [[1, 0, 1, 0, 1, 0], [1, 0, 0, 0, 1, 1], [0, 1, 0, 1, 0, 1], [0, 1, 1, 1, 0, 0], [1, 1, 0, 0, 0, 1]],
  [[1, 1, 1, 0, 0, 0]],
];
// EQ4 over SC, SI, SA (SI/SA level 0 is Safety, only reachable through MSI/MSA).
const MAX_EQ4 = [[[1, 0, 0]], [[1, 1, 1]], [[2, 2, 2]]];
// Depth of each class (its maximal severity distance + 1), in steps.
const DEPTH_EQ1 = [1, 4, 5];
const DEPTH_EQ2 = [1, 2];
const DEPTH_EQ36 = [7, 6, 8, 8, 10];
const DEPTH_EQ4 = [6, 5, 4];
/** A common multiple of every depth, so the interpolation stays in integers. */
const LCM = 840;

/**
 * The severity distance from the first highest-severity vector of the class
 * that the scored vector does not exceed in any metric (the specification's
 * "max vector"). Per-class search is the same as the reference's search over
 * the composed vectors, because the classes constrain disjoint metrics.
 */
function distance(lv: Int8Array, metrics: readonly number[], maxes: readonly (readonly number[])[]): number {
  for (const max of maxes) {
    let sum = 0;
    let ok = true;
    for (let k = 0; k < metrics.length; k++) {
      const d = (lv[metrics[k] as number] as number) - (max[k] as number);
      if (d < 0) {
        ok = false;
        break;
      }
      sum += d;
    }
    if (ok) return sum;
  }
  // Unreachable for a valid vector: every class member is dominated by one of its maxima.
  throw new Error('CVSS v4.0: no highest-severity vector dominates this vector');
}
const EQ1_METRICS = [L.AV, L.PR, L.UI];
const EQ2_METRICS = [L.AC, L.AT];
const EQ36_METRICS = [L.VC, L.VI, L.VA, L.CR, L.IR, L.AR];
const EQ4_METRICS = [L.SC, L.SI, L.SA];

/** The MacroVector (EQ1…EQ6) of effective levels. */
function equivalenceClasses(lv: Int8Array): [number, number, number, number, number, number] {
  const av = lv[L.AV] as number;
  const pr = lv[L.PR] as number;
  const ui = lv[L.UI] as number;
  const eq1 = av === 0 && pr === 0 && ui === 0 ? 0 : (av === 0 || pr === 0 || ui === 0) && av !== 3 ? 1 : 2;
  const eq2 = lv[L.AC] === 0 && lv[L.AT] === 0 ? 0 : 1;
  const vc = lv[L.VC] === 0;
  const vi = lv[L.VI] === 0;
  const va = lv[L.VA] === 0;
  const eq3 = vc && vi ? 0 : vc || vi || va ? 1 : 2;
  const si = lv[L.SI] as number;
  const sa = lv[L.SA] as number;
  const eq4 = si === 0 || sa === 0 ? 0 : lv[L.SC] === 1 || si === 1 || sa === 1 ? 1 : 2;
  const eq5 = lv[L.E] as number;
  const eq6 = (lv[L.CR] === 0 && vc) || (lv[L.IR] === 0 && vi) || (lv[L.AR] === 0 && va) ? 0 : 1;
  return [eq1, eq2, eq3, eq4, eq5, eq6];
}

/** Score in tenths of the effective levels `lv`, and its MacroVector. */
function scoreLevels(lv: Int8Array): { tenths: number; macro: string } {
  const [eq1, eq2, eq3, eq4, eq5, eq6] = equivalenceClasses(lv);
  const macro = `${eq1}${eq2}${eq3}${eq4}${eq5}${eq6}`;
  // No impact on any system: 0.0 whatever else holds.
  if (lv[L.VC] === 2 && lv[L.VI] === 2 && lv[L.VA] === 2 && lv[L.SC] === 3 && lv[L.SI] === 3 && lv[L.SA] === 3) {
    return { tenths: 0, macro };
  }
  const value = macroTenths(eq1, eq2, eq3, eq4, eq5, eq6);
  const r36 = EQ36_ROW[eq3 * 2 + eq6] as number;

  // The next lower MacroVector along each class (NaN when there is none).
  const lower1 = macroTenths(eq1 + 1, eq2, eq3, eq4, eq5, eq6);
  const lower2 = macroTenths(eq1, eq2 + 1, eq3, eq4, eq5, eq6);
  let lower36: number;
  if (eq3 === 0 && eq6 === 0) {
    // Two ways down (00 → 01, 00 → 10): the higher one.
    lower36 = Math.max(macroTenths(eq1, eq2, 0, eq4, eq5, 1), macroTenths(eq1, eq2, 1, eq4, eq5, 0));
  } else if (eq3 === 1 && eq6 === 0) {
    lower36 = macroTenths(eq1, eq2, 1, eq4, eq5, 1);
  } else if (eq3 === 2) {
    lower36 = Number.NaN;
  } else {
    lower36 = macroTenths(eq1, eq2, eq3 + 1, eq4, eq5, eq6); // 01 → 11, 11 → 21
  }
  const lower4 = macroTenths(eq1, eq2, eq3, eq4 + 1, eq5, eq6);
  const lower5 = macroTenths(eq1, eq2, eq3, eq4, eq5 + 1, eq6);

  // Mean over the classes that have a lower MacroVector of
  // (available score difference × distance / depth); EQ5's distance is always 0.
  // Kept as an exact fraction: numerator / (LCM × n).
  let n = 0;
  let num = 0;
  const add = (lower: number, dist: number, depth: number) => {
    if (Number.isNaN(lower)) return;
    n++;
    num += (value - lower) * dist * (LCM / depth);
  };
  add(lower1, distance(lv, EQ1_METRICS, MAX_EQ1[eq1] as number[][]), DEPTH_EQ1[eq1] as number);
  add(lower2, distance(lv, EQ2_METRICS, MAX_EQ2[eq2] as number[][]), DEPTH_EQ2[eq2] as number);
  add(lower36, distance(lv, EQ36_METRICS, MAX_EQ36[r36] as number[][]), DEPTH_EQ36[r36] as number);
  add(lower4, distance(lv, EQ4_METRICS, MAX_EQ4[eq4] as number[][]), DEPTH_EQ4[eq4] as number);
  add(lower5, 0, 1);
  if (n === 0) return { tenths: value, macro };
  // value − num / (LCM·n), rounded half up to a whole number of tenths, clamped to 0…100.
  const den = LCM * n;
  const exact = value * den - num;
  const tenths = Math.floor((2 * exact + den) / (2 * den));
  return { tenths: Math.max(0, Math.min(100, tenths)), macro };
}

// Levels of each value (by value index) of the base metrics, and of their
// modified counterparts (index 0 = X, which falls back to the base value).
const LV_AV = [0, 1, 2, 3];
const LV_AC = [0, 1];
const LV_AT = [0, 1];
const LV_PR = [0, 1, 2];
const LV_UI = [0, 1, 2];
const LV_V = [0, 1, 2]; // VC, VI, VA: H L N
const LV_S = [1, 2, 3]; // SC, SI, SA: H L N (0 is Safety)
const LV_MS = [-1, 0, 1, 2, 3]; // MSI, MSA: X S H L N
const LV_E = [0, 0, 1, 2]; // X (= Attacked, the worst case) A P U
const LV_REQ = [0, 0, 1, 2]; // X (= High, the worst case) H M L

const USE_BASE = 0;
const USE_THREAT = 1;
const USE_ALL = 2;
// The same levels behind index 0 (X) for the modified metrics.
const X_AV = [-1, ...LV_AV];
const X_AC = [-1, ...LV_AC];
const X_AT = [-1, ...LV_AT];
const X_PR = [-1, ...LV_PR];
const X_UI = [-1, ...LV_UI];
const X_V = [-1, ...LV_V];
const X_S = [-1, ...LV_S];

/** The modified metric's level when the environment is used and it is defined, else the base metric's. */
function pick(v: Uint8Array, env: boolean, base: number, mod: number, table: number[], modTable: number[]): number {
  const m = env ? (v[mod] as number) - 1 : -1;
  return (m > 0 ? modTable[m] : table[(v[base] as number) - 1]) as number;
}

/** Effective levels of parsed values, using only the metric groups that `use` allows. */
function levels(v: Uint8Array, use: number, lv: Int8Array): Int8Array {
  const env = use === USE_ALL;
  lv[L.AV] = pick(v, env, 0, 15, LV_AV, X_AV);
  lv[L.AC] = pick(v, env, 1, 16, LV_AC, X_AC);
  lv[L.AT] = pick(v, env, 2, 17, LV_AT, X_AT);
  lv[L.PR] = pick(v, env, 3, 18, LV_PR, X_PR);
  lv[L.UI] = pick(v, env, 4, 19, LV_UI, X_UI);
  lv[L.VC] = pick(v, env, 5, 20, LV_V, X_V);
  lv[L.VI] = pick(v, env, 6, 21, LV_V, X_V);
  lv[L.VA] = pick(v, env, 7, 22, LV_V, X_V);
  lv[L.SC] = pick(v, env, 8, 23, LV_S, X_S);
  lv[L.SI] = pick(v, env, 9, 24, LV_S, LV_MS);
  lv[L.SA] = pick(v, env, 10, 25, LV_S, LV_MS);
  lv[L.E] = use === USE_BASE ? 0 : (LV_E[Math.max(0, (v[11] as number) - 1)] as number);
  lv[L.CR] = env ? (LV_REQ[Math.max(0, (v[12] as number) - 1)] as number) : 0;
  lv[L.IR] = env ? (LV_REQ[Math.max(0, (v[13] as number) - 1)] as number) : 0;
  lv[L.AR] = env ? (LV_REQ[Math.max(0, (v[14] as number) - 1)] as number) : 0;
  return lv;
}

/** Parses and scores a CVSS v4.0 vector ("CVSS:4.0/AV:N/…"). Throws CvssVectorError naming the problem. */
export function scoreCvss40(vector: string): CvssScore {
  const v = new Uint8Array(CVSS40.count);
  const canonical = CVSS40.parseInto(vector, 9, v);
  return computeCvss40(v, canonical ? vector : CVSS40.format(v));
}

export function computeCvss40(v: Uint8Array, vector: string): CvssScore {
  const lv = new Int8Array(15);
  const hasThreat = (v[11] as number) > 1;
  const hasEnv = CVSS40.hasGroup(v, 'ENVIRONMENTAL');
  const base = scoreLevels(levels(v, USE_BASE, lv));
  const threat = hasThreat ? scoreLevels(levels(v, USE_THREAT, lv)) : null;
  const all = hasEnv ? scoreLevels(levels(v, USE_ALL, lv)) : null;
  const final = all ?? threat ?? base;
  const score = final.tenths / 10;
  return new ScoredVector(
    CVSS40,
    v,
    '4.0',
    vector,
    base.tenths / 10,
    threat ? threat.tenths / 10 : null,
    all ? all.tenths / 10 : null,
    score,
    severityOf(score),
    null,
    null,
    `CVSS-B${hasThreat ? 'T' : ''}${hasEnv ? 'E' : ''}`,
    final.macro,
  );
}
