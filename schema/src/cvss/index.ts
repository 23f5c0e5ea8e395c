// CVSS calculators: v2 (third-party feeds), v3.1 and v4.0. Pure functions; no
// dependencies at run time.
import type { CvssScore } from './types.ts';
import { scoreCvss2 } from './v2.ts';
import { scoreCvss31 } from './v3.ts';
import { scoreCvss40 } from './v4.ts';
import { CvssVectorError } from './vector.ts';

export * from './rating.ts';
export { CVSS_VERSION_ENUM, type CvssScore, type CvssVersionName } from './types.ts';
export { CVSS2, CVSS2_METRICS, scoreCvss2 } from './v2.ts';
export { CVSS31, CVSS31_METRICS, roundup, scoreCvss31 } from './v3.ts';
export { CVSS40, CVSS40_METRICS, scoreCvss40 } from './v4.ts';
export { type CvssMetric, CvssVectorError, type MetricDef, type MetricGroup, VectorGrammar } from './vector.ts';

/** The longest vector any version allows, with room for whitespace; longer input is refused unread. */
export const MAX_VECTOR_LENGTH = 300;

/**
 * Parses and scores a vector of any supported version, told apart by its
 * prefix ("CVSS:3.1/", "CVSS:4.0/"; v2 has none). Surrounding whitespace is
 * ignored. Throws CvssVectorError (VALIDATION) naming the offending part.
 */
export function scoreCvss(input: string): CvssScore {
  if (input.length > MAX_VECTOR_LENGTH) {
    throw new CvssVectorError(
      `A CVSS vector is at most ${MAX_VECTOR_LENGTH} characters (this one has ${input.length}).`,
    );
  }
  const vector = input.trim();
  if (vector === '') throw new CvssVectorError('The CVSS vector is empty.');
  if (vector.startsWith('CVSS:3.1/')) return scoreCvss31(vector);
  if (vector.startsWith('CVSS:4.0/')) return scoreCvss40(vector);
  if (vector.startsWith('CVSS:2.0/')) return scoreCvss2(vector, 9);
  if (!vector.startsWith('CVSS:') && /^\(?[A-Za-z]{1,3}:/.test(vector)) {
    // Unprefixed: v2 as the feeds write it, unless it uses v3/v4 metrics and only lacks its prefix.
    if (/(^|\/)(AT|VC|VI|VA|SC|SI|SA):/.test(vector)) {
      throw new CvssVectorError('This looks like a CVSS v4.0 vector without its prefix: write CVSS:4.0/… in front.');
    }
    if (/(^|\/)(PR|UI|S):/.test(vector)) {
      throw new CvssVectorError('This looks like a CVSS v3.1 vector without its prefix: write CVSS:3.1/… in front.');
    }
    return scoreCvss2(vector);
  }
  if (vector.startsWith('CVSS:3.0/')) {
    throw new CvssVectorError(
      'CVSS v3.0 vectors are not scored here: write it as CVSS:3.1/… (the metrics are the same; v3.1 corrected the formulas).',
    );
  }
  const prefix = /^CVSS:([^/]*)/.exec(vector);
  if (prefix) {
    throw new CvssVectorError(
      `CVSS:${prefix[1]} is not a supported version (supported: CVSS:3.1, CVSS:4.0, and v2 vectors).`,
    );
  }
  throw new CvssVectorError(
    `"${vector.length > 40 ? `${vector.slice(0, 40)}…` : vector}" is not a CVSS vector: expected CVSS:3.1/…, CVSS:4.0/… or a v2 vector (AV:…/AC:…/Au:…).`,
  );
}
export * from './case-severity.ts';
