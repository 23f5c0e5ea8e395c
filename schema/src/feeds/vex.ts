// A product's VEX: what each third-party CVE matched to its components means
// for it, from the assessments — as a CSAF 2.0 `csaf_vex` document and as a
// CycloneDX 1.5 BOM with vulnerabilities. Built by hand from the
// specifications like the advisories' CSAF (csaf.ts); the tests validate both
// (the CSAF validator library in strict mode, the CycloneDX JSON schema).
import { csafDistribution, csafPublisher } from '../advisory/csaf.ts';
import { CSAF_TLP_LABEL, type TlpName } from '../tlp.ts';

export type AssessmentStateName = 'IN_TRIAGE' | 'EXPLOITABLE' | 'NOT_AFFECTED' | 'FALSE_POSITIVE' | 'RESOLVED';

export interface VexAssessment {
  cveId: string;
  description: string | null;
  productVersion: string;
  component: { name: string; version: string | null; purl: string | null; cpe: string | null };
  state: AssessmentStateName;
  justification: string | null;
  rationale: string | null;
  /** The supplier's score (NVD primary), when there is one. */
  supplierCvss: SupplierMetric | null;
  /** The vendor's AVSS for this product, when recorded. */
  avss: { vector: string; score: number; severity: string } | null;
}

export interface VexMeta {
  product: { key: string; name: string };
  publisher: { name: string; namespace: string; contactDetails?: string };
  generatedAt: Date;
  engineVersion: string;
  /** TLP of the document: a VEX for customers is usually GREEN or CLEAR. */
  tlp: TlpName;
  /**
   * The document's versions, oldest first (default: this one alone, version 1,
   * at generatedAt): its tracking (CSAF) or version (CycloneDX).
   */
  history?: readonly { number: number; date: Date; summary: string }[];
}

/** The versions of a VEX document: those given, or one at generatedAt. */
const historyOf = (meta: VexMeta) =>
  meta.history?.length
    ? meta.history
    : [{ number: 1, date: meta.generatedAt, summary: 'Generated from the current assessments.' }];

/** A CVSS score a source published for a CVE (as stored from the feed). */
export interface SupplierMetric {
  source: string;
  type: string | null;
  version: string;
  vector: string;
  baseScore: number;
  severity: string | null;
}

/**
 * The supplier's score shown beside the AVSS: the supplier's own (from its
 * CSAF advisory, type "Supplier"), else NVD's primary one; newest CVSS version first.
 */
export function supplierScore(metrics: readonly SupplierMetric[]): SupplierMetric | null {
  const kind = (m: SupplierMetric) => (m.type === 'Supplier' ? 0 : m.type === 'Primary' ? 10 : 20);
  const rank = (m: SupplierMetric) => kind(m) - Number.parseFloat(m.version);
  return [...metrics].sort((a, b) => rank(a) - rank(b))[0] ?? null;
}

const pid = (key: string, version: string) => `CSAFPID-${key}-${version.replace(/[^A-Za-z0-9.+_-]/g, '_')}`;
const CSAF_STATUS = {
  IN_TRIAGE: 'under_investigation',
  EXPLOITABLE: 'known_affected',
  NOT_AFFECTED: 'known_not_affected',
  FALSE_POSITIVE: 'known_not_affected',
  RESOLVED: 'fixed',
} as const;

