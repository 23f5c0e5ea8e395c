// What a CRA notification's clocks and drafts are computed from: the
// notification, its submissions and requests, and its case as it is now.
import type { Db, Prisma, Tx } from '@psirt/db';
import {
  type CraClockFacts,
  type CraDraft,
  type CraDraftFacts,
  craDraft,
  craStages,
  localTime,
  memberState,
  type StageClock,
} from '@psirt/schema';
import type { CraSettings } from './settings.ts';

type Reader = Pick<Db | Tx, 'craNotification' | 'analysisCase' | 'score'>;

export const NOTIFICATION_WITH = {
  submissions: { orderBy: [{ submittedAt: 'asc' }, { id: 'asc' }] },
  intermediateRequests: { orderBy: { ordinal: 'asc' } },
  case: { select: { publicId: true, title: true } },
} satisfies Prisma.CraNotificationInclude;

export type LoadedNotification = Prisma.CraNotificationGetPayload<{ include: typeof NOTIFICATION_WITH }>;

/** The facts of the cases the notifications need: one read of the cases, one of their AVSS, whatever their number. */
async function casesFacts(db: Reader, caseIds: readonly string[]) {
  const cases = await db.analysisCase.findMany({
    where: { id: { in: [...new Set(caseIds)] } },
    select: {
      id: true,
      publicId: true,
      title: true,
      summary: true,
      cweIds: true,
      severity: true,
      severityScore: true,
      exploitationObservedAt: true,
      exploitationSource: true,
      cveAssignments: {
        where: { cveId: { not: null }, state: { not: 'REJECTED' } },
        select: { cveId: true },
        orderBy: { cveId: 'asc' },
      },
      impacts: {
        where: { status: { not: 'NOT_AFFECTED' } },
        orderBy: { createdAt: 'asc' },
        select: {
          productId: true,
          status: true,
          affectedVersions: true,
          fixedVersion: true,
          product: { select: { name: true, markets: true, productLine: { select: { markets: true } } } },
        },
      },
      mitigations: {
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        select: {
          kind: true,
          description: true,
          fixVersion: true,
          availableAt: true,
          createdAt: true,
          product: { select: { name: true } },
        },
      },
      advisories: { select: { advisory: { select: { tlp: true, publicId: true, createdAt: true } } } },
    },
  });
  // Every AVSS of those cases, newest first: the first of a product is its current one.
  const scores = await db.score.findMany({
    where: { caseId: { in: cases.map((c) => c.id) }, kind: 'AVSS' },
    orderBy: { createdAt: 'desc' },
    select: { caseId: true, productId: true, version: true, vector: true, score: true, severity: true },
  });
  return new Map(cases.map((c) => [c.id, { c, avss: scores.filter((s) => s.caseId === c.id) }]));
}

type Facts = NonNullable<ReturnType<Awaited<ReturnType<typeof casesFacts>>['get']>>;

/**
 * When each measure is (or becomes) available: a fix at its delivery date
 * (when it was recorded, without one); a workaround, configuration or
 * restriction when recorded, unless it names a later date.
 */
const measureTimes = (f: Facts) =>
  f.c.mitigations.map((m) => ({
    label: m.kind === 'FIX' ? `fix ${m.fixVersion ?? ''}`.trim() : m.kind.toLowerCase(),
    availableAt: m.availableAt ?? m.createdAt,
  }));

export function clockFacts(n: LoadedNotification, f: Facts): CraClockFacts {
  return {
    kind: n.kind,
    awareAt: n.awareAt,
    measures: measureTimes(f),
    submissions: n.submissions,
    intermediateRequests: n.intermediateRequests,
  };
}

/** Member States where the case's products are made available: each product's markets, else its line's, else the default. */
function marketsOf(f: Facts, defaultMarkets: readonly string[]) {
  const codes = new Set<string>();
  for (const i of f.c.impacts) {
    const own = i.product.markets.length ? i.product.markets : i.product.productLine.markets;
    for (const code of own.length ? own : defaultMarkets) codes.add(code);
  }
  return [...codes]
    .sort()
    .map((code) => memberState(code))
    .filter((m) => m !== null)
    .map((m) => ({ code: m.code, name: m.name }));
}

