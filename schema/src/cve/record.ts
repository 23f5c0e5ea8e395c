// CVE JSON 5 records (CVE Record Format 5.0, CVEProject/cve-schema) for the
// CVE ids of a case, built from what the committee approved: the published
// (or, for a preview, the current) revision of the advisory that covers the
// case. Nothing goes into a record that the advisory does not already say,
// so a confidential reporter, an internal note or another case's data never
// reaches CVE Services. Built by hand: no npm package builds CVE records
// (cvelib, which ships the official schemas, validates them; tests/support/cve.ts
// checks every record we produce against those schemas with ajv).

import { type AdvisoryContent, fixedVersionOf } from '../advisory/content.ts';
import { scoreCvss, severityOf } from '../cvss/index.ts';
import { DomainError } from '../errors.ts';
import { fullCpe } from '../feeds/cpe.ts';

export interface CveRecordMeta {
  cveId: string;
  /** The case the CVE id is recorded on (VAR-…). */
  case: string;
  /** The CNA: its org UUID (PSIRT_CVE_ORG_ID) and short name. */
  orgId: string;
  shortName: string;
  /** Vendor name written into `affected[].vendor`. */
  vendor: string;
  /** The advisory (SA-…), its page and CSAF document. */
  advisory: { publicId: string; url: string; csafUrl: string | null };
  /** First publication of the advisory; null for a preview before it. */
  datePublic: Date | null;
  /** Publications of the advisory, oldest first (each a timeline entry). */
  history: readonly { date: Date; summary: string }[];
  dateReserved?: Date | null;
  dateUpdated: Date;
  /** Names of CWE ids, where known (problemTypes carry "CWE-79 Improper Neutralization …"). */
  cweName: (id: string) => string | null;
}

type Json = Record<string, unknown>;
type Product = AdvisoryContent['products'][number];
type Score = { version: string; vector: string; score: number; severity: string };

const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/** Markdown or HTML in a text: then the record carries the plain text beside it. */
const MARKUP = /[*_`#>[\]<]|^\s*[-+] /m;

/** Plain text from light markdown: links keep their text, emphasis and code marks go. */
export function plainText(markdown: string): string {
  return markdown
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\(([^)]+)\)/g, '$1 ($2)')
    .replace(/<[^>]+>/g, '')
    .replace(/^\s{0,3}#{1,6}\s+/gm, '')
    .replace(/^\s{0,3}>\s?/gm, '')
    .replace(/(\*\*|__|\*|_|`)(\S(?:.*?\S)?)\1/g, '$2')
    .trim();
}

const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/** A description in English: plain text, with the original as text/markdown when it has markup. */
function description(text: string): Json {
  const plain = clip(plainText(text) || text, 4096);
  return {
    lang: 'en',
    value: plain,
    ...(MARKUP.test(text)
      ? { supportingMedia: [{ type: 'text/markdown', base64: false, value: clip(text, 16384) }] }
      : {}),
  };
}

/**
 * The versions of a product as CVE 5 `versions` entries, from the impact's
 * range (">=4.1.0 <4.2.1", "<13.4", "<=2.0", "3.1.2", several joined by "||"
 * or ",") and its fixed version. Null when the range is not in a form read
 * here: then `defaultStatus` alone says what is known.
 */
export function cveVersions(affected: string | null, fixed: string | null): Json[] | null {
  const ranges: Json[] = [];
  const type = (...vs: (string | undefined)[]) =>
    vs.every((v) => v === undefined || v === '0' || SEMVER.test(v)) ? 'semver' : 'custom';
  for (const part of (affected ?? '').split(/\|\||,/)) {
    const text = part.trim();
    if (!text || /^(all|any|\*)$/i.test(text)) continue;
    let lower: string | undefined;
    let upper: { op: 'lessThan' | 'lessThanOrEqual'; v: string } | undefined;
    let exact: string | undefined;
    const tokens = text.split(/\s+/);
    if (tokens.length > 2) return null;
    for (const token of tokens) {
      const m = /^(>=|<=|<|=)?([^<>=\s]+)$/.exec(token);
      if (!m) return null;
      const [, op, v] = m as unknown as [string, string | undefined, string];
      if (op === '>=') lower = v;
      else if (op === '<') upper = { op: 'lessThan', v };
      else if (op === '<=') upper = { op: 'lessThanOrEqual', v };
      else if (tokens.length === 1) exact = v;
      else return null;
    }
    if (exact !== undefined && !lower && !upper) ranges.push({ version: exact, status: 'affected' });
    else if (upper) {
      const from = lower ?? '0';
      ranges.push({ version: from, status: 'affected', [upper.op]: upper.v, versionType: type(from, upper.v) });
    } else if (lower) {
      // Open above: affected up to the fix, if there is one.
      if (!fixed) return null;
      ranges.push({ version: lower, status: 'affected', lessThan: fixed, versionType: type(lower, fixed) });
    } else return null;
  }
  if (ranges.length === 0 && fixed) {
    ranges.push({ version: '0', status: 'affected', lessThan: fixed, versionType: type(fixed) });
  }
  if (fixed && !ranges.some((r) => r.version === fixed)) ranges.push({ version: fixed, status: 'unaffected' });
  return ranges.length ? ranges : null;
}

