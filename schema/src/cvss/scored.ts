import type { Severity } from './rating.ts';
import type { CvssScore, CvssVersionName } from './types.ts';
import type { CvssMetric, VectorGrammar } from './vector.ts';

/** A CvssScore that keeps its parsed values so metric names are only built when asked for. */
export class ScoredVector implements CvssScore {
  constructor(
    private readonly grammar: VectorGrammar,
    private readonly values: Uint8Array,
    readonly version: CvssVersionName,
    readonly vector: string,
    readonly baseScore: number,
    readonly temporalScore: number | null,
    readonly environmentalScore: number | null,
    readonly score: number,
    readonly severity: Severity,
    readonly impactSubScore: number | null,
    readonly exploitabilitySubScore: number | null,
    readonly nomenclature: string | null,
    readonly macroVector: string | null,
  ) {}

  metrics(): CvssMetric[] {
    return this.grammar.describe(this.values);
  }
}
