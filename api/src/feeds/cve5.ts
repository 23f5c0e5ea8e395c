// CVE JSON 5 records (CVE Record Format 5.0/5.1, as CVEProject's cvelistV5
// publishes them and as this platform produces them): the CNA's `affected`
// entries become criteria — by `packageURL` or `cpes`, with `versions`
// (`lessThan`/`lessThanOrEqual` in their `versionType`) or `defaultStatus` —
// kept as the CNA's entry on the CVE, beside NVD's, OSV's and suppliers'.
// The CISA ADP container's SSVC decision points are kept with it, and its KEV
// mark is an exploitation signal like the catalogue's.
//
// Not matched: entries that name only vendor and product (most records; they
// are kept, listed as unmatchable), versions given as prose ("versions up to
// 1.2.17"), and `changes` within a range beyond the first change to
// unaffected (read as the range's end).
import { createHash } from 'node:crypto';
import type { Db } from '@psirt/db';
import {
  type Configuration,
  type CpeCriterion,
  configurationKeys,
  parseCpe,
  type SupplierMetric,
  scoreCvss,
  severityOf,
} from '@psirt/schema';
import { z } from 'zod';
import { type CsafCveRecord, type SupplierAdvisoryEntry, writeRecords } from './csaf.ts';
import type { ImportSummary } from './nvd.ts';
import { purlKey } from './purl.ts';

const Version = z.object({
  version: z.string(),
  status: z.string(),
  versionType: z.string().optional(),
  lessThan: z.string().optional(),
  lessThanOrEqual: z.string().optional(),
  changes: z.array(z.object({ at: z.string(), status: z.string() })).optional(),
});

const Metric = z.record(z.string(), z.unknown());

const Container = z.object({
  providerMetadata: z.object({ orgId: z.string().optional(), shortName: z.string().optional() }).optional(),
  descriptions: z.array(z.object({ lang: z.string(), value: z.string() })).optional(),
  affected: z
    .array(
      z.object({
        vendor: z.string().optional(),
        product: z.string().optional(),
        packageName: z.string().optional(),
        packageURL: z.string().optional(),
        cpes: z.array(z.string()).optional(),
        versions: z.array(Version).optional(),
        defaultStatus: z.string().optional(),
      }),
    )
    .optional(),
  metrics: z.array(Metric).optional(),
  problemTypes: z
    .array(z.object({ descriptions: z.array(z.object({ cweId: z.string().optional() }).passthrough()) }))
    .optional(),
  references: z.array(z.object({ url: z.string(), tags: z.array(z.string()).optional() })).optional(),
});

const CveRecord = z.object({
  dataType: z.literal('CVE_RECORD'),
  dataVersion: z.string(),
  cveMetadata: z.object({
    cveId: z.string().regex(/^CVE-\d{4}-\d{4,}$/, 'a CVE id'),
    state: z.string(),
    datePublished: z.string().optional(),
    dateUpdated: z.string().optional(),
    assignerShortName: z.string().optional(),
  }),
  containers: z.object({ cna: Container, adp: z.array(Container).optional() }),
});

/** Whether a JSON document is a CVE JSON 5 record. */
export const isCve5 = (json: unknown) =>
  typeof json === 'object' && json !== null && (json as { dataType?: unknown }).dataType === 'CVE_RECORD';

/** A CVE 5 versionType as the scheme its bounds compare in (versions.ts); others: the natural order. */
const SCHEME: Record<string, string> = { semver: 'SEMVER', maven: 'Maven', python: 'PyPI', pypi: 'PyPI', npm: 'npm' };

/** A CVE 5 version is a version only if it has no spaces (prose such as "versions up to 1.2.17" is not). */
const isVersion = (v: string) => v.length > 0 && !/\s/.test(v);

