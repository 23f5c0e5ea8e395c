// What the rules need to know about a record, read from the database: its case,
// product line, reporter, submitter, the record it belongs to, and conditions
// (public, confidential…). Keyed by Relay global id, for any record a probe meets.
import type { Db } from '@psirt/db';

export interface Facts {
  type: string;
  id: string;
  caseId?: string | null;
  lineIds?: string[];
  reporterId?: string | null;
  submitterId?: string | null;
  /** The record it belongs to (a timeline event's case, report or advisory; a message's report). */
  owner?: string | null;
  conditions: Record<string, boolean>;
}

export const globalId = (type: string, raw: string) => Buffer.from(`${type}:${raw}`).toString('base64');
export function parseGlobalId(id: string): { type: string; raw: string } {
  const text = Buffer.from(id, 'base64').toString('utf8');
  const at = text.indexOf(':');
  return { type: text.slice(0, at), raw: text.slice(at + 1) };
}

const isPublic = (a: { publishedRevision: number | null; state: string; tlp: string }) =>
  a.publishedRevision !== null && a.state !== 'WITHDRAWN' && a.tlp === 'CLEAR';

/** Facts of records, loaded once each. */
export function factLoader(db: Db) {
  const cache = new Map<string, Promise<Facts>>();
  async function load(id: string): Promise<Facts> {
    const { type, raw } = parseGlobalId(id);
    const base: Facts = { type, id, conditions: {} };
    const byCase = async (row: Promise<{ caseId: string | null } | null>) => ({
      ...base,
      caseId: (await row)?.caseId ?? null,
    });
    switch (type) {
      case 'AnalysisCase':
        return { ...base, caseId: raw };
      case 'CaseMember':
        return { ...base, caseId: raw.split(':')[0] ?? null };
      case 'ProductImpact':
        return byCase(db.productImpact.findUnique({ where: { id: raw }, select: { caseId: true } }));
      case 'Mitigation':
        return byCase(db.mitigation.findUnique({ where: { id: raw }, select: { caseId: true } }));
      case 'Score':
        return byCase(db.score.findUnique({ where: { id: raw }, select: { caseId: true } }));
      case 'CveAssignment':
        return byCase(db.cveAssignment.findUnique({ where: { id: raw }, select: { caseId: true } }));
      case 'CertNotification':
        return byCase(db.certNotification.findUnique({ where: { id: raw }, select: { caseId: true } }));
      case 'CraNotification':
        return byCase(db.craNotification.findUnique({ where: { id: raw }, select: { caseId: true } }));
      case 'TimelineEvent': {
        const e = await db.timelineEvent.findUniqueOrThrow({
          where: { id: raw },
          select: { caseId: true, reportId: true, advisoryId: true, report: { select: { caseId: true } } },
        });
        const caseId = e.caseId ?? e.report?.caseId ?? null;
        return {
          ...base,
          caseId,
          conditions: {
            'of a case': caseId !== null,
            'of an advisory': caseId === null && e.advisoryId !== null,
            'of a report alone': caseId === null && e.advisoryId === null && e.reportId !== null,
          },
        };
      }
      case 'VulnerabilityReport': {
        const r = await db.vulnerabilityReport.findUniqueOrThrow({
          where: { id: raw },
          select: { caseId: true, reporterId: true, submittedById: true },
        });
        return { ...base, caseId: r.caseId, reporterId: r.reporterId, submitterId: r.submittedById };
      }
      case 'ReporterMessage': {
        const m = await db.reporterMessage.findUniqueOrThrow({ where: { id: raw }, select: { reportId: true } });
        return { ...base, owner: m.reportId ? globalId('VulnerabilityReport', m.reportId) : null };
      }
      case 'Reporter': {
        const r = await db.reporter.findUniqueOrThrow({ where: { id: raw }, select: { confidential: true } });
        return { ...base, conditions: { 'not confidential': !r.confidential } };
      }
      case 'Advisory': {
        const a = await db.advisory.findUniqueOrThrow({ where: { id: raw } });
        return { ...base, conditions: { public: isPublic(a) } };
      }
      case 'AdvisoryRevision': {
        const r = await db.advisoryRevision.findUniqueOrThrow({ where: { id: raw }, include: { advisory: true } });
        return {
          ...base,
          conditions: {
            public: isPublic(r.advisory),
            'the published revision': r.advisory.publishedRevision === r.number,
          },
        };
      }
      case 'ComponentAssessment': {
        const a = await db.componentAssessment.findUniqueOrThrow({
          where: { id: raw },
          select: { caseId: true, product: { select: { productLineId: true } } },
        });
        return { ...base, caseId: a.caseId, lineIds: [a.product.productLineId] };
      }
      default:
        return base;
    }
  }
  return (id: string) => {
    let f = cache.get(id);
    if (!f) {
      f = load(id);
      cache.set(id, f);
    }
    return f;
  };
}

