// Exploitation signals as their own feeds, so that they are current even for
// CVEs whose NVD record is old: CISA's Known Exploited Vulnerabilities
// catalogue (JSON: cveID, dateAdded, dueDate, requiredAction,
// knownRansomwareCampaignUse…) and FIRST's EPSS scores (the daily CSV: a
// "#model_version:…,score_date:…" line, then cve,epss,percentile). Both are
// kept per CVE in exploit_signal, held or not, and applied to the
// vulnerabilities (known_exploited, kev, epss) whenever either side changes.
import type { Db } from '@psirt/db';
import { z } from 'zod';
import type { ImportSummary } from './nvd.ts';

const KevEntry = z.object({
  cveID: z.string().regex(/^CVE-\d{4}-\d{4,}$/, 'a CVE id'),
  vendorProject: z.string().optional(),
  product: z.string().optional(),
  vulnerabilityName: z.string().optional(),
  dateAdded: z.string(),
  shortDescription: z.string().optional(),
  requiredAction: z.string().optional(),
  dueDate: z.string().optional(),
  knownRansomwareCampaignUse: z.string().optional(),
  notes: z.string().optional(),
});

const KevCatalogue = z.object({
  title: z.string().optional(),
  catalogVersion: z.string(),
  dateReleased: z.string().optional(),
  vulnerabilities: z.array(z.unknown()),
});

/** Whether a JSON document is CISA's KEV catalogue (told apart from an NVD page by its catalogVersion). */
export const isKev = (json: unknown) =>
  typeof json === 'object' && json !== null && 'catalogVersion' in json && 'vulnerabilities' in json;

/** Whether a text is an EPSS CSV (its comment line, or its header). */
export const isEpss = (text: string) => /^(#model_version|cve,epss,percentile)/.test(text.trimStart());

const BATCH = 5000;

/** Writes signals in batches of one statement each (an EPSS file holds ~250,000 rows). */
async function upsert(
  db: Db,
  rows: readonly Record<string, unknown>[],
  columns: 'kev' | 'epss',
  progress?: (done: number) => void,
) {
  for (let i = 0; i < rows.length; i += BATCH) {
    const batch = JSON.stringify(rows.slice(i, i + BATCH));
    if (columns === 'kev') {
      await db.$executeRaw`
        INSERT INTO "exploit_signal" ("cve_id", "kev", "updated_at")
        SELECT x."cveId", x."kev", now() FROM jsonb_to_recordset(${batch}::jsonb) AS x("cveId" text, "kev" jsonb)
        ON CONFLICT ("cve_id") DO UPDATE SET "kev" = EXCLUDED."kev", "updated_at" = now()
        WHERE "exploit_signal"."kev" IS DISTINCT FROM EXCLUDED."kev"`;
    } else {
      await db.$executeRaw`
        INSERT INTO "exploit_signal" ("cve_id", "epss", "epss_percentile", "epss_date", "epss_model", "updated_at")
        SELECT x."cveId", x."epss", x."percentile", x."date", x."model", now()
        FROM jsonb_to_recordset(${batch}::jsonb)
          AS x("cveId" text, "epss" float8, "percentile" float8, "date" date, "model" text)
        ON CONFLICT ("cve_id") DO UPDATE SET "epss" = EXCLUDED."epss", "epss_percentile" = EXCLUDED."epss_percentile",
          "epss_date" = EXCLUDED."epss_date", "epss_model" = EXCLUDED."epss_model", "updated_at" = now()`;
    }
    progress?.(Math.min(i + BATCH, rows.length));
  }
}

/**
 * Imports CISA's KEV catalogue: each entry kept for its CVE; entries that are
 * not well-formed are reported. Entries no longer in the catalogue keep their
 * word (CISA does not remove entries; a removal is said in the README).
 */
export async function importKev(
  db: Db,
  json: unknown,
  name: string,
  options: { summary: ImportSummary; progress?: (done: number, total: number) => void },
): Promise<string[]> {
  const catalogue = KevCatalogue.parse(json);
  const rows: { cveId: string; kev: Record<string, unknown> }[] = [];
  for (const raw of catalogue.vulnerabilities) {
    const e = KevEntry.safeParse(raw);
    if (!e.success) {
      const id = (raw as { cveID?: unknown })?.cveID;
      const issue = e.error.issues[0];
      options.summary.skipped.push({
        id: typeof id === 'string' ? id : name,
        reason: `not a KEV entry: ${issue?.path.join('.')}: ${issue?.message}`,
      });
      continue;
    }
    const v = e.data;
    rows.push({
      cveId: v.cveID,
      kev: {
        catalogVersion: catalogue.catalogVersion,
        dateAdded: v.dateAdded,
        dueDate: v.dueDate ?? null,
        requiredAction: v.requiredAction ?? null,
        knownRansomwareCampaignUse: v.knownRansomwareCampaignUse ?? null,
        vulnerabilityName: v.vulnerabilityName ?? null,
      },
    });
  }
  await upsert(db, rows, 'kev', (n) => options.progress?.(n, rows.length));
  return rows.map((r) => r.cveId);
}

export interface EpssFile {
  model: string | null;
  date: string | null;
  rows: { cveId: string; epss: number; percentile: number }[];
  /** Lines that are not a CVE with two numbers in [0, 1]. */
  bad: { line: number; text: string }[];
}

/** Reads an EPSS CSV (FIRST's daily file, its comment line and header included). */
export function parseEpss(text: string): EpssFile {
  const out: EpssFile = { model: null, date: null, rows: [], bad: [] };
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (!line) continue;
    if (line.startsWith('#')) {
      out.model = /model_version:([^,]+)/.exec(line)?.[1]?.trim() ?? out.model;
      out.date = /score_date:(\d{4}-\d\d-\d\d)/.exec(line)?.[1] ?? out.date;
      continue;
    }
    if (/^cve,epss,percentile$/i.test(line)) continue;
    const [cveId, e, p] = line.split(',');
    const epss = Number(e);
    const percentile = Number(p);
    if (
      !cveId ||
      !/^CVE-\d{4}-\d{4,}$/.test(cveId) ||
      !(epss >= 0 && epss <= 1) ||
      !(percentile >= 0 && percentile <= 1)
    ) {
      out.bad.push({ line: i + 1, text: line.slice(0, 80) });
      continue;
    }
    out.rows.push({ cveId, epss, percentile });
  }
  return out;
}

