// Suppliers' CSAF 2.0 advisories: each document is validated like a CSAF full
// validator's first two levels (the strict JSON schema and every mandatory
// test, with the BSI/secvisogram validator library); an invalid one is
// reported and skipped whole. Its product tree becomes match criteria: a
// product's package URL or CPE (from its product_identification_helper) with
// the version or vers range of its branch; a relationship ("x installed on y")
// becomes x on the platform y. Each vulnerability with a CVE id is kept on
// that CVE's record as one supplier advisory entry, beside NVD's data, and is
// matched like NVD's configurations.
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { Db, Prisma } from '@psirt/db';
import { type Configuration, type CpeCriterion, configurationKeys, parseCpe, type SupplierMetric } from '@psirt/schema';
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import { type ImportSummary, insertCriteria } from './nvd.ts';
import { purlKey } from './purl.ts';

// The validator runs in a worker thread (see csaf-validate.worker.mjs), started
// on first use, kept while the process lives but never keeping it alive idle.
let worker: Worker | undefined;
const pending = new Map<number, { resolve: (problems: string[]) => void; reject: (error: Error) => void }>();
let nextId = 0;

function validatorWorker(): Worker {
  if (worker) return worker;
  const w = new Worker(new URL('./csaf-validate.worker.mjs', import.meta.url));
  w.unref();
  w.on('message', (m: { id: number; problems?: string[]; error?: string }) => {
    const waiting = pending.get(m.id);
    pending.delete(m.id);
    if (pending.size === 0) w.unref();
    if (m.error !== undefined) waiting?.reject(new Error(`the CSAF validator failed: ${m.error}`));
    else waiting?.resolve(m.problems ?? []);
  });
  const fail = (error: Error) => {
    worker = undefined;
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };
  w.on('error', fail);
  w.on('exit', (code) => fail(new Error(`the CSAF validator stopped (exit code ${code})`)));
  worker = w;
  return w;
}

/**
 * The failing validator tests with their errors; empty when the document is
 * valid. With `optional`, instead the warnings of the optional tests (§6.2).
 */
export function csafProblems(doc: unknown, level: 'valid' | 'optional' = 'valid'): Promise<string[]> {
  const w = validatorWorker();
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    // Held while an answer is awaited: a command-line run must not end before it.
    w.ref();
    w.postMessage({ id, doc, level });
  });
}

// What is read of a document the validator accepted (the rest is kept as received).
const helper = z.object({ cpe: z.string().optional(), purl: z.string().optional() }).optional();
const fullProductName = z.object({
  product_id: z.string(),
  name: z.string(),
  product_identification_helper: helper,
});
interface Branch {
  category: string;
  name: string;
  product?: z.infer<typeof fullProductName>;
  branches?: Branch[];
}
const branch: z.ZodType<Branch> = z.lazy(() =>
  z.object({
    category: z.string(),
    name: z.string(),
    product: fullProductName.optional(),
    branches: z.array(branch).optional(),
  }),
);
const cvss = z.object({
  version: z.string(),
  vectorString: z.string(),
  baseScore: z.number(),
  baseSeverity: z.string().optional(),
});
const CsafDocument = z.object({
  document: z.object({
    category: z.string(),
    title: z.string(),
    publisher: z.object({ name: z.string(), namespace: z.string() }),
    references: z.array(z.object({ category: z.string().optional(), url: z.string() })).optional(),
    tracking: z.object({
      id: z.string(),
      version: z.string(),
      initial_release_date: z.string(),
      current_release_date: z.string(),
    }),
  }),
  product_tree: z
    .object({
      branches: z.array(branch).optional(),
      full_product_names: z.array(fullProductName).optional(),
      relationships: z
        .array(
          z.object({
            category: z.string(),
            product_reference: z.string(),
            relates_to_product_reference: z.string(),
            full_product_name: fullProductName,
          }),
        )
        .optional(),
    })
    .optional(),
  vulnerabilities: z
    .array(
      z.object({
        cve: z.string().optional(),
        title: z.string().optional(),
        cwe: z.object({ id: z.string() }).optional(),
        notes: z.array(z.object({ category: z.string(), text: z.string() })).optional(),
        references: z.array(z.object({ url: z.string() })).optional(),
        product_status: z.record(z.string(), z.array(z.string())).optional(),
        scores: z
          .array(z.object({ products: z.array(z.string()), cvss_v3: cvss.optional(), cvss_v2: cvss.optional() }))
          .optional(),
        remediations: z
          .array(
            z.object({
              category: z.string(),
              details: z.string(),
              url: z.string().optional(),
              product_ids: z.array(z.string()).optional(),
            }),
          )
          .optional(),
      }),
    )
    .optional(),
});
type CsafDocument = z.infer<typeof CsafDocument>;

