// OSV records (the Open Source Vulnerability schema, as GitHub's advisory
// database, osv.dev's per-ecosystem exports and most language ecosystems
// publish them): the feed that names components by package URL, as real SBOMs
// do. Each record becomes one entry of its vulnerability's `advisories` — the
// vulnerability keyed by the record's CVE alias when it has one, so OSV, NVD
// and supplier data about one CVE meet on one row — with one criterion per
// affected range, in the package's ecosystem's version order (versions.ts).
//
// Matched: SEMVER and ECOSYSTEM ranges, and explicit `versions` lists. Not
// matched: GIT ranges (commit ranges need the source repository; a package
// with only those is reported), and packages of an ecosystem without a
// package URL type here (reported). A withdrawn record keeps its entry with
// no criteria: it matches nothing more, what it matched stays for the analysts.
import { createHash } from 'node:crypto';
import type { Db } from '@psirt/db';
import {
  type Configuration,
  type CpeCriterion,
  configurationKeys,
  type SupplierMetric,
  scoreCvss,
  severityOf,
} from '@psirt/schema';
import { z } from 'zod';
import { type CsafCveRecord, type SupplierAdvisoryEntry, writeRecords } from './csaf.ts';
import type { ImportSummary } from './nvd.ts';
import { purlKey } from './purl.ts';

const Event = z.object({
  introduced: z.string().optional(),
  fixed: z.string().optional(),
  last_affected: z.string().optional(),
  limit: z.string().optional(),
});

const OsvRecord = z.object({
  schema_version: z.string().optional(),
  id: z.string().min(1),
  modified: z.string().min(1),
  published: z.string().optional(),
  withdrawn: z.string().optional(),
  aliases: z.array(z.string()).optional(),
  summary: z.string().optional(),
  details: z.string().optional(),
  severity: z.array(z.object({ type: z.string(), score: z.string() })).optional(),
  affected: z
    .array(
      z.object({
        package: z.object({ ecosystem: z.string(), name: z.string(), purl: z.string().optional() }).optional(),
        ranges: z.array(z.object({ type: z.string(), repo: z.string().optional(), events: z.array(Event) })).optional(),
        versions: z.array(z.string()).optional(),
        severity: z.array(z.object({ type: z.string(), score: z.string() })).optional(),
      }),
    )
    .optional(),
  references: z.array(z.object({ type: z.string().optional(), url: z.string() })).optional(),
  database_specific: z.record(z.string(), z.unknown()).optional(),
});
type OsvRecord = z.infer<typeof OsvRecord>;

/** Whether a JSON document looks like an OSV record (told apart by content, like the other feeds). */
export const isOsv = (json: unknown): boolean => {
  const o = (json ?? {}) as Record<string, unknown>;
  return typeof o.id === 'string' && typeof o.modified === 'string' && !('document' in o) && !('cveMetadata' in o);
};

/** purl types of OSV ecosystems (the ecosystem's name part before ":", e.g. "Debian:12" → Debian). */
const PURL_TYPE: Record<string, string> = {
  npm: 'npm',
  PyPI: 'pypi',
  Maven: 'maven',
  Go: 'golang',
  'crates.io': 'cargo',
  RubyGems: 'gem',
  NuGet: 'nuget',
  Packagist: 'composer',
  Hex: 'hex',
  Pub: 'pub',
  Hackage: 'hackage',
  CRAN: 'cran',
  SwiftURL: 'swift',
  GitHub_Actions: 'github',
};

/** The package URL (without version) of an OSV package: its own purl, else built from ecosystem and name. */
export function osvPackageKey(pkg: { ecosystem: string; name: string; purl?: string }): string | null {
  if (pkg.purl) return purlKey(pkg.purl)?.key ?? null;
  const ecosystem = pkg.ecosystem.split(':')[0] as string;
  const type = PURL_TYPE[ecosystem];
  if (!type) return null;
  // Maven names are group:artifact; Packagist's and Go's have a path: namespace and name.
  let path = pkg.name;
  if (ecosystem === 'Maven') path = pkg.name.replace(':', '/');
  const slash = path.lastIndexOf('/');
  const namespace = slash > 0 ? path.slice(0, slash) : null;
  const name = slash > 0 ? path.slice(slash + 1) : path;
  const text = `pkg:${type}/${namespace ? `${namespace.split('/').map(encodeURIComponent).join('/')}/` : ''}${encodeURIComponent(name)}`;
  return purlKey(text)?.key ?? null;
}

/** An OSV range's events as intervals: [introduced, fixed) or [introduced, last_affected]. */
function intervals(
  events: readonly z.infer<typeof Event>[],
): Pick<CpeCriterion, 'startIncluding' | 'endExcluding' | 'endIncluding'>[] {
  const out: Pick<CpeCriterion, 'startIncluding' | 'endExcluding' | 'endIncluding'>[] = [];
  let start: string | null | undefined;
  for (const e of events) {
    if (e.introduced !== undefined) start = e.introduced === '0' ? null : e.introduced;
    else if (e.fixed !== undefined && start !== undefined) {
      out.push({ startIncluding: start, endExcluding: e.fixed });
      start = undefined;
    } else if (e.last_affected !== undefined && start !== undefined) {
      out.push({ startIncluding: start, endIncluding: e.last_affected });
      start = undefined;
    }
  }
  // Introduced and never fixed: affected from there on.
  if (start !== undefined) out.push({ startIncluding: start });
  return out;
}

