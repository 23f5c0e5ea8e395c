// NVD CVE API 2.0 (`/rest/json/cves/2.0`) response pages: each record checked
// with zod (a malformed one is reported and skipped, the rest imported), kept
// normalised beside the record as received, and written in batches. Re-import
// is idempotent: a record whose content digest is unchanged, or that is older
// than what is stored (lastModified), changes nothing.
import { createHash } from 'node:crypto';
import { type Db, DbNull, type Prisma } from '@psirt/db';
import { type Configuration, configurationKeys, type SupplierMetric } from '@psirt/schema';
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import { allKeys, type SupplierAdvisoryEntry } from './csaf.ts';

/** NVD writes timestamps without a zone; they are UTC. */
const nvdDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/, 'an ISO 8601 timestamp')
  .transform((s) => new Date(/(Z|[+-]\d{2}:?\d{2})$/.test(s) ? s : `${s}Z`));

const cvssMetric = z.object({
  source: z.string(),
  type: z.string().optional(),
  cvssData: z.object({
    version: z.string(),
    vectorString: z.string(),
    baseScore: z.number().min(0).max(10),
    baseSeverity: z.string().optional(),
  }),
  baseSeverity: z.string().optional(),
});

const cpeMatch = z.object({
  vulnerable: z.boolean(),
  criteria: z.string().startsWith('cpe:2.3:', 'a CPE 2.3 formatted string'),
  versionStartIncluding: z.string().optional(),
  versionStartExcluding: z.string().optional(),
  versionEndIncluding: z.string().optional(),
  versionEndExcluding: z.string().optional(),
  matchCriteriaId: z.string().optional(),
});

export const NvdCve = z.object({
  id: z.string().regex(/^CVE-\d{4}-\d{4,}$/, 'a CVE id'),
  sourceIdentifier: z.string().optional(),
  published: nvdDate,
  lastModified: nvdDate,
  vulnStatus: z.string().optional(),
  cisaExploitAdd: z.string().optional(),
  cisaActionDue: z.string().optional(),
  cisaRequiredAction: z.string().optional(),
  cisaVulnerabilityName: z.string().optional(),
  descriptions: z.array(z.object({ lang: z.string(), value: z.string() })).min(1, 'at least one description'),
  metrics: z
    .object({
      cvssMetricV40: z.array(cvssMetric).optional(),
      cvssMetricV31: z.array(cvssMetric).optional(),
      cvssMetricV30: z.array(cvssMetric).optional(),
      cvssMetricV2: z.array(cvssMetric).optional(),
    })
    .optional(),
  weaknesses: z
    .array(
      z.object({
        source: z.string(),
        type: z.string().optional(),
        description: z.array(z.object({ lang: z.string(), value: z.string() })),
      }),
    )
    .optional(),
  configurations: z
    .array(
      z.object({
        operator: z.enum(['AND', 'OR']).optional(),
        negate: z.boolean().optional(),
        nodes: z.array(
          z.object({
            operator: z.enum(['AND', 'OR']).optional(),
            negate: z.boolean().optional(),
            cpeMatch: z.array(cpeMatch),
          }),
        ),
      }),
    )
    .optional(),
  references: z
    .array(z.object({ url: z.string(), source: z.string().optional(), tags: z.array(z.string()).optional() }))
    .optional(),
});
export type NvdCve = z.infer<typeof NvdCve>;

/** A record as stored. */
export interface NormalisedCve {
  cveId: string;
  description: string;
  publishedAt: Date;
  lastModified: Date;
  knownExploited: boolean;
  kev: { exploitAdd?: string; actionDue?: string; requiredAction?: string; name?: string } | null;
  metrics: SupplierMetric[];
  cwes: string[];
  references: { url: string; tags: string[] }[];
  configurations: Configuration[];
  keys: string[];
  digest: string;
  raw: unknown;
}