/** One supplier advisory's word on one CVE, as kept in third_party_vulnerability.advisories. */
export interface SupplierAdvisoryEntry {
  publisher: string;
  publisherName: string;
  trackingId: string;
  version: string;
  releaseDate: string;
  title: string;
  url: string | null;
  digest: string;
  configurations: Configuration[];
  metrics: SupplierMetric[];
  remediations: { category: string; details: string; url: string | null }[];
  /** Products of the advisory that could not be matched (no package URL or CPE). */
  unmatchable: string[];
}

const COMPARATOR_RANGE = /^(?:(?:[<>]=?|!?=)\s*[^\s|]+\s*\|?\s*)+$/;

/** The criterion a product of the tree stands for, with the branch that gave its version. */
function criterionOf(
  product: z.infer<typeof fullProductName>,
  versionBranch: Branch | undefined,
  vulnerable: boolean,
): CpeCriterion | null {
  const ident = product.product_identification_helper;
  let version: string | null = null;
  let vers: string | null = null;
  if (versionBranch?.category === 'product_version') version = versionBranch.name;
  if (versionBranch?.category === 'product_version_range') {
    const name = versionBranch.name.trim();
    if (name.startsWith('vers:')) vers = name;
    // Free-text ranges ("<= 4.2.1") are read as vers when they are only comparators and versions.
    else if (COMPARATOR_RANGE.test(name)) vers = `vers:generic/${name.replace(/\s+/g, '')}`;
    else return null;
  }
  if (ident?.purl) {
    const p = purlKey(ident.purl);
    if (!p) return null;
    return {
      vulnerable,
      criteria: p.key,
      version: p.version ?? version,
      vers: p.version ? null : vers,
      ...(p.qualifiers ? { qualifiers: p.qualifiers } : {}),
    };
  }
  if (ident?.cpe) {
    const cpe = parseCpe(ident.cpe);
    if (!cpe) return null;
    return { vulnerable, criteria: ident.cpe, version, vers };
  }
  return null;
}

/** Every product id of the tree, as criteria (vulnerable) or a platform pair; and those that cannot be. */
function productCriteria(doc: CsafDocument) {
  const byId = new Map<string, { name: string; criterion: CpeCriterion | null }>();
  const walk = (branches: Branch[] | undefined, versionBranch: Branch | undefined) => {
    for (const b of branches ?? []) {
      const v = b.category === 'product_version' || b.category === 'product_version_range' ? b : versionBranch;
      if (b.product)
        byId.set(b.product.product_id, { name: b.product.name, criterion: criterionOf(b.product, v, true) });
      walk(b.branches, v);
    }
  };
  walk(doc.product_tree?.branches, undefined);
  for (const p of doc.product_tree?.full_product_names ?? []) {
    byId.set(p.product_id, { name: p.name, criterion: criterionOf(p, undefined, true) });
  }
  const configurationOf = new Map<string, Configuration>();
  for (const [id, p] of byId) {
    if (p.criterion) configurationOf.set(id, { nodes: [{ cpeMatch: [p.criterion] }] });
  }
  // "x default_component_of / installed_on y": x is what is affected, where y is present.
  for (const r of doc.product_tree?.relationships ?? []) {
    const component = byId.get(r.product_reference)?.criterion;
    const platform = byId.get(r.relates_to_product_reference)?.criterion;
    if (!component) continue;
    const nodes = [{ cpeMatch: [component] }];
    if (platform) nodes.push({ cpeMatch: [{ ...platform, vulnerable: false }] });
    configurationOf.set(r.full_product_name.product_id, { operator: 'AND', nodes });
  }
  const names = new Map<string, string>([...byId].map(([id, p]) => [id, p.name]));
  for (const r of doc.product_tree?.relationships ?? [])
    names.set(r.full_product_name.product_id, r.full_product_name.name);
  return { configurationOf, names };
}

const AFFECTED = ['first_affected', 'known_affected', 'last_affected'] as const;

export interface CsafCveRecord {
  cveId: string;
  description: string;
  publishedAt: Date;
  cwes: string[];
  references: { url: string; tags: string[] }[];
  entry: SupplierAdvisoryEntry;
  keys: string[];
}

