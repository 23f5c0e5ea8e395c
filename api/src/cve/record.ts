// The CVE record of a case's CVE id, from the advisory that discloses the case:
// its published revision (what the committee approved and the public reads),
// or, for a preview before publication, its latest revision or current draft.
import type { Tx } from '@psirt/db';
import {
  type AdvisoryContent,
  cnaPublishedContainer,
  cnaRejectedContainer,
  csafPath,
  cveRecordOf,
  DomainError,
} from '@psirt/schema';
import { buildAdvisoryContent } from '../services/advisory-content.ts';
import { advisoryRevisions } from '../services/advisory-csaf.ts';
import { cweName } from './cwe.ts';

/** The platform as a CVE Numbering Authority. */
export interface CnaSettings {
  /** The CNA's organisation UUID (PSIRT_CVE_ORG_ID). */
  orgId: string;
  /** Its short name (PSIRT_CVE_ORG): the CVE-API-ORG header and the assigner of ids it reserves. */
  shortName: string;
  /** Vendor name in `affected[].vendor` and the public site's base URL. */
  publisher: { name: string; namespace: string };
  /** CVE Services credentials are set: reservations and publications are sent. */
  services: boolean;
}

type Reader = Pick<Tx, 'advisory' | 'advisoryRevision' | 'timelineEvent' | 'cveAssignment'>;

export interface BuiltCveRecord {
  cveId: string;
  state: 'REQUESTED' | 'RESERVED' | 'PUBLISHED' | 'REJECTED';
  caseId: string;
  casePublicId: string;
  /** The advisory it is built from (null for a rejected id). */
  advisory: { id: string; publicId: string; published: boolean } | null;
  /** The whole record (dataType CVE_RECORD) and the CNA container CVE Services takes. */
  record: Record<string, unknown>;
  cnaContainer: Record<string, unknown>;
  /** Why it may not be sent to CVE Services now (empty: it may). */
  blockers: string[];
}

/** Is this CVE id the platform's own CNA's to publish? */
export const ownedByCna = (assigner: string | null, cna: Pick<CnaSettings, 'shortName'>) =>
  assigner !== null && assigner.trim().toLowerCase() === cna.shortName.toLowerCase();

/**
 * The record of one CVE id. The caller has checked that the viewer may read
 * the case; the record itself says only what the advisory says.
 */
export async function buildCveRecord(db: Reader, cveId: string, cna: CnaSettings, now: Date): Promise<BuiltCveRecord> {
  const row = await db.cveAssignment.findUnique({
    where: { cveId },
    select: {
      cveId: true,
      state: true,
      assigner: true,
      createdAt: true,
      updatedAt: true,
      rejectReason: true,
      replacedBy: true,
      case: { select: { id: true, publicId: true } },
    },
  });
  if (!row?.cveId) throw new DomainError('NOT_FOUND', `No CVE ${cveId} on a case that you may see.`, 'cveId');
  const base = { cveId: row.cveId, state: row.state, caseId: row.case.id, casePublicId: row.case.publicId };
  const meta = { cveId: row.cveId, orgId: cna.orgId, shortName: cna.shortName, dateReserved: row.createdAt };
  const blockers = cnaBlockers(cna);
  if (!ownedByCna(row.assigner, cna)) {
    blockers.push(
      `${row.cveId} was assigned by ${row.assigner ?? 'an unnamed assigner'}, not by this CNA (${cna.shortName}): its record is theirs to publish.`,
    );
  }

  if (row.state === 'REJECTED') {
    const cnaContainer = cnaRejectedContainer({
      orgId: cna.orgId,
      shortName: cna.shortName,
      reason: row.rejectReason ?? 'This CVE ID was rejected by its CNA.',
      replacedBy: row.replacedBy,
      dateUpdated: row.updatedAt,
    });
    return {
      ...base,
      advisory: null,
      cnaContainer,
      record: cveRecordOf(cnaContainer, { ...meta, state: 'REJECTED', dateUpdated: row.updatedAt }),
      blockers,
    };
  }

  const source = await recordSource(db, row.case.id);
  if (!source) {
    throw new DomainError(
      'CONFLICT',
      `${row.case.publicId} is in no advisory yet: a CVE record is built from the advisory that discloses the case.`,
      'cveId',
    );
  }
  const { advisory, content, history } = source;
  const first = history[0]?.date ?? null;
  const base_ = cna.publisher.namespace.replace(/\/$/, '');
  const publicTlp = content.tlp === 'CLEAR';
  if (!advisory.published) {
    blockers.push(`${advisory.publicId} is not published: this record is a preview of what it would say.`);
  }
  if (!publicTlp) {
    blockers.push(`${advisory.publicId} is TLP:${content.tlp}, not public: a CVE record is public.`);
  }
  // A preview is dated by its draft's last change, so the same draft always gives the same record.
  const dateUpdated = history[history.length - 1]?.date ?? advisory.updatedAt ?? now;
  const cnaContainer = cnaPublishedContainer(content, {
    cveId: row.cveId,
    case: row.case.publicId,
    orgId: cna.orgId,
    shortName: cna.shortName,
    vendor: cna.publisher.name,
    advisory: {
      publicId: advisory.publicId,
      url: `${base_}/advisories/${advisory.publicId}`,
      csafUrl: first && publicTlp ? `${base_}${csafPath({ publicId: advisory.publicId }, content.tlp, first)}` : null,
    },
    datePublic: first,
    history,
    dateUpdated,
    cweName,
  });
  return {
    ...base,
    advisory: { id: advisory.id, publicId: advisory.publicId, published: advisory.published },
    cnaContainer,
    record: cveRecordOf(cnaContainer, { ...meta, state: 'PUBLISHED', datePublished: first, dateUpdated }),
    blockers,
  };
}