export function normaliseCve(raw: unknown): NormalisedCve {
  const cve = NvdCve.parse(raw);
  const metrics = [
    ...(cve.metrics?.cvssMetricV40 ?? []),
    ...(cve.metrics?.cvssMetricV31 ?? []),
    ...(cve.metrics?.cvssMetricV30 ?? []),
    ...(cve.metrics?.cvssMetricV2 ?? []),
  ].map((m) => ({
    source: m.source,
    type: m.type ?? null,
    version: m.cvssData.version,
    vector: m.cvssData.vectorString,
    baseScore: m.cvssData.baseScore,
    severity: m.cvssData.baseSeverity ?? m.baseSeverity ?? null,
  }));
  const configurations: Configuration[] = (cve.configurations ?? []).map((c) => ({
    operator: c.operator,
    negate: c.negate,
    nodes: c.nodes.map((n) => ({
      operator: n.operator,
      negate: n.negate,
      cpeMatch: n.cpeMatch.map((m) => ({
        vulnerable: m.vulnerable,
        criteria: m.criteria,
        startIncluding: m.versionStartIncluding ?? null,
        startExcluding: m.versionStartExcluding ?? null,
        endIncluding: m.versionEndIncluding ?? null,
        endExcluding: m.versionEndExcluding ?? null,
      })),
    })),
  }));
  const kev = cve.cisaExploitAdd
    ? {
        exploitAdd: cve.cisaExploitAdd,
        actionDue: cve.cisaActionDue,
        requiredAction: cve.cisaRequiredAction,
        name: cve.cisaVulnerabilityName,
      }
    : null;
  return {
    cveId: cve.id,
    description: (cve.descriptions.find((d) => d.lang === 'en') ?? cve.descriptions[0])?.value ?? '',
    publishedAt: cve.published,
    lastModified: cve.lastModified,
    knownExploited: kev !== null,
    kev,
    metrics,
    cwes: [
      ...new Set(
        (cve.weaknesses ?? []).flatMap((w) => w.description.map((d) => d.value)).filter((v) => /^CWE-\d+$/.test(v)),
      ),
    ],
    references: (cve.references ?? []).map((r) => ({ url: r.url, tags: r.tags ?? [] })),
    configurations,
    keys: [...new Set(configurations.flatMap(configurationKeys))],
    digest: createHash('sha256').update(JSON.stringify(raw)).digest('hex'),
    raw,
  };
}

export interface ImportSummary {
  new: number;
  updated: number;
  unchanged: number;
  skipped: { id: string | null; reason: string }[];
  /** Ids of the vulnerabilities created or changed (to match). */
  changed: string[];
  /** For each ROLIE entry imported: whether its OpenPGP signature was checked, and how. */
  signatures?: { id: string; checked: boolean; note: string }[];
}

const emptySummary = (): ImportSummary => ({ new: 0, updated: 0, unchanged: 0, skipped: [], changed: [] });

/** The records of one NVD API 2.0 response page; throws when the page itself is not one. */
export function recordsOf(page: unknown, name: string): unknown[] {
  const shape = z.object({ vulnerabilities: z.array(z.object({ cve: z.unknown() })) }).safeParse(page);
  if (!shape.success) throw new Error(`${name}: not an NVD CVE API 2.0 response (no "vulnerabilities" list)`);
  return shape.data.vulnerabilities.map((v) => v.cve);
}

/**
 * Imports records in batches (default 500 per transaction), calling
 * `progress(done)` after each; answers what changed.
 */
export async function importNvdRecords(
  db: Db,
  records: readonly unknown[],
  options: { batchSize?: number; progress?: (done: number) => void; summary?: ImportSummary } = {},
): Promise<ImportSummary> {
  const summary = options.summary ?? emptySummary();
  const size = options.batchSize ?? 500;
  for (let i = 0; i < records.length; i += size) {
    const batch: NormalisedCve[] = [];
    for (const raw of records.slice(i, i + size)) {
      try {
        batch.push(normaliseCve(raw));
      } catch (error) {
        const id = (raw as { id?: unknown } | null)?.id;
        const reason =
          error instanceof z.ZodError
            ? error.issues.map((x) => `${x.path.join('.') || 'record'}: ${x.message}`).join('; ')
            : (error as Error).message;
        summary.skipped.push({ id: typeof id === 'string' ? id : null, reason });
      }
    }
    // The same CVE twice in one batch: the later record wins.
    const byId = new Map(batch.map((r) => [r.cveId, r]));
    await writeBatch(db, [...byId.values()], summary);
    options.progress?.(Math.min(i + size, records.length));
  }
  return summary;
}