/** The CVE records of one valid CSAF document. */
export function csafRecords(raw: unknown): { records: CsafCveRecord[]; withoutCve: number } {
  const doc = CsafDocument.parse(raw);
  const { configurationOf, names } = productCriteria(doc);
  const d = doc.document;
  const url = d.references?.find((r) => r.category === 'self')?.url ?? null;
  const records: CsafCveRecord[] = [];
  let withoutCve = 0;
  for (const v of doc.vulnerabilities ?? []) {
    if (!v.cve) {
      withoutCve += 1;
      continue;
    }
    const affected = [...new Set(AFFECTED.flatMap((s) => v.product_status?.[s] ?? []))];
    const configurations = affected.flatMap((id) => {
      const c = configurationOf.get(id);
      return c ? [c] : [];
    });
    const metrics: SupplierMetric[] = [];
    for (const s of v.scores ?? []) {
      for (const m of [s.cvss_v3, s.cvss_v2]) {
        if (!m || metrics.some((x) => x.vector === m.vectorString)) continue;
        metrics.push({
          source: d.publisher.name,
          type: 'Supplier',
          version: m.version,
          vector: m.vectorString,
          baseScore: m.baseScore,
          severity: m.baseSeverity ?? null,
        });
      }
    }
    const note = (c: string) => v.notes?.find((n) => n.category === c)?.text;
    const entry: Omit<SupplierAdvisoryEntry, 'digest'> = {
      publisher: d.publisher.namespace,
      publisherName: d.publisher.name,
      trackingId: d.tracking.id,
      version: d.tracking.version,
      releaseDate: new Date(d.tracking.current_release_date).toISOString(),
      title: d.title,
      url,
      configurations,
      metrics,
      remediations: (v.remediations ?? []).map((r) => ({
        category: r.category,
        details: r.details,
        url: r.url ?? null,
      })),
      unmatchable: affected.filter((id) => !configurationOf.has(id)).map((id) => names.get(id) ?? id),
    };
    records.push({
      cveId: v.cve,
      description: note('description') ?? note('summary') ?? v.title ?? d.title,
      publishedAt: new Date(d.tracking.initial_release_date),
      cwes: v.cwe ? [v.cwe.id] : [],
      references: (v.references ?? []).map((r) => ({ url: r.url, tags: [] })),
      entry: { ...entry, digest: createHash('sha256').update(JSON.stringify(entry)).digest('hex') },
      keys: [...new Set(configurations.flatMap(configurationKeys))],
    });
  }
  return { records, withoutCve };
}

const sameAdvisory = (a: SupplierAdvisoryEntry, b: SupplierAdvisoryEntry) =>
  a.publisher === b.publisher && a.trackingId === b.trackingId;

/**
 * Every CVSS score published for a CVE: NVD's (the `metrics` column) and each
 * supplier advisory's (kept in its entry, not copied: one place to change).
 */
export function allMetrics(v: { metrics: unknown; advisories: unknown }): SupplierMetric[] {
  return [...(v.metrics as SupplierMetric[]), ...(v.advisories as SupplierAdvisoryEntry[]).flatMap((a) => a.metrics)];
}

/** The criteria keys of a CVE from NVD's configurations and every supplier's. */
export function allKeys(configurations: readonly Configuration[], advisories: readonly SupplierAdvisoryEntry[]) {
  return [...new Set([...configurations, ...advisories.flatMap((a) => a.configurations)].flatMap(configurationKeys))];
}

/**
 * Validates and imports CSAF documents, each in one transaction: a CVE's
 * entry for this advisory is created or replaced (an older revision of the
 * advisory changes nothing). `name` says where each came from, for the report.
 */
export async function importCsafDocuments(
  db: Db,
  documents: readonly { name: string; json: unknown }[],
  options: { summary: ImportSummary; progress?: (done: number) => void },
): Promise<ImportSummary> {
  const { summary } = options;
  let done = 0;
  for (const { name, json } of documents) {
    const problems = await csafProblems(json);
    if (problems.length) {
      summary.skipped.push({ id: name, reason: `not a valid CSAF 2.0 document: ${problems.slice(0, 3).join(' | ')}` });
    } else {
      const { records, withoutCve } = csafRecords(json);
      if (withoutCve) summary.skipped.push({ id: name, reason: `${withoutCve} vulnerability(ies) without a CVE id` });
      await db.$transaction(async (tx) => {
        for (const r of records) await writeRecord(tx, r, summary);
      });
    }
    done += 1;
    options.progress?.(done);
  }
  return summary;
}

/**
 * Writes one source's entry on a CVE (a supplier's CSAF advisory, an OSV
 * record): the CVE is created with it, or the entry replaces the same
 * source's older one; the CVE's criteria keys follow.
 */