export function draftFacts(
  n: LoadedNotification,
  f: Facts,
  stage: StageClock,
  settings: Pick<CraSettings, 'defaultMarkets'> & { manufacturer: { name: string; contact: string } },
  now: Date,
): CraDraftFacts {
  const ms = n.memberState ? memberState(n.memberState) : null;
  const current = new Map<string, (typeof f.avss)[number]>();
  for (const s of f.avss) if (s.productId && !current.has(s.productId)) current.set(s.productId, s);
  const advisory = [...f.c.advisories].map((a) => a.advisory).sort((a, b) => +b.createdAt - +a.createdAt)[0];
  return {
    kind: n.kind,
    stage: stage.stage,
    ordinal: stage.ordinal,
    awareAt: n.awareAt,
    basis: n.basis,
    dueAt: stage.dueAt,
    manufacturer: { ...settings.manufacturer, memberState: ms ? { code: ms.code, name: ms.name } : null },
    coordinator: n.coordinator && ms ? { name: n.coordinator, memberState: ms.code } : null,
    case: {
      publicId: f.c.publicId,
      title: f.c.title,
      summary: f.c.summary,
      cweIds: f.c.cweIds,
      cveIds: f.c.cveAssignments.map((a) => a.cveId as string),
      exploitationObservedAt: f.c.exploitationObservedAt,
      exploitationSource: f.c.exploitationSource,
    },
    products: f.c.impacts.map((i) => {
      const s = current.get(i.productId);
      return {
        name: i.product.name,
        status: i.status as 'UNDER_INVESTIGATION' | 'AFFECTED' | 'FIXED',
        affectedVersions: i.affectedVersions,
        fixedVersion: i.fixedVersion,
        avss: s ? { version: s.version, vector: s.vector, score: Number(s.score), severity: s.severity } : null,
      };
    }),
    severity:
      f.c.severity && f.c.severityScore !== null ? { rating: f.c.severity, score: Number(f.c.severityScore) } : null,
    measures: f.c.mitigations.map((m) => ({
      kind: m.kind,
      product: m.product?.name ?? null,
      description: m.description,
      fixVersion: m.fixVersion,
      availableAt: m.kind === 'FIX' ? (m.availableAt ?? m.createdAt) : m.availableAt,
    })),
    memberStates: marketsOf(f, settings.defaultMarkets),
    sensitivity: n.tlp
      ? { tlp: n.tlp, source: 'set on the notification' }
      : advisory
        ? { tlp: advisory.tlp, source: `the TLP of ${advisory.publicId}` }
        : null,
    details: {
      exploitNature: n.exploitNature,
      maliciousActor: n.maliciousActor,
      suspectedMalicious: n.suspectedMalicious,
      incidentNature: n.incidentNature,
      initialAssessment: n.initialAssessment,
      rootCause: n.rootCause,
      statusUpdate: n.statusUpdate,
    },
    now,
  };
}

export interface StageView extends StageClock {
  /** The due time in the coordinator's time zone ("2026-12-06 15:00 CET"). */
  dueLocal: string | null;
  submission: LoadedNotification['submissions'][number] | null;
  /** The draft: regenerated from the case until submitted, then what was sent. */
  draft(): CraDraft | { json: Record<string, unknown>; text: string; frozen: true; missing: string[] };
}

export interface NotificationView {
  n: LoadedNotification;
  stages: StageView[];
  open: boolean;
  overdue: boolean;
  /** The next stage due (the earliest open one with a due time). */
  next: StageView | null;
}

/** Notifications with their stages' clocks and drafts, as of `now` (their cases read together). */
export async function viewNotifications(
  db: Reader,
  list: readonly LoadedNotification[],
  settings: CraSettings & { manufacturer: { name: string; contact: string } },
  now: Date,
): Promise<NotificationView[]> {
  const facts = await casesFacts(
    db,
    list.map((n) => n.caseId),
  );
  return list.map((n) => view(n, facts.get(n.caseId) as Facts, settings, now));
}

/** One notification's view (see viewNotifications). */
export async function viewNotification(
  db: Reader,
  n: LoadedNotification,
  settings: CraSettings & { manufacturer: { name: string; contact: string } },
  now: Date,
): Promise<NotificationView> {
  return (await viewNotifications(db, [n], settings, now))[0] as NotificationView;
}

function view(
  n: LoadedNotification,
  f: Facts,
  settings: CraSettings & { manufacturer: { name: string; contact: string } },
  now: Date,
): NotificationView {
  const zone = n.memberState ? memberState(n.memberState)?.timeZone : undefined;
  const stages = craStages(clockFacts(n, f), now).map((s): StageView => {
    const submission = n.submissions.find((x) => x.stage === s.stage && x.ordinal === s.ordinal) ?? null;
    return {
      ...s,
      dueLocal: s.dueAt && zone ? localTime(s.dueAt, zone) : null,
      submission,
      draft: () =>
        submission
          ? { json: JSON.parse(submission.json), text: submission.text, frozen: true, missing: submission.missing }
          : craDraft(draftFacts(n, f, s, settings, now)),
    };
  });
  const open = stages.filter((s) => s.submittedAt === null);
  const next =
    open.filter((s) => s.dueAt).sort((a, b) => (a.dueAt as Date).getTime() - (b.dueAt as Date).getTime())[0] ?? null;
  return { n, stages, open: open.length > 0, overdue: stages.some((s) => s.overdue), next };
}

/** Loads notifications with what their views need, in one read. */
export function loadNotifications(db: Reader, ids: readonly string[]) {
  return db.craNotification.findMany({ where: { id: { in: [...ids] } }, include: NOTIFICATION_WITH });
}