/** The product's VEX as a CSAF 2.0 document (profile csaf_vex). */
export function buildCsafVex(assessments: readonly VexAssessment[], meta: VexMeta): Record<string, unknown> {
  const iso = meta.generatedAt.toISOString();
  const versions = [...new Set(assessments.map((a) => a.productVersion))].sort();
  const byCve = new Map<string, VexAssessment[]>();
  for (const a of assessments) byCve.set(a.cveId, [...(byCve.get(a.cveId) ?? []), a]);
  const vulnerabilities = [...byCve].map(([cve, list]) => {
    const status: Record<string, string[]> = {};
    const add = (k: string, id: string) => {
      status[k] ??= [];
      if (!status[k].includes(id)) status[k].push(id);
    };
    // One product version, one status: the most severe of its components' assessments.
    const rank = ['EXPLOITABLE', 'IN_TRIAGE', 'RESOLVED', 'NOT_AFFECTED', 'FALSE_POSITIVE'];
    const perVersion = new Map<string, VexAssessment>();
    for (const a of list) {
      const held = perVersion.get(a.productVersion);
      if (!held || rank.indexOf(a.state) < rank.indexOf(held.state)) perVersion.set(a.productVersion, a);
    }
    const flags: Record<string, unknown>[] = [];
    const threats: Record<string, unknown>[] = [];
    const remediations: Record<string, unknown>[] = [];
    const scores: Record<string, unknown>[] = [];
    for (const [version, a] of perVersion) {
      const id = pid(meta.product.key, version);
      add(CSAF_STATUS[a.state], id);
      const via = `${a.component.name}${a.component.version ? ` ${a.component.version}` : ''}`;
      if (a.state === 'NOT_AFFECTED' || a.state === 'FALSE_POSITIVE') {
        if (a.justification) flags.push({ label: a.justification.toLowerCase(), product_ids: [id] });
        threats.push({
          category: 'impact',
          details:
            a.rationale ??
            (a.state === 'FALSE_POSITIVE'
              ? `${via} does not contain the vulnerable code: the match was a false positive.`
              : `${meta.product.name} ${version} is not affected through ${via}.`),
          product_ids: [id],
        });
      }
      if (a.state === 'EXPLOITABLE') {
        // Every affected product needs an action statement (VEX 6.1.27.10).
        remediations.push({
          category: 'none_available',
          details: a.rationale ?? `Affected through ${via}; the PSIRT is preparing a fix.`,
          product_ids: [id],
        });
        const cvss = a.avss ?? null;
        if (cvss?.vector.startsWith('CVSS:3.1/')) {
          scores.push({
            cvss_v3: {
              version: '3.1',
              vectorString: cvss.vector,
              baseScore: cvss.score,
              baseSeverity: cvss.severity,
            },
            products: [id],
          });
        }
      }
      if (a.state === 'RESOLVED') {
        remediations.push({
          category: 'vendor_fix',
          details: a.rationale ?? `Resolved in ${meta.product.name} ${version}.`,
          product_ids: [id],
        });
      }
    }
    const first = list[0] as VexAssessment;
    return {
      cve,
      notes: [{ category: 'description', title: 'Vulnerability description', text: first.description ?? cve }],
      product_status: status,
      ...(flags.length ? { flags } : {}),
      ...(threats.length ? { threats } : {}),
      ...(remediations.length ? { remediations } : {}),
      ...(scores.length ? { scores } : {}),
    };
  });
  const trackingId = `VEX-${meta.product.key.toUpperCase()}`;
  const history = historyOf(meta);
  return {
    document: {
      category: 'csaf_vex',
      csaf_version: '2.0',
      title: `VEX: third-party vulnerabilities in ${meta.product.name}`,
      lang: 'en',
      publisher: csafPublisher(meta.publisher),
      distribution: csafDistribution(CSAF_TLP_LABEL[meta.tlp]),
      notes: [
        {
          category: 'summary',
          title: 'Summary',
          text: `The status of ${meta.product.name} for each vulnerability published on the third-party components it ships.`,
        },
      ],
      tracking: {
        id: trackingId,
        status: 'final',
        version: String(history[history.length - 1]?.number ?? 1),
        revision_history: history.map((h) => ({
          number: String(h.number),
          date: h.date.toISOString(),
          summary: h.summary,
        })),
        initial_release_date: (history[0]?.date ?? meta.generatedAt).toISOString(),
        current_release_date: iso,
        generator: { engine: { name: 'psirt', version: meta.engineVersion }, date: iso },
      },
    },
    product_tree: {
      branches: [
        {
          category: 'vendor',
          name: meta.publisher.name,
          branches: [
            {
              category: 'product_name',
              name: meta.product.name,
              branches: versions.map((v) => ({
                category: 'product_version',
                name: v,
                product: { name: `${meta.product.name} ${v}`, product_id: pid(meta.product.key, v) },
              })),
            },
          ],
        },
      ],
    },
    vulnerabilities,
  };
}

