// EU Cyber Resilience Act, Art. 14, in GraphQL: notifications with their legal
// clocks and drafts, what was submitted, the prompts evidence raises, and the
// catalogue's markets. The rules are in @psirt/schema (cra/) and cra/service.ts.
import { CraEvidence, CraKind, CraStage } from '@psirt/db';
import { CRA_ARTICLE, type CraDraftField, DomainError, isUuid, timelineEnumValue } from '@psirt/schema';
import DataLoader from 'dataloader';
import {
  AUDIT_READERS,
  craNotificationVisibility,
  mayReadCase,
  mayReadCraNotification,
  PSIRT_ROLES,
  readsAllCases,
  requireUser,
} from '../access.ts';
import { hasAnyRole } from '../auth.ts';
import { builder } from '../builder.ts';
import type { Context } from '../context.ts';
import { loadNotifications, type NotificationView, type StageView, viewNotifications } from '../cra/facts.ts';
import {
  dismissCraPrompt,
  manufacturer,
  notificationHandle,
  notificationWhere,
  recordCraSubmission,
  requestCraIntermediateReport,
  setProductMarkets,
  startCraNotification,
  theOne,
  updateCraNotification,
} from '../cra/service.ts';
import { delivered, type Ending, liveStream } from '../live/stream.ts';
import { AnalysisCase, TimelineEventTypeEnum } from './case.ts';
import { registerNodeGuard } from './guards.ts';
import { mayReadCaseNow } from './live.ts';
import { TlpEnum } from './tlp.ts';

const CraKindEnum = builder.enumType(CraKind, {
  name: 'CraKind',
  description:
    'What is notified under Art. 14: an actively exploited vulnerability (14(2)) or a severe incident (14(4)).',
});
const CraStageEnum = builder.enumType(CraStage, {
  name: 'CraStage',
  description:
    'EARLY_WARNING (24 h), NOTIFICATION (72 h), INTERMEDIATE (when the CSIRT asks), FINAL_REPORT (14 days after a measure is available; one month after an incident notification).',
});
const CraEvidenceEnum = builder.enumType(CraEvidence, { name: 'CraEvidence' });

/**
 * Each notification's view (clocks, drafts), once per request and batched: a
 * list of notifications reads them, their cases and their scores in three
 * statements. Keyed on the request's loaders, which a live subscription
 * renews at every event, so each delivery reads the clocks as they are then.
 */
const viewLoaders = new WeakMap<object, DataLoader<string, NotificationView | null>>();
function views(ctx: Context) {
  let loader = viewLoaders.get(ctx.loaders);
  if (!loader) {
    loader = new DataLoader(async (ids: readonly string[]) => {
      const rows = await loadNotifications(ctx.db, ids);
      const built = await viewNotifications(
        ctx.db,
        rows,
        { ...ctx.policy.cra, manufacturer: manufacturer(ctx) },
        ctx.now(),
      );
      return ids.map((id) => built.find((v) => v.n.id === id) ?? null);
    });
    viewLoaders.set(ctx.loaders, loader);
  }
  return loader;
}
const view = async (ctx: Context, id: string) => {
  const v = await views(ctx).load(id);
  if (!v) throw new DomainError('NOT_FOUND', 'No such CRA notification.');
  return v;
};

/** node(id:) and deliveries by id: the notification's case decides, as for lists (access.ts). */
const mayRead = async (ctx: Context, id: string) => {
  if (!isUuid(id)) return false;
  const n = await ctx.db.craNotification.findUnique({ where: { id }, select: { caseId: true } });
  return n !== null && (await mayReadCraNotification(ctx, n));
};
registerNodeGuard('CraNotification', mayRead);

const CraDraftFieldRef = builder.objectRef<CraDraftField>('CraDraftField').implement({
  description: 'One field a stage must say, as the Article asks for it.',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Its stable name in the JSON draft.' }),
    article: t.exposeString('article'),
    label: t.exposeString('label'),
    filled: t.exposeBoolean('filled'),
    optional: t.exposeBoolean('optional', {
      description: '"Where available": its absence does not hold the report back.',
    }),
    text: t.exposeString('text', { description: 'The value as text (empty when missing).' }),
    source: t.exposeString('source', { description: 'Where the value comes from; when missing, what would fill it.' }),
  }),
});

