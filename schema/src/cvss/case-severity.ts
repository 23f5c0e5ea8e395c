// The severity of a case, per the PSIRT policy: the highest current AVSS among
// the products the case may affect (the latest AVSS per product counts; a
// product assessed NOT_AFFECTED does not), falling back to the latest vendor
// base score while no AVSS exists. Reporter and third-party scores are kept
// beside these and never count.
import type { Severity } from './rating.ts';

export type ScoreKind = 'REPORTER' | 'VENDOR_BASE' | 'AVSS' | 'THIRD_PARTY';

export interface ScoreFact {
  kind: ScoreKind;
  productId: string | null;
  /** The score with one decimal. */
  score: number;
  severity: Severity;
  createdAt: Date;
  /** Breaks ties between scores recorded at the same instant (ids are time-ordered UUIDv7). */
  id: string;
}

export interface ImpactFact {
  productId: string;
  status: 'UNDER_INVESTIGATION' | 'AFFECTED' | 'NOT_AFFECTED' | 'FIXED';
}

export interface CaseSeverity {
  severity: Severity;
  score: number;
  /** What it came from: the AVSS of the highest-scored product, or the vendor base score. */
  basis: 'AVSS' | 'VENDOR_BASE';
  /** The score record it came from. */
  scoreId: string;
}

const newer = (a: ScoreFact, b: ScoreFact) =>
  a.createdAt.getTime() !== b.createdAt.getTime() ? a.createdAt > b.createdAt : a.id > b.id;

/** The latest score per product (AVSS), the current one of each. */
function currentAvss(scores: readonly ScoreFact[]): Map<string, ScoreFact> {
  const current = new Map<string, ScoreFact>();
  for (const s of scores) {
    if (s.kind !== 'AVSS' || !s.productId) continue;
    const held = current.get(s.productId);
    if (!held || newer(s, held)) current.set(s.productId, s);
  }
  return current;
}

/** The case's severity, or null while it has neither an AVSS nor a vendor base score. */
export function caseSeverity(scores: readonly ScoreFact[], impacts: readonly ImpactFact[]): CaseSeverity | null {
  const notAffected = new Set(impacts.filter((i) => i.status === 'NOT_AFFECTED').map((i) => i.productId));
  const onCase = new Set(impacts.map((i) => i.productId));
  let best: ScoreFact | null = null;
  for (const [productId, s] of currentAvss(scores)) {
    if (!onCase.has(productId) || notAffected.has(productId)) continue;
    if (!best || s.score > best.score) best = s;
  }
  if (best) return { severity: best.severity, score: best.score, basis: 'AVSS', scoreId: best.id };
  let base: ScoreFact | null = null;
  for (const s of scores) if (s.kind === 'VENDOR_BASE' && (!base || newer(s, base))) base = s;
  return base ? { severity: base.severity, score: base.score, basis: 'VENDOR_BASE', scoreId: base.id } : null;
}
