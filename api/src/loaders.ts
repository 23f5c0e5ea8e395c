// Per-request DataLoaders: each batches what one request asks of the same kind
// into one SQL statement, so lists cost the same whatever their page size.
// They read through the typed SQL reader (read/), not Prisma's client: these
// run on every list the dashboard and the triage queue show.
import type { AdvisoryRevision, AuditBatcher, Score, SqlReader } from '@psirt/db';
import DataLoader from 'dataloader';
import { sql } from 'kysely';
import { publicAdvisorySql } from './access.ts';
import type { Viewer } from './auth.ts';
import { RowLoaders, uuids } from './read/rows.ts';

export interface Loaders {
  /** The rows of the read path's types and relations, per place in the operation (read/rows.ts). */
  rows: RowLoaders;
  /** The viewer's roles in each case (empty: not a member). */
  caseRoles: DataLoader<string, string[]>;
  /**
   * Records that the viewer read a confidential reporter's identity. Batched:
   * one entry per reporter per request, committed together with concurrent
   * requests' entries (group commit); the field waits for the commit, so a
   * read that cannot be audited is not served.
   */
  identityRead: DataLoader<string, true>;
  /** Every AVSS of each case, newest first (per-product history and current score). */
  caseAvss: DataLoader<string, Score[]>;
  /** An advisory's revision by "<advisoryId>:<number>" (published content, titles). */
  advisoryRevision: DataLoader<string, AdvisoryRevision | null>;
  /** A run-time setting's stored value by key (undefined when unset), read once per request. */
  setting: DataLoader<string, unknown>;
  /** The votes on an advisory's revision, by "<advisoryId>:<number>". */
  revisionVotes: DataLoader<string, { decision: 'APPROVE' | 'REJECT' | 'ABSTAIN' }[]>;
  /** A case's published, public advisories (access.ts publicAdvisorySql), with their published titles. */
  publicAdvisories: DataLoader<string, { publicId: string; publishedAt: Date | null; title: string }[]>;
}

/** Splits "<advisoryId>:<number>" keys. */
const revisionKeys = (keys: readonly string[]) =>
  keys.map((k) => {
    const [advisoryId = '', n = '0'] = k.split(':');
    return { advisoryId, number: Number(n) };
  });

/** A condition matching any of these revisions (advisory id and number), on `alias`. */
const anyRevision = (keys: readonly string[], alias: string) => {
  const pairs = revisionKeys(keys).filter((k) => Number.isInteger(k.number));
  const advisoryIds = pairs.map((p) => p.advisoryId);
  const numbers = pairs.map((p) => p.number);
  // Pairs as two arrays zipped by unnest: one parameter each, whatever the count.
  return sql<boolean>`(${sql.ref(`${alias}.advisoryId`)}, ${sql.ref(`${alias}.number`)}) in (select * from unnest(${uuids(advisoryIds)}, ${numbers}::int[]))`;
};