/** One `affected` entry per product of the case. */
function affectedEntry(content: AdvisoryContent, p: Product, vendor: string): Json {
  const fixed = fixedVersionOf(content, p);
  const base: Json = {
    vendor,
    product: p.name,
    ...(p.cpe && fullCpe(p.cpe) ? { cpes: [fullCpe(p.cpe)] } : {}),
    // CVE Record Format 5.1.1 names the package URL; 5.0 allows the extra property.
    ...(p.purl ? { packageURL: p.purl } : {}),
  };
  if (p.status === 'NOT_AFFECTED') return { ...base, defaultStatus: 'unaffected' };
  if (p.status === 'UNDER_INVESTIGATION') return { ...base, defaultStatus: 'unknown' };
  const versions = cveVersions(p.affectedVersions, fixed);
  if (!versions) return { ...base, defaultStatus: 'affected' };
  // Outside the ranges given: unaffected when a fix bounds them, else not known.
  return { ...base, versions, defaultStatus: fixed ? 'unaffected' : 'unknown' };
}

/** A metrics entry for a CVSS score: v3.x and v2 in their own fields, v4.0 as `other` (5.0 has no field for it). */
function metric(s: Score, scenario: string | null): Json | null {
  let scored: ReturnType<typeof scoreCvss>;
  try {
    scored = scoreCvss(s.vector);
  } catch {
    return null;
  }
  const scenarios = [{ lang: 'en', value: scenario ?? 'GENERAL' }];
  const severity = severityOf(scored.baseScore);
  if (s.version === 'V3_1' || s.vector.startsWith('CVSS:3.1/')) {
    return {
      format: 'CVSS',
      scenarios,
      cvssV3_1: { version: '3.1', vectorString: scored.vector, baseScore: scored.baseScore, baseSeverity: severity },
    };
  }
  if (s.version === 'V2') {
    return {
      format: 'CVSS',
      scenarios,
      cvssV2_0: { version: '2.0', vectorString: scored.vector, baseScore: scored.baseScore },
    };
  }
  return {
    format: 'CVSS',
    scenarios,
    other: {
      type: 'cvssV4_0',
      content: { version: '4.0', vectorString: scored.vector, baseScore: scored.baseScore, baseSeverity: severity },
    },
  };
}

/** The case's entry in the advisory content, or an error naming what is missing. */
function caseOf(content: AdvisoryContent, meta: Pick<CveRecordMeta, 'case' | 'advisory'>) {
  const c = content.cases.find((x) => x.publicId === meta.case);
  if (!c) {
    throw new DomainError(
      'CONFLICT',
      `${meta.case} is not in ${meta.advisory.publicId} as published: revise the advisory first.`,
    );
  }
  return c;
}

