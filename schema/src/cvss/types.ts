import type { Severity } from './rating.ts';
import type { CvssMetric } from './vector.ts';

export type CvssVersionName = '2.0' | '3.1' | '4.0';

/** The stored/GraphQL enum value of each version (CvssVersion). */
export const CVSS_VERSION_ENUM = { '2.0': 'V2', '3.1': 'V3_1', '4.0': 'V4_0' } as const satisfies Record<
  CvssVersionName,
  string
>;

/** A scored vector. Scores have one decimal, as the specifications define them. */
export interface CvssScore {
  version: CvssVersionName;
  /** The canonical vector: specification order, "not defined" metrics left out. */
  vector: string;
  baseScore: number;
  /**
   * v2/v3.1: the temporal score; v4.0: the CVSS-BT score (base and threat
   * metrics only). Null when the vector has no temporal/threat metric.
   */
  temporalScore: number | null;
  /** The environmental score (v4.0: CVSS-BE or CVSS-BTE). Null when the vector has no environmental metric. */
  environmentalScore: number | null;
  /** The one to display: the most specific of the above. */
  score: number;
  severity: Severity;
  /** v2/v3.1 impact sub-score of the base metrics; null for v4.0, which has none. */
  impactSubScore: number | null;
  /** v2/v3.1 exploitability sub-score of the base metrics; null for v4.0. */
  exploitabilitySubScore: number | null;
  /** v4.0 nomenclature (CVSS-B, CVSS-BT, CVSS-BE, CVSS-BTE); null for v2/v3.1. */
  nomenclature: string | null;
  /** v4.0 MacroVector (EQ1…EQ6, e.g. "002201"); null for v2/v3.1. */
  macroVector: string | null;
  /** The given metrics with human-readable names, in specification order (computed on demand). */
  metrics(): CvssMetric[];
}
