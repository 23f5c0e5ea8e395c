import { isUuid, nextUpdateDue } from '@psirt/schema';
import {
  isBotAlone,
  isPsirt,
  mayReadCase,
  mayReadReporterMessages,
  mayReadReportInternals,
  PSIRT_ROLES,
  reportVisibility,
} from '../access.ts';
import { builder } from '../builder.ts';
import type { Context } from '../context.ts';
import { CASE, REPORT, REPORT_MESSAGES, REPORTER, USER } from '../read/catalogue.ts';
import { joined, manyOf, one } from '../read/rows.ts';
import { CREDIT_FIELDS, creditLine } from '../services/advisory-content.ts';
import { requestReporterLink, rotateReporterToken } from '../services/reporter-links.ts';
import { acceptReport, attachReport, rejectReport, reporterReply, submitReport } from '../services/reports.ts';
import { withSla } from '../services/settings.ts';
import {
  ChannelEnum,
  CreditPreferenceEnum,
  MessageDirectionEnum,
  MessageKindEnum,
  RejectReasonEnum,
  ReporterKindEnum,
  ReportStatusEnum,
  TriageOutcomeEnum,
} from './enums.ts';
import { registerNodeGuard } from './guards.ts';
import { Reporter } from './reporter.ts';
import { User } from './user.ts';

type CreditFields = Parameters<typeof creditLine>[0];
const CREDIT_COLUMNS = Object.keys(CREDIT_FIELDS);

/** What a report's status and SLA fields read of its case. */
const caseOf = (ctx: Context, r: { caseId: string | null }) =>
  ctx.loaders.rows.row<{ state: string; createdAt: Date; lastReporterUpdateAt: Date | null }>(
    CASE,
    ['state', 'createdAt', 'lastReporterUpdateAt'],
    r.caseId,
  );

async function mayReadReport(ctx: Context, id: string) {
  if (!isUuid(id)) return false;
  if (isPsirt(ctx.viewer)) return true;
  if (ctx.viewer.kind === 'anonymous') return false;
  return (await ctx.db.vulnerabilityReport.count({ where: { AND: [{ id }, reportVisibility(ctx.viewer)] } })) > 0;
}
registerNodeGuard('VulnerabilityReport', mayReadReport);

/** The same rule on a loaded row: the PSIRT, its reporter, its submitter, its case's team (not the bot's own account). */
function mayReadReportRow(
  ctx: Context,
  r: { caseId: string | null; reporterId: string | null; submittedById: string | null },
): boolean | Promise<boolean> {
  const v = ctx.viewer;
  if (isPsirt(v)) return true;
  if (v.kind === 'reporter') return r.reporterId === v.reporterId;
  if (v.kind !== 'user') return false;
  if (r.submittedById === v.userId) return true;
  return r.caseId !== null && !isBotAlone(v) && mayReadCase(ctx, r.caseId);
}
// A message is readable by whoever may read its report's thread (internal-only messages do not exist).
registerNodeGuard('ReporterMessage', async (ctx, id) => {
  if (!isUuid(id)) return false;
  const m = await ctx.db.reporterMessage.findUnique({ where: { id }, select: { reportId: true } });
  return m?.reportId ? mayReadReport(ctx, m.reportId) : m !== null && isPsirt(ctx.viewer);
});

/** Fields only the PSIRT and the case's team read; reporters and integrators see status and messages. */
export const internal = {
  authScopes: (report: { caseId: string | null }, _args: unknown, ctx: Context) => mayReadReportInternals(ctx, report),
} as const;