type Draft = ReturnType<StageView['draft']>;
const CraDraftRef = builder.objectRef<Draft>('CraDraft').implement({
  description:
    'What a stage says: regenerated from the case until it is submitted, then exactly what was submitted. JSON format psirt-cra-art14/1 (README: CRA reporting).',
  fields: (t) => ({
    json: t.field({ type: 'JSON', resolve: (d) => d.json }),
    text: t.string({ description: 'To paste into ENISA’s Single Reporting Platform.', resolve: (d) => d.text }),
    frozen: t.boolean({ description: 'Submitted: it no longer follows the case.', resolve: (d) => 'frozen' in d }),
    missing: t.stringList({ description: 'Required fields not filled.', resolve: (d) => d.missing }),
    fields: t.field({
      type: [CraDraftFieldRef],
      description: 'Each field, filled or missing (empty once frozen: the JSON is what was sent).',
      resolve: (d) => ('fields' in d ? d.fields : []),
    }),
  }),
});

interface StageParent {
  s: StageView;
  kind: CraKind;
  caseId: string;
}
const CraStageClockRef = builder.objectRef<StageParent>('CraStageClock').implement({
  description: 'One stage of a notification against its legal clock. Times are UTC; `dueLocal` is the coordinator’s.',
  fields: (t) => ({
    stage: t.field({ type: CraStageEnum, resolve: (p) => p.s.stage }),
    ordinal: t.int({
      description: 'Which intermediate report (1, 2…); 0 for the others.',
      resolve: (p) => p.s.ordinal,
    }),
    article: t.string({ resolve: (p) => CRA_ARTICLE[p.kind][p.s.stage] }),
    dueAt: t.field({ type: 'DateTime', nullable: true, resolve: (p) => p.s.dueAt }),
    dueLocal: t.string({
      nullable: true,
      description: 'The due time in the coordinator CSIRT’s time zone, e.g. "2026-12-06 15:00 CET".',
      resolve: (p) => p.s.dueLocal,
    }),
    notYetDue: t.string({
      nullable: true,
      description: 'Why there is no due time yet.',
      resolve: (p) => p.s.notYetDue,
    }),
    overdue: t.boolean({ resolve: (p) => p.s.overdue }),
    late: t.boolean({ description: 'Submitted after its due time.', resolve: (p) => p.s.late }),
    submittedAt: t.field({ type: 'DateTime', nullable: true, resolve: (p) => p.s.submittedAt }),
    submittedBy: t.prismaField({
      type: 'User',
      nullable: true,
      resolve: (query, p, _a, ctx) =>
        p.s.submission?.submittedById
          ? ctx.db.user.findUnique({ ...query, where: { id: p.s.submission.submittedById } })
          : null,
    }),
    reference: t.string({
      nullable: true,
      description: 'The reporting platform’s reference.',
      resolve: (p) => p.s.submission?.reference ?? null,
    }),
    sha256: t.string({
      nullable: true,
      description: 'SHA-256 of the submitted JSON (also in the audit chain).',
      resolve: (p) => p.s.submission?.digest ?? null,
    }),
    draft: t.field({
      type: CraDraftRef,
      nullable: true,
      description:
        'The draft (before submission: for those who read the case) or what was submitted (for every reader of the notification, auditors included).',
      resolve: async (p, _a, ctx) => (p.s.submission || (await mayReadCase(ctx, p.caseId)) ? p.s.draft() : null),
    }),
  }),
});

