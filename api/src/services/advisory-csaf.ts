// An advisory's CSAF 2.0 document: its published revision, with every
// publication in its revision history (the builder is in @psirt/schema).
import type { Db, Tx } from '@psirt/db';
import { type AdvisoryContent, buildCsaf, type CsafMeta, type CsafProfile } from '@psirt/schema';
import { cweName } from '../cve/cwe.ts';

/** The engine version written into CSAF documents' tracking.generator. */
export const ENGINE_VERSION = '0.1.0';

/**
 * The CSAF 2.0 document of an advisory's published revision (null until
 * published). Its revision history lists every publication, oldest first; the
 * generator date is the latest publication, so the document is the same
 * bytes every time it is asked for (its hashes stay valid).
 */
export async function advisoryCsaf(
  db: Db,
  publisher: CsafMeta['publisher'],
  a: { id: string; publicId: string; publishedRevision: number | null; early: boolean },
  profile: CsafProfile,
) {
  if (a.publishedRevision === null) return null;
  const { contentOf, history } = await advisoryRevisions(db, a.id);
  const content = contentOf(a.publishedRevision);
  return content && history.length ? csafDocument(a, content, history, publisher, profile) : null;
}

/**
 * An advisory's frozen revisions (their content by number) and its
 * publications, oldest first, each with its revision's changelog line: what
 * the CSAF document and the CVE records are built from.
 */
export async function advisoryRevisions(db: Pick<Tx, 'advisoryRevision' | 'timelineEvent'>, advisoryId: string) {
  const [revisions, publications] = await Promise.all([
    db.advisoryRevision.findMany({
      where: { advisoryId },
      select: { number: true, changelog: true, content: true },
    }),
    db.timelineEvent.findMany({
      where: { advisoryId, type: 'advisory.published' },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      select: { createdAt: true, data: true },
    }),
  ]);
  return {
    contentOf: (n: number | null) =>
      revisions.find((r) => r.number === n)?.content as unknown as AdvisoryContent | undefined,
    history: publicationHistory(revisions, publications),
  };
}

/** Every publication of an advisory, oldest first, with its revision's changelog line. */
export function publicationHistory(
  revisions: readonly { number: number; changelog: string }[],
  publications: readonly { createdAt: Date; data: unknown }[],
): { date: Date; summary: string }[] {
  const changelog = new Map(revisions.map((r) => [r.number, r.changelog]));
  return publications.map((p) => ({
    date: p.createdAt,
    summary: changelog.get((p.data as { revision?: number }).revision ?? -1) ?? 'Published',
  }));
}

/**
 * The CSAF document of a published revision. The generator date is the last
 * publication, so it is the same bytes on every request (the website's
 * published hashes stay valid).
 */
export function csafDocument(
  a: { publicId: string; early: boolean },
  content: AdvisoryContent,
  history: readonly { date: Date; summary: string }[],
  publisher: CsafMeta['publisher'],
  profile: CsafProfile = 'csaf_security_advisory',
) {
  return buildCsaf(content, {
    publicId: a.publicId,
    profile,
    publisher,
    status: a.early ? 'interim' : 'final',
    history,
    generatedAt: (history[history.length - 1] as { date: Date }).date,
    engineVersion: ENGINE_VERSION,
    cweName,
  });
}