/** Imports an EPSS file: every CVE's score of that day replaces the one held. */
export async function importEpss(
  db: Db,
  text: string,
  name: string,
  options: { summary: ImportSummary; progress?: (done: number, total: number) => void },
): Promise<number> {
  const file = parseEpss(text);
  for (const b of file.bad.slice(0, 20)) {
    options.summary.skipped.push({ id: `${name}:${b.line}`, reason: `not "CVE-id,epss,percentile": ${b.text}` });
  }
  if (file.bad.length > 20) {
    options.summary.skipped.push({ id: name, reason: `${file.bad.length - 20} more malformed lines` });
  }
  const rows = file.rows.map((r) => ({ ...r, date: file.date, model: file.model }));
  await upsert(db, rows, 'epss', (n) => options.progress?.(n, rows.length));
  return rows.length;
}

/**
 * Carries the signals onto the vulnerabilities held (all, or those given):
 * known_exploited is NVD's word or KEV's; the KEV entry, EPSS and the highest
 * base score of any source are kept on the row, for filters and ordering.
 */
export async function applySignals(db: Db, vulnerabilityIds?: readonly string[]): Promise<number> {
  const only = vulnerabilityIds ? [...vulnerabilityIds] : null;
  if (only && only.length === 0) return 0;
  return db.$executeRaw`
    UPDATE "third_party_vulnerability" v SET
      "known_exploited" = v."known_exploited" OR s."kev" IS NOT NULL,
      "kev" = CASE WHEN s."kev" IS NULL THEN v."kev" ELSE jsonb_build_object(
        'exploitAdd', s."kev"->>'dateAdded', 'actionDue', s."kev"->>'dueDate',
        'requiredAction', s."kev"->>'requiredAction', 'name', s."kev"->>'vulnerabilityName',
        'knownRansomwareCampaignUse', s."kev"->>'knownRansomwareCampaignUse') END,
      "epss" = s."epss",
      "epss_percentile" = s."epss_percentile",
      "top_score" = (
        SELECT max(score) FROM (
          SELECT (m->>'baseScore')::numeric AS score FROM jsonb_array_elements(v."metrics") m
          UNION ALL
          SELECT (m->>'baseScore')::numeric FROM jsonb_array_elements(v."advisories") a,
            jsonb_array_elements(a->'metrics') m) scores)
    FROM (SELECT v2."id", x."kev", x."epss", x."epss_percentile"
          FROM "third_party_vulnerability" v2 LEFT JOIN "exploit_signal" x ON x."cve_id" = v2."cve_id"
          WHERE ${only}::uuid[] IS NULL OR v2."id" = ANY(${only}::uuid[])) s
    WHERE v."id" = s."id"`;
}