export const CraNotificationRef = builder.prismaNode('CraNotification', {
  id: { field: 'id' },
  nullable: true,
  description:
    'A notification under the EU Cyber Resilience Act, Art. 14, for one case. ADMIN and ANALYST manage it; the case’s members read it; auditors read it and what was submitted.',
  findUnique: (id) => ({ id }),
  authScopes: (n, ctx) => mayReadCraNotification(ctx, n),
  fields: (t) => ({
    handle: t.string({
      description: 'Its case and kind: VAR-…/exploited or VAR-…/incident (what the CLI and Slack take).',
      select: { case: { select: { publicId: true } } },
      resolve: (n) => notificationHandle(n),
    }),
    kind: t.expose('kind', { type: CraKindEnum }),
    awareAt: t.expose('awareAt', {
      type: 'DateTime',
      description: 'When the manufacturer became aware: the clocks run from here.',
    }),
    basis: t.exposeString('basis', { description: 'Why the PSIRT considers itself aware (who decided: decidedBy).' }),
    decidedBy: t.relation('decidedBy', { nullable: true }),
    caseId: t.string({
      description: 'The case (VAR-…).',
      select: { case: { select: { publicId: true } } },
      resolve: (n) => n.case.publicId,
    }),
    case: t.relation('case', { nullable: true, description: 'The case, for those who may read it.' }),
    memberState: t.exposeString('memberState', {
      nullable: true,
      description: 'The Member State of the main establishment when the notification started.',
    }),
    coordinatorCsirt: t.exposeString('coordinator', {
      nullable: true,
      description: 'The CSIRT designated as coordinator.',
    }),
    memberStates: t.stringList({
      description: 'Member States where the concerned products are made available (from the catalogue’s markets).',
      resolve: async (n, _a, ctx) => {
        const v = await view(ctx, n.id);
        const early = v.stages.find((s) => s.stage === 'EARLY_WARNING');
        const json = early?.draft().json as { fields?: { memberStatesMadeAvailable?: string[] | null } } | undefined;
        return json?.fields?.memberStatesMadeAvailable ?? [];
      },
    }),
    tlp: t.expose('tlp', { type: TlpEnum, nullable: true, description: 'How sensitive the notified information is.' }),
    exploitNature: t.exposeString('exploitNature', { nullable: true }),
    maliciousActor: t.exposeString('maliciousActor', { nullable: true }),
    suspectedMalicious: t.exposeBoolean('suspectedMalicious', { nullable: true }),
    incidentNature: t.exposeString('incidentNature', { nullable: true }),
    initialAssessment: t.exposeString('initialAssessment', { nullable: true }),
    rootCause: t.exposeString('rootCause', { nullable: true }),
    statusUpdate: t.exposeString('statusUpdate', { nullable: true }),
    open: t.boolean({ resolve: async (n, _a, ctx) => (await view(ctx, n.id)).open }),
    overdue: t.boolean({ resolve: async (n, _a, ctx) => (await view(ctx, n.id)).overdue }),
    closedAt: t.expose('closedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    stages: t.field({
      type: [CraStageClockRef],
      description: 'Every stage with its clock, in the order they fall due.',
      select: { caseId: true, kind: true },
      resolve: async (n, _a, ctx) => (await view(ctx, n.id)).stages.map((s) => ({ s, kind: n.kind, caseId: n.caseId })),
    }),
    next: t.field({
      type: CraStageClockRef,
      nullable: true,
      description: 'The next stage due.',
      select: { caseId: true, kind: true },
      resolve: async (n, _a, ctx) => {
        const s = (await view(ctx, n.id)).next;
        return s ? { s, kind: n.kind, caseId: n.caseId } : null;
      },
    }),
  }),
});

builder.prismaObjectField(AnalysisCase, 'craNotifications', (t) =>
  t.relation('craNotifications', {
    description: 'Its CRA Art. 14 notifications (at most one of each kind).',
    query: { orderBy: { createdAt: 'asc' } },
  }),
);

const CraPromptRef = builder.prismaObject('CraPrompt', {
  description: 'Evidence that a case may be actively exploited: the PSIRT decides whether a notification is due.',
  fields: (t) => ({
    caseId: t.string({ select: { case: { select: { publicId: true } } }, resolve: (p) => p.case.publicId }),
    case: t.relation('case', { nullable: true }),
    evidence: t.expose('evidence', { type: CraEvidenceEnum }),
    detail: t.exposeString('detail'),
    seenAt: t.expose('seenAt', { type: 'DateTime' }),
  }),
});