/**
 * The advisory a case's records are built from: the last published one that
 * covers it, else the newest draft; with the content the public reads (the
 * published revision), or for a draft its latest revision or current content.
 */
export async function recordSource(
  db: Reader,
  caseId: string,
): Promise<{
  advisory: { id: string; publicId: string; published: boolean; updatedAt: Date };
  content: AdvisoryContent;
  history: { date: Date; summary: string }[];
} | null> {
  const advisories = await db.advisory.findMany({
    where: { cases: { some: { caseId } }, state: { not: 'WITHDRAWN' } },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    select: {
      id: true,
      publicId: true,
      state: true,
      publishedRevision: true,
      publishedAt: true,
      currentRevision: true,
      updatedAt: true,
    },
  });
  // Published: it has a published revision — also while its next revision is in work (DRAFT,
  // IN_REVIEW, APPROVED), when the public still reads the published one. A superseded one only
  // if nothing else was published.
  const published = advisories
    .filter((a) => a.publishedRevision !== null)
    .sort(
      (a, b) =>
        Number(a.state === 'SUPERSEDED') - Number(b.state === 'SUPERSEDED') ||
        (b.publishedAt?.getTime() ?? 0) - (a.publishedAt?.getTime() ?? 0),
    )[0];
  const a = published ?? advisories[0];
  if (!a) return null;
  const revision = a.publishedRevision ?? (a.currentRevision > 0 ? a.currentRevision : null);
  const { contentOf, history } = await advisoryRevisions(db, a.id);
  const content = contentOf(revision) ?? (await buildAdvisoryContent(db, a.id));
  return {
    advisory: { id: a.id, publicId: a.publicId, published: Boolean(published), updatedAt: a.updatedAt },
    content,
    history: published ? history : [],
  };
}

/**
 * A documentation UUID for records built before the CNA's organisation UUID is
 * set (PSIRT_CVE_ORG_ID): valid in form, so a preview validates; never sent
 * (CVE Services is off until the UUID is set, see config.ts).
 */
export const PLACEHOLDER_ORG_ID = '00000000-0000-4000-8000-000000000000';

/** What keeps any record of this CNA from being sent, whatever the record says: its settings. */
export function cnaBlockers(cna: CnaSettings): string[] {
  const blockers: string[] = [];
  if (cna.orgId === PLACEHOLDER_ORG_ID) {
    blockers.push(
      "The CNA's organisation UUID is not set (PSIRT_CVE_ORG_ID): the record names a placeholder that CVE Services would refuse.",
    );
  }
  if (!cna.services) {
    blockers.push(
      'CVE Services credentials are not set (PSIRT_CVE_ORG, PSIRT_CVE_ORG_ID, PSIRT_CVE_USER, PSIRT_CVE_API_KEY): the platform cannot send it.',
    );
  }
  return blockers;
}

/** The CNA settings from the configuration: a short name from the publisher when none is set. */
export function cnaSettings(
  cve: { org?: string; orgId?: string; user?: string; apiKey?: string } | undefined,
  publisher: CnaSettings['publisher'],
): CnaSettings {
  // CNA short names are one lowercase word ("examplevendor"): the publisher's name without PSIRT, CNA or CERT.
  const slug = publisher.name
    .toLowerCase()
    .replace(/\b(psirt|cna|cert)\b/g, '')
    .replace(/[^a-z0-9]+/g, '')
    .slice(0, 32);
  return {
    orgId: cve?.orgId ?? PLACEHOLDER_ORG_ID,
    shortName: cve?.org ?? (slug.length >= 2 ? slug : 'psirt'),
    publisher: { name: publisher.name, namespace: publisher.namespace },
    services: Boolean(cve?.org && cve.orgId && cve.user && cve.apiKey),
  };
}
