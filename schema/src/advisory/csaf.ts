// CSAF 2.0 (OASIS, csaf-v2.0-os) documents from a published advisory revision:
// the `csaf_security_advisory` profile, and `csaf_vex` for per-product status.
// Built by hand from the specification because no npm library builds CSAF
// (the npm packages validate it; the tests check every document we produce
// with @secvisogram/csaf-validator-lib in strict mode).

import { scoreCvss, severityOf } from '../cvss/index.ts';
import { fullCpe } from '../feeds/cpe.ts';
import { CSAF_TLP_LABEL } from '../tlp.ts';
import { type AdvisoryContent, fixedVersionOf as fixedOf } from './content.ts';

export type CsafProfile = 'csaf_security_advisory' | 'csaf_vex';

export interface CsafMeta {
  /** The advisory's public id, e.g. SA-2026-0001: the tracking id. */
  publicId: string;
  profile: CsafProfile;
  publisher: { name: string; namespace: string; contactDetails?: string };
  /** interim for an early advisory (it will be revised when fixes ship), else final. */
  status: 'final' | 'interim';
  /** Every published revision, oldest first: when, and its changelog line. */
  history: readonly { date: Date; summary: string }[];
  generatedAt: Date;
  engineVersion: string;
  /** Names of CWE ids (vulnerabilities[].cwe needs the name the CWE list gives; unknown ids are left out). */
  cweName?: (id: string) => string | null;
}

const TLP_LABEL = CSAF_TLP_LABEL;

const REMEDIATION = {
  FIX: 'vendor_fix',
  WORKAROUND: 'workaround',
  CONFIGURATION: 'mitigation',
  RESTRICTION: 'mitigation',
} as const;

/** The file name the CSAF provider layout uses for a tracking id (section 5.1). */
export function csafFileName(trackingId: string): string {
  return `${trackingId.toLowerCase().replace(/[^+\-a-z0-9]+/g, '_')}.json`;
}

/** Where the document lives in the provider layout: /.well-known/csaf/<tlp>/<year>/<file>. */
export function csafPath(meta: Pick<CsafMeta, 'publicId'>, tlp: AdvisoryContent['tlp'], firstRelease: Date): string {
  return `/.well-known/csaf/${TLP_LABEL[tlp].toLowerCase()}/${firstRelease.getUTCFullYear()}/${csafFileName(meta.publicId)}`;
}

/** document.publisher: the vendor that publishes (advisories and VEX alike). */
export const csafPublisher = (p: CsafMeta['publisher']) => ({
  category: 'vendor',
  name: p.name,
  namespace: p.namespace,
  ...(p.contactDetails ? { contact_details: p.contactDetails } : {}),
});

/** document.distribution for a CSAF 2.0 TLP label. */
export const csafDistribution = (label: string) => ({ tlp: { label, url: 'https://www.first.org/tlp/' } });

const pid = (key: string, suffix?: string) =>
  `CSAFPID-${key}${suffix ? `-${suffix.replace(/[^A-Za-z0-9.+_-]/g, '_')}` : ''}`;

/** A product version in a package URL: pkg:type/name@version (the version percent-encoded). */
const purlAt = (purl: string, version: string) => `${purl.replace(/@[^?#]*$/, '')}@${encodeURIComponent(version)}`;

/** A CPE 2.3 name with its version component set (special characters quoted, as CPE 2.3 asks). */
function cpeAt(cpe: string, version: string): string | null {
  const full = fullCpe(cpe);
  if (!full?.startsWith('cpe:2.3:')) return null;
  const parts = full.split(/(?<!\\):/);
  parts[5] = version.replace(/[^A-Za-z0-9._-]/g, (c) => `\\${c}`);
  return parts.join(':');
}

/** product_identification_helper from the catalogue's CPE and package URL (test 6.2.16). */
function identification(p: AdvisoryContent['products'][number], version: string | null) {
  const cpe = p.cpe ? (version ? cpeAt(p.cpe, version) : fullCpe(p.cpe)) : null;
  const purl = p.purl ? (version ? purlAt(p.purl, version) : p.purl) : null;
  return cpe || purl ? { product_identification_helper: { ...(cpe ? { cpe } : {}), ...(purl ? { purl } : {}) } } : {};
}

/**
 * Keys in alphabetical order at every level (optional test 6.2.13), so that
 * the document reads the same whatever order it was built in. Arrays keep theirs.
 */
export function sortedKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(sortedKeys) as T;
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sortedKeys((value as Record<string, unknown>)[k])]),
  ) as T;
}

