// Qualitative ratings per the PSIRT policy, the same bands for every CVSS
// version (CVSS v2 itself has no Critical band; the policy applies one scale so
// that a v2 score from a feed sorts with the rest).

export const SEVERITIES = ['NONE', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Policy labels. NONE on an AVSS means the product is not impacted. */
export const SEVERITY_LABELS: Record<Severity, string> = {
  NONE: 'Not impacted',
  LOW: 'Low',
  MEDIUM: 'Medium',
  HIGH: 'High',
  CRITICAL: 'Critical',
};

/** The band of a score with one decimal: 0.0 | 0.1–3.9 | 4.0–6.9 | 7.0–8.9 | 9.0–10.0. */
export function severityOf(score: number): Severity {
  // Compare in tenths so that 3.9000000000000004 is still LOW.
  const tenths = Math.round(score * 10);
  if (tenths <= 0) return 'NONE';
  if (tenths < 40) return 'LOW';
  if (tenths < 70) return 'MEDIUM';
  if (tenths < 90) return 'HIGH';
  return 'CRITICAL';
}

/** The severities at or above `min`, for filters. */
export function severitiesAtLeast(min: Severity): Severity[] {
  return SEVERITIES.slice(SEVERITIES.indexOf(min));
}