builder.queryFields((t) => ({
  craNotification: t.prismaField({
    type: CraNotificationRef,
    nullable: true,
    description:
      'One notification by handle (VAR-…/exploited, VAR-…/incident, or the case id if it has one) or node id.',
    args: { id: t.arg.string({ required: true }) },
    resolve: async (query, _r, args, ctx) =>
      theOne(
        args.id,
        await ctx.db.craNotification.findMany({
          ...query,
          where: { AND: [notificationWhere(args.id), craNotificationVisibility(ctx.viewer)] },
          take: 2,
        }),
      ),
  }),
  craNotifications: t.prismaField({
    type: [CraNotificationRef],
    description:
      'Notifications you may read, the next due first. open (default true): not every stage submitted; overdue: a stage past due; dueBefore: a stage due before then.',
    args: {
      open: t.arg.boolean({ required: false, defaultValue: true }),
      overdue: t.arg.boolean({ required: false }),
      dueBefore: t.arg({ type: 'DateTime', required: false }),
      caseId: t.arg.string({ required: false, description: 'Only this case’s (VAR-…).' }),
    },
    resolve: async (query, _r, args, ctx) => {
      const rows = await ctx.db.craNotification.findMany({
        where: {
          AND: [
            craNotificationVisibility(ctx.viewer),
            args.caseId ? { case: { publicId: args.caseId.trim().toUpperCase() } } : {},
          ],
        },
        select: { id: true },
        orderBy: { createdAt: 'asc' },
        take: 500,
      });
      const picked: { id: string; due: number }[] = [];
      for (const v of await views(ctx).loadMany(rows.map((r) => r.id))) {
        if (!v || v instanceof Error) continue;
        const id = v.n.id;
        if (args.open === true && !v.open) continue;
        if (args.open === false && v.open) continue;
        if (args.overdue === true && !v.overdue) continue;
        if (args.overdue === false && v.overdue) continue;
        const dueBefore = args.dueBefore;
        if (dueBefore && !v.stages.some((s) => !s.submittedAt && s.dueAt && s.dueAt < dueBefore)) continue;
        picked.push({ id, due: v.next?.dueAt?.getTime() ?? Number.POSITIVE_INFINITY });
      }
      picked.sort((a, b) => a.due - b.due);
      const found = await ctx.db.craNotification.findMany({ ...query, where: { id: { in: picked.map((p) => p.id) } } });
      return picked.map((p) => found.find((f) => f.id === p.id)).filter((x) => x !== undefined);
    },
  }),
  craPrompts: t.prismaField({
    type: [CraPromptRef],
    description:
      'Evidence that open cases may be actively exploited, not yet decided on: start a notification (startCraNotification) or say why not (dismissCraPrompt). The PSIRT.',
    authScopes: (_r, _a, ctx) => readsAllCases(ctx.viewer),
    resolve: (query, _r, _a, ctx) =>
      ctx.db.craPrompt.findMany({
        ...query,
        where: { dismissedAt: null },
        orderBy: [{ seenAt: 'asc' }, { id: 'asc' }],
      }),
  }),
}));

const StartCraNotificationInput = builder.inputType('StartCraNotificationInput', {
  fields: (t) => ({
    caseId: t.string({ required: true }),
    kind: t.field({ type: CraKindEnum, required: true }),
    awareAt: t.field({
      type: 'DateTime',
      required: true,
      description: 'When the manufacturer became aware — a legal judgement, never inferred: the clocks run from it.',
    }),
    basis: t.string({
      required: true,
      description: 'Why (the evidence and the reasoning); recorded with who decided.',
    }),
  }),
});

const UpdateCraNotificationInput = builder.inputType('UpdateCraNotificationInput', {
  description: 'What the case cannot say. Omitted fields stay; null clears.',
  fields: (t) => ({
    id: t.string({ required: true }),
    tlp: t.string({ required: false, description: 'How sensitive the notified information is (a TLP label).' }),
    exploitNature: t.string({ required: false }),
    maliciousActor: t.string({ required: false }),
    suspectedMalicious: t.boolean({ required: false, description: 'Incidents: suspected unlawful or malicious acts.' }),
    incidentNature: t.string({ required: false }),
    initialAssessment: t.string({ required: false }),
    rootCause: t.string({ required: false }),
    statusUpdate: t.string({ required: false, description: 'For intermediate reports.' }),
  }),
});

const reload = (query: object, ctx: Context, id: string) =>
  ctx.db.craNotification.findUniqueOrThrow({ ...query, where: { id } });