/** The CSAF document for a published revision's content. */
export function buildCsaf(content: AdvisoryContent, meta: CsafMeta): Record<string, unknown> {
  if (meta.history.length === 0) throw new Error('a CSAF document needs at least one published revision');
  const first = meta.history[0] as { date: Date };
  const last = meta.history[meta.history.length - 1] as { date: Date };
  const iso = (d: Date) => d.toISOString();

  // Product tree: vendor → product family (product line) → product name; a fixed
  // version is its own product (product_version) so that a product is never both
  // affected and fixed (mandatory test 6.1.6).
  type Leaf = {
    category: string;
    name: string;
    product?: { name: string; product_id: string; product_identification_helper?: Record<string, string> };
    branches?: Leaf[];
  };
  const families = new Map<string, Map<string, Leaf>>();
  const defined = new Set<string>();
  const fixedVersionOf = (p: AdvisoryContent['products'][number]) => fixedOf(content, p);
  const productFor = (p: AdvisoryContent['products'][number]) => {
    const fixedVersion = fixedVersionOf(p);
    const family = families.get(p.productLine) ?? new Map<string, Leaf>();
    families.set(p.productLine, family);
    let leaf = family.get(p.key);
    if (!leaf) {
      const name = p.affectedVersions ? `${p.name} ${p.affectedVersions}` : p.name;
      leaf = {
        category: 'product_name',
        name: p.name,
        product: { name, product_id: pid(p.key), ...identification(p, null) },
      };
      family.set(p.key, leaf);
      defined.add(pid(p.key));
    }
    if (fixedVersion && !defined.has(pid(p.key, fixedVersion))) {
      // A product_name branch with versions below it carries no product itself.
      const base = leaf.product;
      leaf.branches ??= [];
      if (base) {
        delete leaf.product;
        leaf.branches.push({
          category: 'product_version_range',
          name: `vers:generic/${(p.affectedVersions ?? `<${fixedVersion}`).trim().split(/\s+/).join('|')}`,
          product: base,
        });
      }
      leaf.branches.push({
        category: 'product_version',
        name: fixedVersion,
        product: {
          name: `${p.name} ${fixedVersion}`,
          product_id: pid(p.key, fixedVersion),
          ...identification(p, fixedVersion),
        },
      });
      defined.add(pid(p.key, fixedVersion));
    }
  };
  for (const p of content.products) productFor(p);

  const vulnerabilities = content.cases.flatMap((c): Record<string, unknown>[] => {
    const products = content.products.filter((p) => p.case === c.publicId);
    const status: Record<string, string[]> = {};
    const add = (k: string, id: string) => {
      status[k] ??= [];
      if (!status[k].includes(id)) status[k].push(id);
    };
    for (const p of products) {
      if (p.status === 'AFFECTED' || p.status === 'FIXED') {
        add('known_affected', pid(p.key));
        const fixed = fixedVersionOf(p);
        if (fixed) add('fixed', pid(p.key, fixed));
      } else if (p.status === 'NOT_AFFECTED') add('known_not_affected', pid(p.key));
      else add('under_investigation', pid(p.key));
    }
    const affected = status.known_affected ?? [];
    const remediations: Record<string, unknown>[] = content.remediations
      .filter((r) => r.case === c.publicId)
      .map((r) => {
        const target = products.find((p) => p.key === r.product);
        const ids = target ? [pid(target.key)] : affected;
        return {
          category: REMEDIATION[r.kind],
          details: r.fixVersion ? `${r.description} (fixed in ${r.fixVersion})` : r.description,
          product_ids: ids,
          ...(r.availableAt ? { date: r.availableAt } : {}),
        };
      })
      .filter((r) => (r.product_ids as string[]).length > 0);
    // A product fixed in a version with no FIX recorded for it: the fix is that version.
    const fixedBy = new Set(
      remediations.filter((r) => r.category === 'vendor_fix').flatMap((r) => r.product_ids as string[]),
    );
    for (const p of products) {
      const fixed = (p.status === 'AFFECTED' || p.status === 'FIXED') && fixedVersionOf(p);
      if (fixed && !fixedBy.has(pid(p.key))) {
        remediations.push({
          category: 'vendor_fix',
          details: `Update ${p.name} to ${fixed} or later.`,
          product_ids: [pid(p.key)],
        });
        fixedBy.add(pid(p.key));
      }
    }
    // Every affected product gets an action statement (VEX 6.1.27.10): "none available" when nothing is;
    // a product still under investigation too (optional test 6.2.2).
    const covered = new Set(remediations.flatMap((r) => r.product_ids as string[]));
    const uncovered = affected.filter((id) => !covered.has(id));
    if (uncovered.length) {
      remediations.push({
        category: 'none_available',
        details: 'No fix or workaround is available yet.',
        product_ids: uncovered,
      });
    }
    const investigated = (status.under_investigation ?? []).filter((id) => !covered.has(id));
    if (investigated.length) {
      remediations.push({
        category: 'none_available',
        details: 'Still under investigation: no fix or workaround is known yet.',
        product_ids: investigated,
      });
    }
    const scores = products
      .filter((p) => p.avss?.version === 'V3_1' && (p.status === 'AFFECTED' || p.status === 'FIXED'))
      .map((p) => {
        const s = scoreCvss((p.avss as { vector: string }).vector);
        return {
          cvss_v3: {
            version: '3.1',
            vectorString: s.vector,
            baseScore: s.baseScore,
            baseSeverity: severityOf(s.baseScore),
            ...(s.temporalScore !== null
              ? { temporalScore: s.temporalScore, temporalSeverity: severityOf(s.temporalScore) }
              : {}),
            ...(s.environmentalScore !== null
              ? { environmentalScore: s.environmentalScore, environmentalSeverity: severityOf(s.environmentalScore) }
              : {}),
          },
          products: [pid(p.key)],
        };
      });
    const notAffected = products.filter((p) => p.status === 'NOT_AFFECTED');
    const flags = notAffected
      .filter((p) => p.justification)
      .map((p) => ({ label: (p.justification as string).toLowerCase(), product_ids: [pid(p.key)] }));
    const threats = [
      ...notAffected.map((p) => ({
        category: 'impact',
        details: p.justificationText ?? `${p.name} is not affected.`,
        product_ids: [pid(p.key)],
      })),
      // Machine-readable for users (CRA Art. 14(8)): exploited, since when, in which products.
      ...(c.exploitationObserved
        ? [
            {
              category: 'exploit_status',
              details: 'Exploitation of this vulnerability has been observed (actively exploited).',
              ...(c.exploitationObservedAt ? { date: c.exploitationObservedAt } : {}),
              ...(affected.length ? { product_ids: affected } : {}),
            },
          ]
        : []),
    ];
    const versions = products
      .filter((p) => p.affectedVersions)
      .map((p) => `${p.name}: ${p.affectedVersions}`)
      .join('; ');
    // CSAF 2.0 has no field for CVSS v4.0 (CSAF 2.1 has): such a score is said in a note rather than lost.
    const v4Notes = products
      .filter((p) => p.avss && p.avss.version === 'V4_0' && (p.status === 'AFFECTED' || p.status === 'FIXED'))
      .map((p) => {
        const a = p.avss as NonNullable<typeof p.avss>;
        return {
          category: 'other',
          title: `CVSS v4.0: ${p.name}`,
          text: `${p.name}: CVSS v4.0 base score ${a.score.toFixed(1)} (${a.severity}), ${a.vector}. CSAF 2.0 has no field for CVSS v4.0 scores.`,
        };
      });
    const cweId = (c.cwes ?? content.cwes).find((id) => meta.cweName?.(id));
    const base = {
      title: c.title,
      ...(cweId ? { cwe: { id: cweId, name: meta.cweName?.(cweId) as string } } : {}),
      notes: [
        {
          category: 'description',
          title: 'Vulnerability description',
          text: `${c.title}.${versions ? ` Affected versions: ${versions}.` : ''}`,
        },
        ...v4Notes,
      ],
      product_status: status,
      ...(remediations.length ? { remediations } : {}),
      ...(scores.length ? { scores } : {}),
      ...(flags.length ? { flags } : {}),
      ...(threats.length ? { threats } : {}),
    };
    if (c.cves.length === 0)
      return [{ ...base, ids: [{ system_name: meta.publisher.name, text: `${meta.publicId}/${c.publicId}` }] }];
    return c.cves.map((cve) => ({ cve, ...base }));
  });

  const tree = {
    branches: [
      {
        category: 'vendor',
        name: meta.publisher.name,
        branches: [...families].map(([family, leaves]) => ({
          category: 'product_family',
          name: family,
          branches: [...leaves.values()],
        })),
      },
    ],
  };

  return sortedKeys({
    document: {
      category: meta.profile,
      csaf_version: '2.0',
      title: content.title,
      lang: 'en',
      publisher: csafPublisher(meta.publisher),
      distribution: csafDistribution(TLP_LABEL[content.tlp]),
      notes: [
        { category: 'summary', title: 'Summary', text: content.summary ?? content.title },
        ...(meta.status === 'interim'
          ? [
              {
                category: 'general',
                title: 'Early advisory',
                text: 'Published before fixes are available for every affected product; it will be revised when they ship.',
              },
            ]
          : []),
      ],
      references: [
        {
          category: 'self',
          summary: `${meta.publicId} (CSAF)`,
          url: `${meta.publisher.namespace.replace(/\/$/, '')}${csafPath(meta, content.tlp, first.date)}`,
        },
      ],
      ...(content.credits.length ? { acknowledgments: content.credits.map((c) => ({ names: [c] })) } : {}),
      tracking: {
        id: meta.publicId,
        status: meta.status,
        version: String(meta.history.length),
        revision_history: meta.history.map((h, i) => ({
          number: String(i + 1),
          date: iso(h.date),
          summary: h.summary,
        })),
        initial_release_date: iso(first.date),
        current_release_date: iso(last.date),
        generator: { engine: { name: 'psirt', version: meta.engineVersion }, date: iso(meta.generatedAt) },
      },
    },
    product_tree: tree,
    vulnerabilities,
  });
}