export function createLoaders(
  sqlReader: SqlReader,
  audit: AuditBatcher,
  viewer: Viewer,
  requestId: string,
  now: () => Date,
): Loaders {
  // Made when first used: a subscription renews its context at every event,
  // and most deliveries use none of them (live/stream.ts).
  let rows: Loaders['rows'] | undefined;
  let caseRoles: Loaders['caseRoles'] | undefined;
  let identityRead: Loaders['identityRead'] | undefined;
  let caseAvss: Loaders['caseAvss'] | undefined;
  let advisoryRevision: Loaders['advisoryRevision'] | undefined;
  let setting: Loaders['setting'] | undefined;
  let revisionVotes: Loaders['revisionVotes'] | undefined;
  let publicAdvisories: Loaders['publicAdvisories'] | undefined;
  return {
    get rows() {
      rows ??= new RowLoaders(sqlReader);
      return rows;
    },
    get caseRoles() {
      caseRoles ??= new DataLoader(async (caseIds) => {
        if (viewer.kind !== 'user') return caseIds.map(() => []);
        const rows = await sqlReader
          .selectFrom('caseMember')
          .select(['caseId', 'role'])
          .where('userId', '=', viewer.userId)
          .where(sql<boolean>`${sql.ref('caseId')} = any(${uuids(caseIds)})`)
          .execute();
        return caseIds.map((id) => rows.filter((r) => r.caseId === id).map((r) => r.role));
      });
      return caseRoles;
    },
    get identityRead() {
      identityRead ??= new DataLoader(async (reporterIds) => {
        await audit.append(
          reporterIds.map((id) => ({
            actorKind: viewer.kind === 'user' ? 'USER' : viewer.kind === 'reporter' ? 'REPORTER' : 'ANONYMOUS',
            actorId: viewer.kind === 'user' ? viewer.userId : viewer.kind === 'reporter' ? viewer.reporterId : null,
            action: 'reporter.identity.read',
            subjectType: 'Reporter',
            subjectId: id,
            data: { requestId },
          })),
          now(),
        );
        return reporterIds.map(() => true as const);
      });
      return identityRead;
    },
    get caseAvss() {
      caseAvss ??= new DataLoader(async (caseIds) => {
        const rows = (await sqlReader
          .selectFrom('score')
          .selectAll()
          .where('kind', '=', 'AVSS')
          .where(sql<boolean>`${sql.ref('caseId')} = any(${uuids(caseIds)})`)
          .orderBy('createdAt', 'desc')
          .orderBy('id', 'desc')
          .execute()) as unknown as Score[];
        return caseIds.map((id) => rows.filter((r) => r.caseId === id));
      });
      return caseAvss;
    },
    get advisoryRevision() {
      advisoryRevision ??= new DataLoader(async (keys) => {
        const rows = (await sqlReader
          .selectFrom('advisoryRevision as r')
          .selectAll()
          .where(anyRevision(keys, 'r'))
          .execute()) as unknown as AdvisoryRevision[];
        return keys.map((k) => rows.find((r) => `${r.advisoryId}:${r.number}` === k) ?? null);
      });
      return advisoryRevision;
    },
    get setting() {
      setting ??= new DataLoader(async (keys) => {
        const rows = await sqlReader
          .selectFrom('setting')
          .select(['key', 'value'])
          .where('key', 'in', [...keys])
          .execute();
        return keys.map((k) => rows.find((r) => r.key === k)?.value);
      });
      return setting;
    },
    get revisionVotes() {
      revisionVotes ??= new DataLoader(async (keys) => {
        const rows = await sqlReader
          .selectFrom('committeeVote as v')
          .innerJoin('advisoryRevision as r', 'r.id', 'v.revisionId')
          .select(['v.decision', 'r.advisoryId', 'r.number'])
          .where(anyRevision(keys, 'r'))
          .execute();
        return keys.map((k) => rows.filter((r) => `${r.advisoryId}:${r.number}` === k));
      });
      return revisionVotes;
    },
    get publicAdvisories() {
      publicAdvisories ??= new DataLoader(async (caseIds) => {
        const rows = await sqlReader
          .selectFrom('advisoryCase as ac')
          .innerJoin('advisory as a', 'a.id', 'ac.advisoryId')
          // The published revision's title: a working title in the next draft is not public yet.
          .leftJoin('advisoryRevision as r', (j) =>
            j.onRef('r.advisoryId', '=', 'a.id').onRef('r.number', '=', 'a.publishedRevision'),
          )
          .select(['ac.caseId', 'a.publicId', 'a.publishedAt', sql<string | null>`r.content->>'title'`.as('title')])
          .where(sql<boolean>`${sql.ref('ac.caseId')} = any(${uuids(caseIds)})`)
          .where(publicAdvisorySql('a'))
          .orderBy('a.publishedAt')
          .orderBy('a.publicId')
          .execute();
        return caseIds.map((id) =>
          rows
            .filter((r) => r.caseId === id)
            .map((r) => ({ publicId: r.publicId, publishedAt: r.publishedAt, title: r.title ?? r.publicId })),
        );
      });
      return publicAdvisories;
    },
  };
}