export const VulnerabilityReport = builder.prismaNode('VulnerabilityReport', {
  description:
    'A Vulnerability Summary Report (VSR): what a reporter sent, as received. Its reporter (own reports), an integrator (reports it submitted), the PSIRT and the case team may read it; internal fields are for the PSIRT and the case team only.',
  id: { field: 'id' },
  findUnique: (id) => ({ id }),
  // Rows come from the read path with the columns the query asks for (read/catalogue.ts):
  // descriptions can be long, and are read only when asked for.
  // Behind every path to a report (lists filter by reportVisibility first; this holds for any other).
  authScopes: (r, ctx) => mayReadReportRow(ctx, r),
  fields: (t) => ({
    publicId: t.exposeString('publicId', { description: 'VSR-<year>-<nnnn>' }),
    title: t.exposeString('title'),
    status: t.field({
      type: ReportStatusEnum,
      description: "The report's status as its reporter sees it.",
      resolve: async (r, _a, ctx) => {
        if (!r.triageOutcome) return r.acknowledgedAt ? 'ACKNOWLEDGED' : 'RECEIVED';
        if (r.triageOutcome !== 'ACCEPTED') return 'REJECTED';
        return (await caseOf(ctx, r))?.state === 'CLOSED' ? 'CLOSED' : 'IN_ANALYSIS';
      },
    }),
    receivedAt: t.expose('receivedAt', { type: 'DateTime' }),
    acknowledgedAt: t.expose('acknowledgedAt', { type: 'DateTime', nullable: true }),
    ageHours: t.float({
      description: 'Hours since the report was received (for the triage queue).',
      resolve: (r, _a, ctx) => Math.round(((ctx.now().getTime() - r.receivedAt.getTime()) / 3_600_000) * 10) / 10,
    }),
    messages: t.field({
      type: [ReporterMessage],
      authScopes: (_r, _a, ctx) => mayReadReporterMessages(ctx.viewer),
      description: 'The thread with the reporter, oldest first.',
      resolve: manyOf(REPORT_MESSAGES),
    }),
    nextUpdateDue: t.field({
      type: 'DateTime',
      nullable: true,
      description:
        'When the PSIRT will next write about it at the latest (the update SLA of its case); null before triage and once closed.',
      resolve: async (r, _a, ctx) => {
        const kase = await caseOf(ctx, r);
        return kase ? withSla(ctx, (sla) => nextUpdateDue(sla, kase)) : null;
      },
    }),
    advisories: t.field({
      type: [PublicAdvisoryLink],
      description: 'The published, public advisories of its case (what anyone may read on the website).',
      resolve: async (r, _a, ctx) => (r.caseId ? ctx.loaders.publicAdvisories.load(r.caseId) : []),
    }),
    credit: t.string({
      nullable: true,
      authScopes: (_r, _a, ctx) => ctx.viewer.kind === 'reporter' || isPsirt(ctx.viewer),
      description:
        'How the reporter will be credited in advisories, as they chose; null when they will not be named (confidential, anonymous, no credit). The reporter and the PSIRT.',
      resolve: async (r, _a, ctx) => {
        const reporter = await ctx.loaders.rows.row<CreditFields>(REPORTER, CREDIT_COLUMNS, r.reporterId);
        return reporter ? creditLine(reporter) : null;
      },
    }),
    description: t.exposeString('description', { ...internal, nullable: true }),
    channel: t.expose('channel', { type: ChannelEnum, ...internal, nullable: true }),
    reportedProducts: t.exposeString('reportedProducts', {
      ...internal,
      nullable: true,
      description: 'Affected products as the reporter named them.',
    }),
    reporterCvssVector: t.exposeString('reporterCvssVector', { ...internal, nullable: true }),
    reportedExploited: t.exposeBoolean('reportedExploited', {
      ...internal,
      description: 'The reporter says it is being exploited.',
    }),
    reporter: t.field({
      type: Reporter,
      ...internal,
      nullable: true,
      resolve: (r, _a, ctx, info) => joined(r, 'reporter') ?? one(ctx, info, REPORTER, r.reporterId),
    }),
    triageOutcome: t.expose('triageOutcome', { type: TriageOutcomeEnum, ...internal, nullable: true }),
    triageNote: t.exposeString('triageNote', { ...internal, nullable: true }),
    triagedAt: t.expose('triagedAt', { type: 'DateTime', ...internal, nullable: true }),
    triagedBy: t.field({
      type: User,
      ...internal,
      nullable: true,
      resolve: (r, _a, ctx, info) => one(ctx, info, USER, r.triagedById),
    }),
    submittedBy: t.field({
      type: User,
      ...internal,
      nullable: true,
      description: 'The staff member or integrator who submitted it for the reporter.',
      resolve: (r, _a, ctx, info) => one(ctx, info, USER, r.submittedById),
    }),
  }),
});

// Its relations to reports (itself) and cases (case.ts) are added beside the types they name.
builder.prismaObjectFields(VulnerabilityReport, (t) => ({
  duplicateOf: t.field({
    type: VulnerabilityReport,
    ...internal,
    nullable: true,
    resolve: (r, _a, ctx, info) => one(ctx, info, REPORT, r.duplicateOfId),
  }),
}));