async function writeBatch(db: Db, batch: NormalisedCve[], summary: ImportSummary) {
  if (batch.length === 0) return;
  await db.$transaction(
    async (tx) => {
      const existing = await tx.thirdPartyVulnerability.findMany({
        where: { cveId: { in: batch.map((r) => r.cveId) } },
        select: { id: true, cveId: true, digest: true, lastModified: true, advisories: true },
      });
      const known = new Map(existing.map((e) => [e.cveId, e]));
      const fresh: NormalisedCve[] = [];
      for (const r of batch) {
        const old = known.get(r.cveId);
        if (!old) {
          fresh.push(r);
          continue;
        }
        // Incremental by lastModified: an older or identical record changes
        // nothing (a CVE known so far only from a supplier's CSAF has no digest).
        if (old.digest && (old.digest === r.digest || (old.lastModified && old.lastModified > r.lastModified))) {
          summary.unchanged += 1;
          continue;
        }
        // Suppliers' advisories on the CVE (the `advisories` column) stay; their criteria are kept too.
        const advisories = old.advisories as unknown as SupplierAdvisoryEntry[];
        await tx.thirdPartyVulnerability.update({ where: { id: old.id }, data: columns(r) });
        await tx.vulnerabilityCriterion.deleteMany({ where: { vulnerabilityId: old.id } });
        await tx.vulnerabilityCriterion.createMany({
          data: allKeys(r.configurations, advisories).map((key) => ({ vulnerabilityId: old.id, key })),
        });
        summary.updated += 1;
        summary.changed.push(old.id);
      }
      if (fresh.length) {
        // One statement per batch, the rows as one JSON parameter: Prisma's
        // createMany binds every column of every row separately, which made
        // importing a full NVD year take minutes (npm run bench -- feeds).
        const rows = fresh.map((r) => ({ id: uuidv7(), ...r }));
        const now = new Date().toISOString();
        await tx.$executeRaw`
          INSERT INTO "third_party_vulnerability" ("id", "cve_id", "description", "published_at", "last_modified",
            "known_exploited", "kev", "metrics", "cwes", "references", "configurations", "digest", "raw", "source",
            "created_at", "updated_at")
          SELECT x."id", x."cveId", x."description", x."publishedAt", x."lastModified", x."knownExploited", x."kev",
            x."metrics", ARRAY(SELECT jsonb_array_elements_text(x."cwes")), x."references", x."configurations",
            x."digest", x."raw", 'NVD', ${now}::timestamptz, ${now}::timestamptz
          FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x("id" uuid, "cveId" text, "description" text,
            "publishedAt" timestamptz, "lastModified" timestamptz, "knownExploited" boolean, "kev" jsonb,
            "metrics" jsonb, "cwes" jsonb, "references" jsonb, "configurations" jsonb, "digest" text, "raw" jsonb)`;
        await insertCriteria(
          tx,
          rows.flatMap((r) => r.keys.map((key) => ({ vulnerabilityId: r.id, key }))),
        );
        summary.new += rows.length;
        summary.changed.push(...rows.map((r) => r.id));
      }
    },
    { timeout: 60_000, maxWait: 60_000 },
  );
}

/** The criteria keys of new vulnerabilities, in one statement (the rows as one JSON parameter). */
export async function insertCriteria(
  tx: Prisma.TransactionClient,
  criteria: { vulnerabilityId: string; key: string }[],
) {
  if (criteria.length === 0) return;
  await tx.$executeRaw`
    INSERT INTO "vulnerability_criterion" ("vulnerability_id", "key")
    SELECT x."vulnerabilityId", x."key"
    FROM jsonb_to_recordset(${JSON.stringify(criteria)}::jsonb) AS x("vulnerabilityId" uuid, "key" text)`;
}

function columns(r: NormalisedCve) {
  return {
    description: r.description,
    publishedAt: r.publishedAt,
    lastModified: r.lastModified,
    knownExploited: r.knownExploited,
    kev: r.kev ? (r.kev as Prisma.InputJsonValue) : DbNull,
    metrics: r.metrics as unknown as Prisma.InputJsonValue,
    cwes: r.cwes,
    references: r.references as Prisma.InputJsonValue,
    configurations: r.configurations as unknown as Prisma.InputJsonValue,
    digest: r.digest,
    raw: r.raw as Prisma.InputJsonValue,
    source: 'NVD',
  };
}

export { emptySummary };