export async function writeRecord(tx: Prisma.TransactionClient, r: CsafCveRecord, summary: ImportSummary) {
  const old = await tx.thirdPartyVulnerability.findUnique({
    where: { cveId: r.cveId },
    select: { id: true, advisories: true, configurations: true, digest: true },
  });
  const json = (v: unknown) => v as Prisma.InputJsonValue;
  if (!old) {
    const created = await tx.thirdPartyVulnerability.create({
      data: {
        cveId: r.cveId,
        description: r.description,
        publishedAt: r.publishedAt,
        lastModified: new Date(r.entry.releaseDate),
        source: r.entry.publisherName,
        cwes: r.cwes,
        references: json(r.references),
        advisories: json([r.entry]),
        criteria: { createMany: { data: r.keys.map((key) => ({ key })) } },
      },
      select: { id: true },
    });
    summary.new += 1;
    summary.changed.push(created.id);
    return;
  }
  const advisories = old.advisories as unknown as SupplierAdvisoryEntry[];
  const previous = advisories.find((a) => sameAdvisory(a, r.entry));
  if (previous && (previous.digest === r.entry.digest || previous.releaseDate > r.entry.releaseDate)) {
    summary.unchanged += 1;
    return;
  }
  const next = [...advisories.filter((a) => !sameAdvisory(a, r.entry)), r.entry];
  await tx.thirdPartyVulnerability.update({
    where: { id: old.id },
    // A CVE NVD has not described yet takes the supplier's description.
    data: { advisories: json(next), ...(old.digest ? {} : { description: r.description }) },
  });
  await tx.vulnerabilityCriterion.deleteMany({ where: { vulnerabilityId: old.id } });
  await tx.vulnerabilityCriterion.createMany({
    data: allKeys(old.configurations as unknown as Configuration[], next).map((key) => ({
      vulnerabilityId: old.id,
      key,
    })),
  });
  summary.updated += 1;
  summary.changed.push(old.id);
}

/**
 * writeRecord for a batch (OSV and CVE 5 imports bring tens of thousands):
 * one read of the CVEs held, one insert of the new ones and one of their
 * criteria; only CVEs already held with a changed entry are updated one by
 * one. Records of one CVE in the batch (OSV records aliasing it) are written
 * in turn, the later after the earlier.
 */
export async function writeRecords(
  tx: Prisma.TransactionClient,
  records: readonly CsafCveRecord[],
  summary: ImportSummary,
) {
  const first = new Map<string, CsafCveRecord>();
  const again: CsafCveRecord[] = [];
  for (const r of records) {
    if (first.has(r.cveId)) again.push(r);
    else first.set(r.cveId, r);
  }
  const held = new Set(
    (
      await tx.thirdPartyVulnerability.findMany({
        where: { cveId: { in: [...first.keys()] } },
        select: { cveId: true },
      })
    ).map((v) => v.cveId),
  );
  const fresh = [...first.values()].filter((r) => !held.has(r.cveId));
  if (fresh.length) {
    // One statement for the batch, as the NVD import writes (feeds/nvd.ts says why not createMany).
    const rows = fresh.map((r) => ({
      id: uuidv7(),
      cveId: r.cveId,
      description: r.description,
      publishedAt: r.publishedAt.toISOString(),
      lastModified: r.entry.releaseDate,
      source: r.entry.publisherName,
      cwes: r.cwes,
      references: r.references,
      advisories: [r.entry],
    }));
    const now = new Date().toISOString();
    await tx.$executeRaw`
      INSERT INTO "third_party_vulnerability" ("id", "cve_id", "description", "published_at", "last_modified",
        "source", "cwes", "references", "advisories", "created_at", "updated_at")
      SELECT x."id", x."cveId", x."description", x."publishedAt", x."lastModified", x."source",
        ARRAY(SELECT jsonb_array_elements_text(x."cwes")), x."references", x."advisories",
        ${now}::timestamptz, ${now}::timestamptz
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x("id" uuid, "cveId" text, "description" text,
        "publishedAt" timestamptz, "lastModified" timestamptz, "source" text, "cwes" jsonb, "references" jsonb,
        "advisories" jsonb)`;
    await insertCriteria(
      tx,
      rows.flatMap((row, i) => (fresh[i] as CsafCveRecord).keys.map((key) => ({ vulnerabilityId: row.id, key }))),
    );
    summary.new += rows.length;
    summary.changed.push(...rows.map((r) => r.id));
  }
  for (const r of [...first.values()].filter((x) => held.has(x.cveId)).concat(again)) {
    await writeRecord(tx, r, summary);
  }
}