function criteriaOf(
  versions: readonly z.infer<typeof Version>[] | undefined,
  defaultStatus: string | undefined,
  base: Omit<CpeCriterion, 'vulnerable'>,
): CpeCriterion[] | null {
  const out: CpeCriterion[] = [];
  for (const v of versions ?? []) {
    if (v.status !== 'affected') continue;
    const scheme = v.versionType ? (SCHEME[v.versionType.toLowerCase()] ?? null) : null;
    const unaffectedAt = v.changes?.find((c) => c.status === 'unaffected')?.at;
    const upper = unaffectedAt ?? v.lessThan;
    if (upper === undefined && v.lessThanOrEqual === undefined) {
      if (v.version === '*') out.push({ vulnerable: true, ...base });
      else if (isVersion(v.version)) out.push({ vulnerable: true, ...base, version: v.version, scheme });
      else return null;
      continue;
    }
    const bounds = [v.version, upper, v.lessThanOrEqual].filter((x): x is string => x !== undefined && x !== '*');
    if (!bounds.every(isVersion)) return null;
    out.push({
      vulnerable: true,
      ...base,
      scheme,
      startIncluding: v.version === '0' || v.version === '*' ? null : v.version,
      ...(upper !== undefined && upper !== '*' ? { endExcluding: upper } : {}),
      ...(upper === undefined && v.lessThanOrEqual !== undefined && v.lessThanOrEqual !== '*'
        ? { endIncluding: v.lessThanOrEqual }
        : {}),
    });
  }
  if (out.length === 0 && defaultStatus === 'affected') out.push({ vulnerable: true, ...base });
  return out;
}

function metricsOf(metrics: readonly Record<string, unknown>[] | undefined, source: string): SupplierMetric[] {
  const out: SupplierMetric[] = [];
  for (const m of metrics ?? []) {
    for (const key of ['cvssV4_0', 'cvssV3_1', 'cvssV3_0', 'cvssV2_0']) {
      const c = m[key] as { vectorString?: unknown } | undefined;
      if (!c || typeof c.vectorString !== 'string') continue;
      try {
        const s = scoreCvss(c.vectorString);
        if (out.some((x) => x.vector === s.vector)) continue;
        out.push({
          source,
          type: 'Secondary',
          version: key.slice(5).replace('_', '.'),
          vector: s.vector,
          baseScore: s.baseScore,
          severity: severityOf(s.baseScore),
        });
      } catch {
        // A vector our calculators refuse is not a score.
      }
    }
  }
  return out;
}

/** The SSVC decision points of the CISA ADP container ({ Exploitation, Automatable, Technical Impact }). */
function ssvcOf(adp: readonly z.infer<typeof Container>[] | undefined): Record<string, string> | null {
  for (const c of adp ?? []) {
    for (const m of c.metrics ?? []) {
      const other = m.other as { type?: unknown; content?: { options?: unknown } } | undefined;
      if (other?.type !== 'ssvc' || !Array.isArray(other.content?.options)) continue;
      return Object.assign({}, ...(other.content.options as Record<string, string>[]));
    }
  }
  return null;
}

/** The KEV mark of the CISA ADP container ({ dateAdded, reference }), if any. */
function adpKev(
  adp: readonly z.infer<typeof Container>[] | undefined,
): { dateAdded: string; reference?: string } | null {
  for (const c of adp ?? []) {
    for (const m of c.metrics ?? []) {
      const other = m.other as { type?: unknown; content?: { dateAdded?: unknown; reference?: unknown } } | undefined;
      if (other?.type === 'kev' && typeof other.content?.dateAdded === 'string') {
        return {
          dateAdded: other.content.dateAdded,
          ...(typeof other.content.reference === 'string' ? { reference: other.content.reference } : {}),
        };
      }
    }
  }
  return null;
}

export interface Cve5Result {
  record: CsafCveRecord | null;
  kev: { dateAdded: string; reference?: string } | null;
  notes: string[];
}