builder.mutationFields((t) => ({
  startCraNotification: t.prismaField({
    type: CraNotificationRef,
    description:
      'Start a CRA Art. 14 notification for a case: its clocks run from awareAt. An exploited vulnerability also marks the case exploited (an early advisory may then be published on that basis). ADMIN and ANALYST.',
    authScopes: { anyRole: PSIRT_ROLES },
    args: { input: t.arg({ type: StartCraNotificationInput, required: true }) },
    resolve: async (query, _r, args, ctx) => reload(query, ctx, await startCraNotification(ctx, args.input)),
  }),
  updateCraNotification: t.prismaField({
    type: CraNotificationRef,
    authScopes: { anyRole: PSIRT_ROLES },
    args: { input: t.arg({ type: UpdateCraNotificationInput, required: true }) },
    resolve: async (query, _r, args, ctx) => reload(query, ctx, await updateCraNotification(ctx, args.input)),
  }),
  recordCraSubmission: t.prismaField({
    type: CraNotificationRef,
    description:
      'Record that a stage was submitted on ENISA’s platform: its draft as it stands is frozen, hashed into the audit chain, and never edited. ADMIN and ANALYST.',
    authScopes: { anyRole: PSIRT_ROLES },
    args: {
      id: t.arg.string({ required: true }),
      stage: t.arg({ type: CraStageEnum, required: true }),
      ordinal: t.arg.int({ required: false, description: 'Which intermediate report (default: the oldest open).' }),
      submittedAt: t.arg({ type: 'DateTime', required: true }),
      reference: t.arg.string({ required: true }),
    },
    resolve: async (query, _r, a, ctx) =>
      reload(
        query,
        ctx,
        await recordCraSubmission(ctx, {
          id: a.id,
          stage: a.stage,
          ordinal: a.ordinal ?? null,
          submittedAt: a.submittedAt,
          reference: a.reference,
        }),
      ),
  }),
  requestCraIntermediateReport: t.prismaField({
    type: CraNotificationRef,
    description: 'The CSIRT asked for an intermediate report by dueAt. ADMIN and ANALYST.',
    authScopes: { anyRole: PSIRT_ROLES },
    args: {
      id: t.arg.string({ required: true }),
      requestedAt: t.arg({ type: 'DateTime', required: true }),
      dueAt: t.arg({ type: 'DateTime', required: true }),
      note: t.arg.string({ required: false }),
    },
    resolve: async (query, _r, a, ctx) =>
      reload(
        query,
        ctx,
        await requestCraIntermediateReport(ctx, { id: a.id, requestedAt: a.requestedAt, dueAt: a.dueAt, note: a.note }),
      ),
  }),
  dismissCraPrompt: t.prismaField({
    type: AnalysisCase,
    description: 'The evidence on a case is no reason to notify: say why (audited). ADMIN and ANALYST.',
    authScopes: { anyRole: PSIRT_ROLES },
    args: { caseId: t.arg.string({ required: true }), reason: t.arg.string({ required: true }) },
    resolve: async (query, _r, a, ctx) =>
      ctx.db.analysisCase.findUniqueOrThrow({ ...query, where: { id: await dismissCraPrompt(ctx, a) } }),
  }),
  setProductMarkets: t.stringList({
    description:
      'Where a product or a product line is made available in the EU (Member State codes; "EU" for all 27); CRA notifications name them. ADMIN.',
    authScopes: { anyRole: ['ADMIN'] },
    args: {
      product: t.arg.string({ required: false }),
      productLine: t.arg.string({ required: false }),
      markets: t.arg.stringList({ required: true }),
    },
    resolve: (_r, a, ctx) => setProductMarkets(ctx, a),
  }),
}));

// ── Live: deadline changes ──────────────────────────────────────────────────

interface DeadlineChange {
  type: string;
  at: Date;
  caseId: string;
  data: Record<string, unknown>;
  notificationId: string | null;
}

