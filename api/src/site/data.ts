// What the public website and the CSAF provider layout serve: published,
// TLP:CLEAR, not withdrawn advisories (PUBLIC_ADVISORIES), read as their
// published revision only. Publication itself refuses embargoed cases, so
// nothing here is under embargo.
import type { Db } from '@psirt/db';
import { type AdvisoryContent, advisorySeverity, type CsafMeta, csafPath, SEVERITIES } from '@psirt/schema';
import { PUBLIC_ADVISORIES } from '../access.ts';
import { csafDocument, publicationHistory } from '../services/advisory-csaf.ts';

export interface PublicAdvisory {
  id: string;
  publicId: string;
  state: string;
  early: boolean;
  supersededBy: string | null;
  content: AdvisoryContent;
  /** Every publication, oldest first, with the revision's changelog line. */
  publications: { date: Date; summary: string }[];
  firstPublished: Date;
  lastPublished: Date;
  /** The highest AVSS among the products, else the highest case severity. */
  severity: { severity: string; score: number } | null;
  /** Where its CSAF document lives in the provider layout. */
  csafPath: string;
}

/** Every public advisory, newest publication first. */
export async function publicAdvisories(db: Db): Promise<PublicAdvisory[]> {
  const advisories = await db.advisory.findMany({
    where: PUBLIC_ADVISORIES,
    select: {
      id: true,
      publicId: true,
      state: true,
      early: true,
      publishedRevision: true,
      supersededBy: { select: { publicId: true } },
      revisions: { select: { number: true, changelog: true, content: true } },
      events: {
        where: { type: 'advisory.published' },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        select: { createdAt: true, data: true },
      },
    },
  });
  const out: PublicAdvisory[] = [];
  for (const a of advisories) {
    const published = a.revisions.find((r) => r.number === a.publishedRevision);
    const first = a.events[0];
    const last = a.events[a.events.length - 1];
    if (!published || !first || !last) continue;
    const content = published.content as unknown as AdvisoryContent;
    out.push({
      id: a.id,
      publicId: a.publicId,
      state: a.state,
      early: a.early,
      supersededBy: a.supersededBy?.publicId ?? null,
      content,
      publications: publicationHistory(a.revisions, a.events),
      firstPublished: first.createdAt,
      lastPublished: last.createdAt,
      severity: advisorySeverity(content),
      csafPath: csafPath({ publicId: a.publicId }, content.tlp, first.createdAt),
    });
  }
  return out.sort((x, y) => y.lastPublished.getTime() - x.lastPublished.getTime());
}

/** The CSAF document of a public advisory (the same bytes as GraphQL's `csaf`). */
export const csafOf = (a: PublicAdvisory, publisher: CsafMeta['publisher']) =>
  csafDocument(a, a.content, a.publications, publisher);

export interface IndexFilter {
  product?: string;
  minSeverity?: string;
  year?: number;
}

/** The index's filters: by product key, minimum severity, year of first publication. */
export function filterAdvisories(list: readonly PublicAdvisory[], f: IndexFilter): PublicAdvisory[] {
  const rank = (s: string | undefined) => SEVERITIES.indexOf(s as (typeof SEVERITIES)[number]);
  return list.filter(
    (a) =>
      (!f.product || a.content.products.some((p) => p.key === f.product && p.status !== 'NOT_AFFECTED')) &&
      (!f.minSeverity || (a.severity !== null && rank(a.severity.severity) >= rank(f.minSeverity))) &&
      (!f.year || a.firstPublished.getUTCFullYear() === f.year),
  );
}