/** One CVE JSON 5 record as the CNA's entry on its CVE; throws with the problem when it is not one. */
export function cve5Record(raw: unknown): Cve5Result {
  const parsed = CveRecord.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${issue?.path.join('.') || 'record'}: ${issue?.message}`);
  }
  const r = parsed.data;
  const id = r.cveMetadata.cveId;
  if (r.cveMetadata.state !== 'PUBLISHED') return { record: null, kev: null, notes: [`${id}: ${r.cveMetadata.state}`] };
  const cna = r.containers.cna;
  const cnaName = cna.providerMetadata?.shortName ?? r.cveMetadata.assignerShortName ?? 'CNA';
  const source = `CVE (${cnaName})`;
  const configurations: Configuration[] = [];
  const unmatchable: string[] = [];
  for (const a of cna.affected ?? []) {
    const label = [a.vendor, a.product ?? a.packageName].filter(Boolean).join(' ') || 'an affected product';
    const bases: Omit<CpeCriterion, 'vulnerable'>[] = [];
    const purl = a.packageURL ? purlKey(a.packageURL) : null;
    if (purl) bases.push({ criteria: purl.key, ...(purl.qualifiers ? { qualifiers: purl.qualifiers } : {}) });
    for (const cpe of a.cpes ?? []) {
      const parsedCpe = parseCpe(cpe);
      // A CPE carrying its own version is that version; a range comes from `versions`.
      if (parsedCpe) bases.push({ criteria: cpe });
    }
    if (bases.length === 0) {
      unmatchable.push(label);
      continue;
    }
    const criteria: CpeCriterion[] = [];
    for (const base of bases) {
      const c = criteriaOf(a.versions, a.defaultStatus, base);
      if (c === null) {
        criteria.length = 0;
        break;
      }
      criteria.push(...c);
    }
    if (criteria.length === 0) {
      unmatchable.push(`${label} (versions not given as versions)`);
      continue;
    }
    configurations.push({ nodes: [{ operator: 'OR', cpeMatch: criteria }] });
  }
  const description = (cna.descriptions?.find((d) => d.lang.startsWith('en')) ?? cna.descriptions?.[0])?.value ?? id;
  const ssvc = ssvcOf(r.containers.adp);
  const updated = r.cveMetadata.dateUpdated ?? r.cveMetadata.datePublished ?? new Date(0).toISOString();
  const entry: Omit<SupplierAdvisoryEntry, 'digest'> & { ssvc?: Record<string, string> } = {
    publisher: 'https://www.cve.org',
    publisherName: source,
    trackingId: id,
    version: updated,
    releaseDate: new Date(updated.endsWith('Z') ? updated : `${updated}Z`).toISOString(),
    title: description.slice(0, 200),
    url: `https://www.cve.org/CVERecord?id=${id}`,
    configurations,
    metrics: [
      ...metricsOf(cna.metrics, source),
      ...(r.containers.adp ?? []).flatMap((c) =>
        metricsOf(c.metrics, `CVE (${c.providerMetadata?.shortName ?? 'ADP'})`),
      ),
    ],
    remediations: [],
    unmatchable,
    ...(ssvc ? { ssvc } : {}),
  };
  const cwes = [
    ...new Set(
      (cna.problemTypes ?? []).flatMap((p) =>
        p.descriptions.map((d) => d.cweId).filter((x): x is string => typeof x === 'string'),
      ),
    ),
  ];
  const datePublished = r.cveMetadata.datePublished ?? updated;
  return {
    record: {
      cveId: id,
      description,
      publishedAt: new Date(datePublished.endsWith('Z') ? datePublished : `${datePublished}Z`),
      cwes,
      references: (cna.references ?? []).map((x) => ({ url: x.url, tags: x.tags ?? [] })),
      entry: { ...entry, digest: createHash('sha256').update(JSON.stringify(entry)).digest('hex') },
      keys: [...new Set(configurations.flatMap(configurationKeys))],
    },
    kev: adpKev(r.containers.adp),
    notes: configurations.length
      ? []
      : [
          `${id}: no affected product named by package URL or CPE with versions (${unmatchable.join('; ')}); kept, not matched`,
        ],
  };
}

/** Imports CVE JSON 5 records; their CISA ADP KEV marks become exploitation signals. */
export async function importCve5Records(
  db: Db,
  records: readonly { name: string; json: unknown }[],
  options: { summary: ImportSummary; progress?: (done: number) => void },
): Promise<ImportSummary> {
  const { summary } = options;
  const parsed: CsafCveRecord[] = [];
  const kev: { cveId: string; kev: Record<string, unknown> }[] = [];
  for (const { name, json } of records) {
    try {
      const r = cve5Record(json);
      for (const note of r.notes) summary.skipped.push({ id: name, reason: note });
      if (r.record) parsed.push(r.record);
      if (r.record && r.kev) kev.push({ cveId: r.record.cveId, kev: { ...r.kev, source: 'CISA ADP' } });
    } catch (error) {
      summary.skipped.push({ id: name, reason: `not a CVE JSON 5 record: ${(error as Error).message}` });
    }
  }
  for (let i = 0; i < parsed.length; i += 200) {
    await db.$transaction(async (tx) => {
      await writeRecords(tx, parsed.slice(i, i + 200), summary);
    });
    options.progress?.(Math.min(i + 200, parsed.length));
  }
  if (kev.length) {
    // The catalogue's own entry, when there is one, says more: it is kept.
    await db.$executeRaw`
      INSERT INTO "exploit_signal" ("cve_id", "kev", "updated_at")
      SELECT x."cveId", x."kev", now() FROM jsonb_to_recordset(${JSON.stringify(kev)}::jsonb) AS x("cveId" text, "kev" jsonb)
      ON CONFLICT ("cve_id") DO UPDATE SET "kev" = EXCLUDED."kev", "updated_at" = now()
      WHERE "exploit_signal"."kev" IS NULL`;
  }
  return summary;
}
