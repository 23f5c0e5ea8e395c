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
    publiclyKnown: boolean;
    /** CVE ids reserved or published for this case. */
    cves: string[];
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