/** OSV's severity entries as scores (CVSS vectors scored by our calculators; others left out). */
function metricsOf(sev: OsvRecord['severity'], source: string): SupplierMetric[] {
  const out: SupplierMetric[] = [];
  for (const s of sev ?? []) {
    if (!/^CVSS_V[234]$/.test(s.type)) continue;
    try {
      const scored = scoreCvss(s.score);
      out.push({
        source,
        type: 'Secondary',
        version: s.type === 'CVSS_V4' ? '4.0' : s.type === 'CVSS_V2' ? '2.0' : s.score.slice(5, 8),
        vector: scored.vector,
        baseScore: scored.baseScore,
        severity: severityOf(scored.baseScore),
      });
    } catch {
      // A vector our calculators refuse is not a score.
    }
  }
  return out;
}

export interface OsvRecordResult {
  record: CsafCveRecord | null;
  /** What of it cannot be matched, and why (for the import summary). */
  notes: string[];
}

/** One OSV record as a CVE record with its OSV entry; throws with the problem when it is not an OSV record. */
export function osvRecord(raw: unknown): OsvRecordResult {
  const parsed = OsvRecord.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${issue?.path.join('.') || 'record'}: ${issue?.message}`);
  }
  const r = parsed.data;
  const cve = r.aliases?.find((a) => /^CVE-\d{4}-\d{4,}$/.test(a));
  const key = cve ?? (/^CVE-\d{4}-\d{4,}$/.test(r.id) ? r.id : r.id);
  const database = String(r.database_specific?.source ?? r.id.split('-')[0] ?? 'OSV');
  const source = `OSV (${database})`;
  const notes: string[] = [];
  const configurations: Configuration[] = [];
  const unmatchable: string[] = [];
  const metrics = metricsOf(r.severity, source);
  if (!r.withdrawn) {
    for (const a of r.affected ?? []) {
      if (!a.package) continue;
      const pkgName = `${a.package.ecosystem}/${a.package.name}`;
      const purl = osvPackageKey(a.package);
      if (!purl) {
        unmatchable.push(pkgName);
        notes.push(`${pkgName}: no package URL type for the ecosystem ${a.package.ecosystem}`);
        continue;
      }
      const scheme = a.package.ecosystem.split(':')[0] as string;
      const criteria: CpeCriterion[] = [];
      for (const range of a.ranges ?? []) {
        if (range.type !== 'SEMVER' && range.type !== 'ECOSYSTEM') continue;
        const rangeScheme = range.type === 'SEMVER' ? 'SEMVER' : scheme;
        for (const i of intervals(range.events))
          criteria.push({ vulnerable: true, criteria: purl, scheme: rangeScheme, ...i });
      }
      // Listed versions stand in when no range in a comparable scheme does (GIT-only records).
      if (criteria.length === 0) {
        for (const version of a.versions ?? []) criteria.push({ vulnerable: true, criteria: purl, version, scheme });
      }
      if (criteria.length === 0) {
        unmatchable.push(pkgName);
        notes.push(
          `${pkgName}: only GIT ranges, which are not matched (commit ranges need the source repository), and no versions listed`,
        );
        continue;
      }
      configurations.push({ nodes: [{ operator: 'OR', cpeMatch: criteria }] });
      metrics.push(...metricsOf(a.severity, source).filter((m) => !metrics.some((x) => x.vector === m.vector)));
    }
  }
  const url =
    r.references?.find((x) => x.type === 'ADVISORY')?.url ??
    (r.id.startsWith('GHSA-') ? `https://github.com/advisories/${r.id}` : `https://osv.dev/vulnerability/${r.id}`);
  const entry: Omit<SupplierAdvisoryEntry, 'digest'> = {
    publisher: 'https://osv.dev',
    publisherName: source,
    trackingId: r.id,
    version: r.modified,
    releaseDate: new Date(r.modified).toISOString(),
    title: r.withdrawn ? `${r.summary ?? r.id} (withdrawn ${r.withdrawn})` : (r.summary ?? r.id),
    url,
    configurations,
    metrics,
    remediations: [],
    unmatchable,
  };
  const cwes = Array.isArray(r.database_specific?.cwe_ids)
    ? (r.database_specific.cwe_ids as unknown[]).filter((x): x is string => typeof x === 'string')
    : [];
  return {
    record: {
      cveId: key,
      description: r.details ?? r.summary ?? r.id,
      publishedAt: new Date(r.published ?? r.modified),
      cwes,
      references: (r.references ?? []).map((x) => ({ url: x.url, tags: x.type ? [x.type] : [] })),
      entry: { ...entry, digest: createHash('sha256').update(JSON.stringify(entry)).digest('hex') },
      keys: [...new Set(configurations.flatMap(configurationKeys))],
    },
    notes: r.withdrawn ? [`${r.id}: withdrawn ${r.withdrawn}; it matches nothing more`] : notes,
  };
}

/**
 * Imports OSV records, a batch per transaction: each becomes (or replaces)
 * its entry on its vulnerability. What is not an OSV record, or cannot be
 * matched, is reported in the summary with the reason.
 */
export async function importOsvRecords(
  db: Db,
  records: readonly { name: string; json: unknown }[],
  options: { summary: ImportSummary; progress?: (done: number) => void },
): Promise<ImportSummary> {
  const { summary } = options;
  const BATCH = 500;
  for (let i = 0; i < records.length; i += BATCH) {
    const batch = records.slice(i, i + BATCH);
    const parsed: CsafCveRecord[] = [];
    for (const { name, json } of batch) {
      try {
        const { record, notes } = osvRecord(json);
        for (const note of notes) summary.skipped.push({ id: name, reason: note });
        if (record) parsed.push(record);
      } catch (error) {
        summary.skipped.push({ id: name, reason: `not an OSV record: ${(error as Error).message}` });
      }
    }
    await db.$transaction(async (tx) => {
      await writeRecords(tx, parsed, summary);
    });
    options.progress?.(Math.min(i + BATCH, records.length));
  }
  return summary;
}