const CraDeadlineChangeRef = builder.objectRef<DeadlineChange>('CraDeadlineChange').implement({
  description:
    'Something moved a CRA clock: a notification started, a stage was submitted, an intermediate report requested, a measure recorded (the final report’s clock), a reminder (6 h, 1 h before, overdue), new evidence (prompts: the PSIRT only).',
  fields: (t) => ({
    type: t.field({ type: TimelineEventTypeEnum, resolve: (x) => timelineEnumValue(x.type) as never }),
    at: t.field({ type: 'DateTime', resolve: (x) => x.at }),
    caseId: t.string({ description: 'The case (VAR-…).', resolve: (x) => x.caseId }),
    notification: t.field({
      type: CraNotificationRef,
      nullable: true,
      // Prompts have none: a plain field, so no Prisma selection goes unused.
      resolve: (x, _a, ctx) =>
        x.notificationId ? ctx.db.craNotification.findUnique({ where: { id: x.notificationId } }) : null,
    }),
    stage: t.field({
      type: CraStageEnum,
      nullable: true,
      resolve: (x) => (x.data.stage as CraStage | undefined) ?? null,
    }),
    threshold: t.string({
      nullable: true,
      description: 'Reminders: H6, H1, OVERDUE, then OVERDUE_1D, OVERDUE_2D… daily.',
      resolve: (x) => (x.data.threshold as string | undefined) ?? null,
    }),
    dueAt: t.field({
      type: 'DateTime',
      nullable: true,
      resolve: (x) => (typeof x.data.dueAt === 'string' ? new Date(x.data.dueAt) : null),
    }),
    dueLocal: t.string({ nullable: true, resolve: (x) => (x.data.dueLocal as string | undefined) ?? null }),
    detail: t.string({
      nullable: true,
      description: 'Prompts: the evidence.',
      resolve: (x) => (x.data.detail as string | undefined) ?? null,
    }),
  }),
});

const DEADLINE_EVENTS = new Set([
  'cra.prompted',
  'cra.started',
  'cra.submitted',
  'cra.intermediate.requested',
  'cra.reminder',
  'mitigation.added',
]);

builder.subscriptionFields((t) => ({
  craDeadlineChanged: t.field({
    type: CraDeadlineChangeRef,
    description:
      'CRA clocks as they move, for the notifications you may read (prompts: the PSIRT). The Slack bot posts reminders from here.',
    authScopes: { staff: true },
    subscribe: (_root, _args, ctx) => {
      // Who may start listening is checked here (authScopes guard what is resolved).
      requireUser(ctx);
      return liveStream(
        ctx,
        'case',
        (p) => p.events.some((e) => DEADLINE_EVENTS.has(e.type)),
        async (p, s) => {
          const events = p.events.filter((e) => DEADLINE_EVENTS.has(e.type));
          const rows = await s.once(`cra-events:${events.map((e) => e.id).join(',')}`, () =>
            ctx.db.timelineEvent.findMany({
              where: { id: { in: events.map((e) => e.id) } },
              orderBy: { id: 'asc' },
              select: { type: true, createdAt: true, data: true, case: { select: { publicId: true } } },
            }),
          );
          const out: DeadlineChange[] = [];
          for (const r of rows) {
            const data = (r.data ?? {}) as Record<string, unknown>;
            const base = { type: r.type, at: r.createdAt, caseId: r.case?.publicId ?? '', data };
            if (r.type === 'cra.prompted') {
              if (readsAllCases(ctx.viewer)) out.push({ ...base, notificationId: null });
              continue;
            }
            // A measure moves the final report's clock of the case's open notifications.
            // Loaded once per event for every subscriber; each then decides by the case's team, read once too.
            const rows =
              r.type === 'mitigation.added'
                ? await s.once(`cra-open:${p.caseId}`, () =>
                    ctx.db.craNotification.findMany({
                      where: { caseId: p.caseId, closedAt: null },
                      select: { id: true, caseId: true },
                    }),
                  )
                : typeof data.notificationId === 'string'
                  ? await s.once(`cra-one:${data.notificationId}`, async () =>
                      ctx.db.craNotification
                        .findMany({ where: { id: String(data.notificationId) }, select: { id: true, caseId: true } })
                        .catch(() => []),
                    )
                  : [];
            const visible =
              rows.length > 0 && (hasAnyRole(ctx.viewer, AUDIT_READERS) || (await mayReadCaseNow(ctx, s, p.caseId)));
            const ids = visible ? rows.filter((n) => n.caseId === p.caseId).map((n) => n.id) : [];
            for (const id of ids) out.push({ ...base, notificationId: id });
          }
          return out;
        },
      );
    },
    resolve: (item: DeadlineChange | Ending) => delivered(item),
  }),
}));