/** The CNA container of a published CVE record (what CVE Services takes as `cnaContainer`). */
export function cnaPublishedContainer(content: AdvisoryContent, meta: CveRecordMeta): Json {
  const c = caseOf(content, meta);
  const products = content.products.filter((p) => p.case === c.publicId);
  const single = content.cases.length === 1;
  const text = single ? (content.summary ?? c.title) : [c.title, content.summary].filter(Boolean).join('\n\n');

  const cwes = c.cwes ?? content.cwes;
  const problemTypes = cwes.length
    ? [
        {
          descriptions: cwes.map((id) => {
            const name = meta.cweName(id);
            return { lang: 'en', type: 'CWE', cweId: id, description: name ? `${id} ${name}` : id };
          }),
        },
      ]
    : [];

  const metrics: Json[] = [];
  const seen = new Set<string>();
  const push = (m: Json | null) => {
    const key = m ? JSON.stringify(m) : '';
    if (m && !seen.has(key)) {
      seen.add(key);
      metrics.push(m);
    }
  };
  const baseVectors = new Set((c.scores ?? []).map((s) => s.vector));
  for (const s of c.scores ?? []) push(metric(s, null));
  // The AVSS of each affected product, where it differs from the vendor's base score.
  for (const p of products) {
    if (!p.avss || (p.status !== 'AFFECTED' && p.status !== 'FIXED') || baseVectors.has(p.avss.vector)) continue;
    push(
      metric(
        p.avss,
        `${p.name}${p.affectedVersions ? ` ${p.affectedVersions}` : ''} (the vendor's adjusted score, AVSS)`,
      ),
    );
  }

  const references: Json[] = [
    { url: meta.advisory.url, name: meta.advisory.publicId, tags: ['vendor-advisory'] },
    ...(meta.advisory.csafUrl
      ? [{ url: meta.advisory.csafUrl, name: `${meta.advisory.publicId} (CSAF)`, tags: ['vendor-advisory'] }]
      : []),
  ];

  const remediations = content.remediations.filter((r) => r.case === c.publicId);
  const productName = (key: string | null) => (key ? (products.find((p) => p.key === key)?.name ?? key) : null);
  const remediationText = (r: (typeof remediations)[number]) => {
    const name = productName(r.product);
    return `${name ? `${name}: ` : ''}${r.description}${r.fixVersion ? ` Fixed in ${r.fixVersion}.` : ''}`;
  };
  const solutions = remediations.filter((r) => r.kind === 'FIX').map((r) => description(remediationText(r)));
  const workarounds = remediations.filter((r) => r.kind !== 'FIX').map((r) => description(remediationText(r)));

  const credits = c.credits ?? content.credits;
  const timeline = meta.history.map((h, i) => ({
    time: h.date.toISOString(),
    lang: 'en',
    value: clip(
      i === 0 ? `${meta.advisory.publicId} published` : `${meta.advisory.publicId} revised: ${h.summary}`,
      4096,
    ),
  }));

  return {
    providerMetadata: { orgId: meta.orgId, shortName: meta.shortName, dateUpdated: meta.dateUpdated.toISOString() },
    ...(meta.datePublic ? { datePublic: meta.datePublic.toISOString() } : {}),
    title: clip(c.title, 256),
    descriptions: [description(text)],
    affected: products.length
      ? products.map((p) => affectedEntry(content, p, meta.vendor))
      : [{ vendor: meta.vendor, product: 'n/a', defaultStatus: 'unknown' }],
    ...(problemTypes.length ? { problemTypes } : {}),
    ...(metrics.length ? { metrics } : {}),
    ...(solutions.length ? { solutions } : {}),
    ...(workarounds.length ? { workarounds } : {}),
    ...(c.exploitationObserved
      ? { exploits: [description('Exploitation of this vulnerability has been observed.')] }
      : {}),
    references,
    ...(credits.length ? { credits: credits.map((value) => ({ lang: 'en', value, type: 'reporter' })) } : {}),
    ...(timeline.length ? { timeline } : {}),
    source: { advisory: meta.advisory.publicId, discovery: credits.length ? 'EXTERNAL' : 'UNKNOWN' },
  };
}

/** The CNA container of a rejected CVE id: why, and what replaces it. */
export function cnaRejectedContainer(meta: {
  orgId: string;
  shortName: string;
  reason: string;
  replacedBy?: readonly string[];
  dateUpdated: Date;
}): Json {
  return {
    providerMetadata: { orgId: meta.orgId, shortName: meta.shortName, dateUpdated: meta.dateUpdated.toISOString() },
    rejectedReasons: [description(meta.reason)],
    ...(meta.replacedBy?.length ? { replacedBy: [...meta.replacedBy] } : {}),
  };
}

/** The whole CVE record (`dataType: CVE_RECORD`) around a CNA container. */
export function cveRecordOf(
  cna: Json,
  meta: Pick<CveRecordMeta, 'cveId' | 'orgId' | 'shortName' | 'dateUpdated'> & {
    state: 'PUBLISHED' | 'REJECTED';
    dateReserved?: Date | null;
    datePublished?: Date | null;
  },
): Json {
  return {
    dataType: 'CVE_RECORD',
    dataVersion: '5.0',
    cveMetadata: {
      cveId: meta.cveId,
      assignerOrgId: meta.orgId,
      assignerShortName: meta.shortName,
      state: meta.state,
      ...(meta.dateReserved ? { dateReserved: meta.dateReserved.toISOString() } : {}),
      ...(meta.state === 'PUBLISHED' && meta.datePublished ? { datePublished: meta.datePublished.toISOString() } : {}),
      ...(meta.state === 'REJECTED' ? { dateRejected: meta.dateUpdated.toISOString() } : {}),
      dateUpdated: meta.dateUpdated.toISOString(),
    },
    containers: { cna },
  };
}