/**
 * The records the matrix probes: a few of every Node type, chosen to cover
 * what the rules tell apart (the secret case and a public one, each advisory
 * state, confidential and not, events of a case, a report and an advisory…).
 */
export async function probedRecords(db: Db): Promise<string[]> {
  const ids: string[] = [];
  const add = (type: string, raws: string[]) => ids.push(...raws.map((r) => globalId(type, r)));
  const take = 4;
  add(
    'AnalysisCase',
    (await db.analysisCase.findMany({ select: { id: true }, orderBy: { publicId: 'asc' }, take })).map((r) => r.id),
  );
  add(
    'CaseMember',
    (
      await db.caseMember.findMany({
        select: { caseId: true, userId: true },
        orderBy: [{ caseId: 'asc' }, { userId: 'asc' }],
        take,
      })
    ).map((m) => `${m.caseId}:${m.userId}`),
  );
  for (const [type, rows] of [
    ['ProductImpact', await db.productImpact.findMany({ select: { id: true }, orderBy: { createdAt: 'asc' }, take })],
    ['Mitigation', await db.mitigation.findMany({ select: { id: true }, orderBy: { createdAt: 'asc' }, take })],
    ['Score', await db.score.findMany({ select: { id: true }, orderBy: { createdAt: 'asc' }, take })],
    ['CveAssignment', await db.cveAssignment.findMany({ select: { id: true }, orderBy: { createdAt: 'asc' }, take })],
    ['CertNotification', await db.certNotification.findMany({ select: { id: true }, take })],
    ['CraNotification', await db.craNotification.findMany({ select: { id: true }, take })],
    [
      'VulnerabilityReport',
      await db.vulnerabilityReport.findMany({ select: { id: true }, orderBy: { publicId: 'asc' } }),
    ],
    ['Reporter', await db.reporter.findMany({ select: { id: true }, orderBy: { createdAt: 'asc' }, take })],
    ['Advisory', await db.advisory.findMany({ select: { id: true }, orderBy: { publicId: 'asc' } })],
    ['AdvisoryRevision', await db.advisoryRevision.findMany({ select: { id: true }, orderBy: { createdAt: 'asc' } })],
    [
      'ComponentAssessment',
      await db.componentAssessment.findMany({ select: { id: true }, orderBy: { id: 'asc' }, take }),
    ],
    ['InboundMail', await db.inboundMail.findMany({ select: { id: true }, take })],
    ['User', await db.user.findMany({ select: { id: true }, orderBy: { createdAt: 'asc' }, take })],
    ['ProductLine', await db.productLine.findMany({ select: { id: true }, take })],
    ['Product', await db.product.findMany({ select: { id: true }, take })],
    ['ProductVersion', await db.productVersion.findMany({ select: { id: true }, take })],
  ] as const) {
    add(
      type,
      rows.map((r) => r.id),
    );
  }
  // Reporter messages: of the secret report (both ways) and of the other reporter's.
  const messages = await db.reporterMessage.findMany({
    select: { id: true, reportId: true, direction: true },
    orderBy: { createdAt: 'asc' },
  });
  const seen = new Set<string>();
  for (const m of messages) {
    const key = `${m.reportId}:${m.direction}`;
    if (seen.has(key) || seen.size >= 6) continue;
    seen.add(key);
    add('ReporterMessage', [m.id]);
  }
  // Timeline events: of a case, of a report still without one, of an advisory.
  for (const where of [
    { caseId: { not: null } },
    { caseId: null, reportId: { not: null } },
    { advisoryId: { not: null }, caseId: null },
  ]) {
    add(
      'TimelineEvent',
      (await db.timelineEvent.findMany({ where, select: { id: true }, orderBy: { createdAt: 'asc' }, take: 2 })).map(
        (e) => e.id,
      ),
    );
  }
  add(
    'ProductLineMember',
    (await db.productLineMember.findMany({ take: 2 })).map((m) => `${m.productLineId}:${m.userId}:${m.role}`),
  );
  add(
    'AuditEntry',
    (await db.auditLog.findMany({ select: { seq: true }, orderBy: { seq: 'desc' }, take: 2 })).map((e) =>
      e.seq.toString(),
    ),
  );
  return ids;
}