const CDX_STATE = {
  IN_TRIAGE: 'in_triage',
  EXPLOITABLE: 'exploitable',
  NOT_AFFECTED: 'not_affected',
  FALSE_POSITIVE: 'false_positive',
  RESOLVED: 'resolved',
} as const;

/** CSAF/CISA VEX justifications to CycloneDX's (the nearest where they differ). */
const CDX_JUSTIFICATION: Record<string, string> = {
  COMPONENT_NOT_PRESENT: 'code_not_present',
  VULNERABLE_CODE_NOT_PRESENT: 'code_not_present',
  VULNERABLE_CODE_CANNOT_BE_CONTROLLED_BY_ADVERSARY: 'requires_environment',
  VULNERABLE_CODE_NOT_IN_EXECUTE_PATH: 'code_not_reachable',
  INLINE_MITIGATIONS_ALREADY_EXIST: 'protected_by_mitigating_control',
};

const CDX_METHOD: Record<string, string> = { '2.0': 'CVSSv2', '3.0': 'CVSSv3', '3.1': 'CVSSv31', '4.0': 'CVSSv4' };

/** The product's VEX as a CycloneDX 1.5 BOM: its components, and a vulnerability per CVE with its analysis. */
export function buildCycloneDxVex(assessments: readonly VexAssessment[], meta: VexMeta & { serial: string }) {
  const refOf = (a: VexAssessment) =>
    `${meta.product.key}@${a.productVersion}/${a.component.purl ?? a.component.cpe ?? `${a.component.name}@${a.component.version ?? ''}`}`;
  const components = new Map<string, Record<string, unknown>>();
  for (const a of assessments) {
    const ref = refOf(a);
    if (components.has(ref)) continue;
    components.set(ref, {
      type: 'library',
      'bom-ref': ref,
      name: a.component.name,
      ...(a.component.version ? { version: a.component.version } : {}),
      ...(a.component.purl ? { purl: a.component.purl } : {}),
      ...(a.component.cpe ? { cpe: a.component.cpe } : {}),
      properties: [{ name: 'psirt:productVersion', value: a.productVersion }],
    });
  }
  const vulnerabilities = assessments.map((a) => ({
    'bom-ref': `${a.cveId}/${refOf(a)}`,
    id: a.cveId,
    source: { name: 'NVD', url: `https://nvd.nist.gov/vuln/detail/${a.cveId}` },
    ...(a.description ? { description: a.description } : {}),
    ratings: [
      ...(a.supplierCvss
        ? [
            {
              source: { name: a.supplierCvss.source },
              score: a.supplierCvss.baseScore,
              ...(a.supplierCvss.severity ? { severity: a.supplierCvss.severity.toLowerCase() } : {}),
              method: CDX_METHOD[a.supplierCvss.version] ?? 'other',
              vector: a.supplierCvss.vector,
            },
          ]
        : []),
      ...(a.avss
        ? [
            {
              source: { name: meta.publisher.name },
              score: a.avss.score,
              severity: a.avss.severity.toLowerCase(),
              method: a.avss.vector.startsWith('CVSS:4.0/') ? 'CVSSv4' : 'CVSSv31',
              vector: a.avss.vector,
              justification: 'Vendor-adjusted score (AVSS) for this product.',
            },
          ]
        : []),
    ],
    analysis: {
      state: CDX_STATE[a.state],
      ...(a.state === 'NOT_AFFECTED' && a.justification && CDX_JUSTIFICATION[a.justification]
        ? { justification: CDX_JUSTIFICATION[a.justification] }
        : {}),
      ...(a.rationale ? { detail: a.rationale } : {}),
    },
    affects: [{ ref: refOf(a) }],
  }));
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    serialNumber: `urn:uuid:${meta.serial}`,
    version: historyOf(meta).at(-1)?.number ?? 1,
    metadata: {
      timestamp: meta.generatedAt.toISOString(),
      tools: { components: [{ type: 'application', name: 'psirt', version: meta.engineVersion }] },
      component: { type: 'firmware', 'bom-ref': meta.product.key, name: meta.product.name },
      supplier: { name: meta.publisher.name, url: [meta.publisher.namespace] },
    },
    components: [...components.values()],
    vulnerabilities,
  };
}
