// Per-request DataLoaders: each batches what one request asks of the same kind
// into one SQL statement, so lists cost the same whatever their page size.
import type { AdvisoryRevision, AuditBatcher, Db, Score } from '@psirt/db';
import DataLoader from 'dataloader';
import type { Viewer } from './auth.ts';

export interface Loaders {
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
}

/** Splits "<advisoryId>:<number>" keys into one OR-query's conditions. */
const revisionKeys = (keys: readonly string[]) =>
  keys.map((k) => {
    const [advisoryId = '', n = '0'] = k.split(':');
    return { advisoryId, number: Number(n) };
  });

export function createLoaders(
  db: Db,
  audit: AuditBatcher,
  viewer: Viewer,
  requestId: string,
  now: () => Date,
): Loaders {
  return {
    caseRoles: new DataLoader(async (caseIds) => {
      if (viewer.kind !== 'user') return caseIds.map(() => []);
      const rows = await db.caseMember.findMany({
        where: { userId: viewer.userId, caseId: { in: [...caseIds] } },
        select: { caseId: true, role: true },
      });
      return caseIds.map((id) => rows.filter((r) => r.caseId === id).map((r) => r.role));
    }),
    identityRead: new DataLoader(async (reporterIds) => {
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
    }),
    caseAvss: new DataLoader(async (caseIds) => {
      const rows = await db.score.findMany({
        where: { caseId: { in: [...caseIds] }, kind: 'AVSS' },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      });
      return caseIds.map((id) => rows.filter((r) => r.caseId === id));
    }),
    advisoryRevision: new DataLoader(async (keys) => {
      const rows = await db.advisoryRevision.findMany({ where: { OR: revisionKeys(keys) } });
      return keys.map((k) => rows.find((r) => `${r.advisoryId}:${r.number}` === k) ?? null);
    }),
    setting: new DataLoader(async (keys) => {
      const rows = await db.setting.findMany({ where: { key: { in: [...keys] } } });
      return keys.map((k) => rows.find((r) => r.key === k)?.value);
    }),
    revisionVotes: new DataLoader(async (keys) => {
      const rows = await db.committeeVote.findMany({
        where: { revision: { OR: revisionKeys(keys) } },
        select: { decision: true, revision: { select: { advisoryId: true, number: true } } },
      });
      return keys.map((k) => rows.filter((r) => `${r.revision.advisoryId}:${r.revision.number}` === k));
    }),
  };
}
