// What an advisory says, frozen in each revision: built by the API from the
// advisory's cases, voted on by the committee, published, and rendered as CSAF
// (and later on the website and in mails) from this shape alone.

export interface AdvisoryContent {
  title: string;
  summary: string | null;
  tlp: 'CLEAR' | 'GREEN' | 'AMBER' | 'AMBER_STRICT' | 'RED';
  cases: {
    publicId: string;
    title: string;
    severity: string | null;
    severityScore: number | null;
    exploitationObserved: boolean;
    /** Since when (ISO 8601; absent in older revisions). */
    exploitationObservedAt?: string | null;
    publiclyKnown: boolean;
    /** CVE ids reserved or published for this case. */
    cves: string[];
    /** This case's CWE ids (revisions frozen before they were kept per case: see `cwes`). */
    cwes?: string[];
    /** The vendor's latest base score per CVSS version (absent in older revisions). */
    scores?: { version: string; vector: string; score: number; severity: string }[];
    /** This case's credit lines (absent in older revisions: see `credits`). */
    credits?: string[];
  }[];
  cves: string[];
  cwes: string[];
  products: {
    case: string;
    key: string;
    name: string;
    productLine: string;
    status: 'UNDER_INVESTIGATION' | 'AFFECTED' | 'NOT_AFFECTED' | 'FIXED';
    justification: string | null;
    justificationText: string | null;
    affectedVersions: string | null;
    fixedVersion: string | null;
    fixEta: string | null;
    avss: { version: string; vector: string; score: number; severity: string } | null;
    /** The catalogue's package URL and CPE 2.3 name of the product, without a version (absent in older revisions). */
    purl?: string | null;
    cpe?: string | null;
  }[];
  remediations: {
    case: string;
    kind: 'CONFIGURATION' | 'RESTRICTION' | 'WORKAROUND' | 'FIX';
    description: string;
    product: string | null;
    fixVersion: string | null;
    availableAt: string | null;
  }[];
  /** Credit lines, as each reporter chose; a confidential reporter is never among them. */
  credits: string[];
}

type Product = AdvisoryContent['products'][number];

/**
 * The version that fixes a product: recorded on its impact, else the version of
 * a FIX for it (or for its whole case). One rule for CSAF, pages and mails.
 */
export function fixedVersionOf(content: AdvisoryContent, p: Product): string | null {
  return (
    p.fixedVersion ??
    content.remediations.find(
      (r) => r.kind === 'FIX' && r.case === p.case && (r.product === p.key || r.product === null) && r.fixVersion,
    )?.fixVersion ??
    null
  );
}

/** An advisory's severity: the highest AVSS among affected products, else the highest case severity. */
export function advisorySeverity(content: AdvisoryContent): { severity: string; score: number } | null {
  let best: { severity: string; score: number } | null = null;
  for (const p of content.products) {
    if (p.avss && (p.status === 'AFFECTED' || p.status === 'FIXED') && (!best || p.avss.score > best.score)) {
      best = { severity: p.avss.severity, score: p.avss.score };
    }
  }
  if (best) return best;
  for (const c of content.cases) {
    if (c.severity && c.severityScore !== null && (!best || c.severityScore > best.score)) {
      best = { severity: c.severity, score: c.severityScore };
    }
  }
  return best;
}