export const ReporterMessage = builder.prismaNode('ReporterMessage', {
  id: { field: 'id' },
  nullable: true,
  // Behind every path to a message (report, case, node, subscriptions).
  authScopes: (_m, ctx) => mayReadReporterMessages(ctx.viewer),
  findUnique: (id) => ({ id }),
  description: "A message to or from a reporter, on one report's thread.",
  fields: (t) => ({
    direction: t.expose('direction', { type: MessageDirectionEnum }),
    kind: t.expose('kind', { type: MessageKindEnum }),
    subject: t.exposeString('subject'),
    body: t.exposeString('body'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    sentAt: t.expose('sentAt', { type: 'DateTime', nullable: true, description: 'When delivery succeeded.' }),
    queued: t.boolean({
      description: 'Queued for e-mail delivery (the reporter gave an address).',
      resolve: (m) => m.outboxId !== null,
    }),
  }),
});

// ── Queries ──────────────────────────────────────────────────────────────

builder.queryFields((t) => ({
  triageQueue: t.prismaConnection({
    type: VulnerabilityReport,
    cursor: 'id',
    description: 'Reports awaiting triage, oldest first. PSIRT analysts and admins.',
    authScopes: { anyRole: PSIRT_ROLES },
    totalCount: (_c, _a, ctx) => ctx.db.vulnerabilityReport.count({ where: { triageOutcome: null } }),
    resolve: (query, _root, _args, ctx) =>
      ctx.db.vulnerabilityReport.findMany({
        ...query,
        where: { triageOutcome: null },
        orderBy: [{ receivedAt: 'asc' }, { id: 'asc' }],
      }),
  }),
  reports: t.prismaConnection({
    type: VulnerabilityReport,
    cursor: 'id',
    description:
      'Reports the viewer may see, newest first: all for the PSIRT, those of their cases for case members, their own for a reporter token, those it submitted for an integrator.',
    totalCount: (_c, _a, ctx) => ctx.db.vulnerabilityReport.count({ where: reportVisibility(ctx.viewer) }),
    resolve: (query, _root, _args, ctx) =>
      ctx.db.vulnerabilityReport.findMany({ ...query, where: reportVisibility(ctx.viewer), orderBy: { id: 'desc' } }),
  }),
  report: t.prismaField({
    type: VulnerabilityReport,
    nullable: true,
    description: 'One report by its public id (VSR-…), if the viewer may see it.',
    args: { publicId: t.arg.string({ required: true }) },
    resolve: (query, _root, args, ctx) =>
      ctx.db.vulnerabilityReport.findFirst({
        ...query,
        where: { AND: [{ publicId: args.publicId.toUpperCase() }, reportVisibility(ctx.viewer)] },
      }),
  }),
}));

// ── Mutations ────────────────────────────────────────────────────────────

const ReporterInput = builder.inputType('ReporterInput', {
  description: 'Who is reporting. Only a contact is needed to hear back by e-mail; everything is optional.',
  fields: (t) => ({
    kind: t.field({ type: ReporterKindEnum, required: false }),
    name: t.string({ required: false }),
    organization: t.string({ required: false }),
    email: t.string({ required: false }),
    phone: t.string({ required: false }),
    pgpPublicKey: t.string({
      required: false,
      description: 'ASCII-armoured OpenPGP public key: replies are encrypted to it.',
    }),
    confidential: t.boolean({ required: false, description: '"Do not disclose my name" (default false).' }),
    creditPreference: t.field({ type: CreditPreferenceEnum, required: false }),
    creditAs: t.string({ required: false, description: 'The exact credit line wanted, if any.' }),
  }),
});

const SubmitReportInput = builder.inputType('SubmitVulnerabilityReportInput', {
  fields: (t) => ({
    title: t.string({ required: true }),
    description: t.string({ required: true }),
    affectedProducts: t.string({ required: false, description: 'Affected products and versions, in your words.' }),
    cvssVector: t.string({ required: false, description: 'Your CVSS v3.1 or v4.0 vector, if you have one.' }),
    exploited: t.boolean({
      required: false,
      description: 'You know it is being exploited (in the wild, or against you): tell us how in the description.',
    }),
    reporter: t.field({ type: ReporterInput, required: true }),
    idempotencyKey: t.string({
      required: false,
      description:
        'A random string of 8–200 characters (a UUID): a retry with the same key and content creates no second report and is answered exactly as the first request was (the same reporterToken); the same key with other content is a CONFLICT.',
    }),
  }),
});

const PublicAdvisoryLink = builder
  .objectRef<{ publicId: string; title: string; publishedAt: Date | null }>('PublicAdvisoryLink')
  .implement({
    description: 'A published advisory, as the website shows it (/advisories/<publicId>).',
    fields: (t) => ({
      publicId: t.exposeString('publicId'),
      title: t.exposeString('title'),
      publishedAt: t.expose('publishedAt', { type: 'DateTime', nullable: true }),
    }),
  });

const SubmitPayload = builder.simpleObject('SubmitVulnerabilityReportPayload', {
  fields: (t) => ({
    publicId: t.string({ description: 'The report id to quote in any correspondence (VSR-…).' }),
    reporterToken: t.string({
      description:
        'Bearer token with which the reporter follows their own reports (`reports`, `report`) and replies (`replyToReport`). Shown once; a retry returns a new one.',
    }),
    replayed: t.boolean({ description: 'True when this answered a retry of an earlier submission.' }),
  }),
});

builder.mutationFields((t) => ({
  submitVulnerabilityReport: t.field({
    type: SubmitPayload,
    description:
      'Report a vulnerability. No token needed (rate-limited per address); staff and integrators may submit on behalf of a reporter. The report is acknowledged at once.',
    args: { input: t.arg({ type: SubmitReportInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const r = await submitReport(ctx, input as never);
      return { publicId: r.publicId, reporterToken: r.reporterToken, replayed: r.replayed };
    },
  }),
  acceptReport: t.prismaField({
    type: 'AnalysisCase',
    description: 'Triage: accept a report and open a case (VAR) for it. PSIRT only.',
    args: {
      reportId: t.arg.string({ required: true, description: 'VSR-… or node id.' }),
      title: t.arg.string({ required: false, description: "The case title (default: the report's)." }),
      summary: t.arg.string({ required: false }),
      products: t.arg.stringList({ required: false, description: 'Affected products (keys or node ids).' }),
      note: t.arg.string({ required: false, description: 'Internal triage note.' }),
    },
    resolve: async (query, _root, args, ctx) => {
      const { id } = await acceptReport(
        ctx,
        {
          reportId: args.reportId,
          title: args.title,
          summary: args.summary,
          productIds: args.products ?? [],
          note: args.note,
        },
        supportContact(ctx),
      );
      return ctx.db.analysisCase.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
  attachReport: t.prismaField({
    type: 'AnalysisCase',
    description: 'Triage: accept a report as another report of an existing case. PSIRT only.',
    args: {
      reportId: t.arg.string({ required: true }),
      caseId: t.arg.string({ required: true, description: 'VAR-… or node id.' }),
      note: t.arg.string({ required: false }),
    },
    resolve: async (query, _root, args, ctx) => {
      const { id } = await attachReport(ctx, args, supportContact(ctx));
      return ctx.db.analysisCase.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
  rejectReport: t.prismaField({
    type: VulnerabilityReport,
    description: 'Triage: do not take a report further, for a reason the reporter is told. PSIRT only.',
    args: {
      reportId: t.arg.string({ required: true }),
      reason: t.arg({ type: RejectReasonEnum, required: true }),
      duplicateOf: t.arg.string({ required: false, description: 'For DUPLICATE: the earlier report (VSR-…).' }),
      note: t.arg.string({ required: false, description: 'Added to the message to the reporter.' }),
    },
    resolve: async (query, _root, args, ctx) => {
      const { id } = await rejectReport(ctx, args, supportContact(ctx));
      return ctx.db.vulnerabilityReport.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
  rotateReporterToken: t.string({
    description:
      'With a reporter token: a new token for the same reporter, and the one used here stops working at once (a leaked status link).',
    resolve: (_r, _a, ctx) => rotateReporterToken(ctx),
  }),
  requestReporterLink: t.string({
    description:
      'Anyone: mail a new private status link for a report to the address the report was submitted with, if it matches. The answer is the same whether or not it does (rate-limited per address).',
    args: { reportId: t.arg.string({ required: true }), email: t.arg.string({ required: true }) },
    resolve: (_r, a, ctx) => requestReporterLink(ctx, a),
  }),
  replyToReport: t.prismaField({
    type: VulnerabilityReport,
    description: "A reporter's message to the PSIRT on one of their reports (with the reporter token).",
    args: { reportId: t.arg.string({ required: true }), body: t.arg.string({ required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const { reportId } = await reporterReply(ctx, args);
      return ctx.db.vulnerabilityReport.findUniqueOrThrow({ ...query, where: { id: reportId } });
    },
  }),
}));

function supportContact(ctx: Context) {
  return ctx.policy.supportContact;
}
