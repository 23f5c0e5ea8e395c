// The case and its parts as GraphQL types; the queries are in case-query.ts,
// the mutations in case-mutations.ts.
import {
  type CASE_TRANSITIONS,
  type CaseState,
  isUuid,
  NIL_UUID,
  nextUpdateDue,
  scoreCvss,
  TIMELINE_EVENT_TYPES,
  timelineEnumValue,
  transitionsFrom,
  updateOverdue,
} from '@psirt/schema';
import { isPsirt, mayReadCase, mayReadReporterMessages, readsAdvisories, workflowRoles } from '../access.ts';
import { builder } from '../builder.ts';
import type { Context } from '../context.ts';
import {
  CASE,
  CASE_CERT_NOTIFICATIONS,
  CASE_CVE_ASSIGNMENTS,
  CASE_IMPACTS,
  CASE_MEMBERS,
  CASE_MESSAGES,
  CASE_MITIGATIONS,
  CASE_REPORTS,
  CASE_SCORES,
  CASE_TIMELINE,
  PRODUCT,
  USER,
} from '../read/catalogue.ts';
import { joined, manyOf, one, oneOrThrow } from '../read/rows.ts';
import { withSla } from '../services/settings.ts';
import { CvssAssessment } from './cvss.ts';
import {
  CaseMemberRoleEnum,
  CaseStateEnum,
  CveStateEnum,
  CvssVersionEnum,
  ImpactStatusEnum,
  MitigationKindEnum,
  RoleEnum,
  ScoreKindEnum,
  SeverityEnum,
  VexJustificationEnum,
} from './enums.ts';
import { registerNodeGuard } from './guards.ts';
import { Product } from './product.ts';
import { internal, ReporterMessage, VulnerabilityReport } from './report.ts';
import { User } from './user.ts';

registerNodeGuard('AnalysisCase', async (ctx, id) => isUuid(id) && (await mayReadCase(ctx, id)));

/** The parts of a case are readable exactly when their case is. */
function partOfCase(find: (ctx: Context, id: string) => Promise<{ caseId: string | null } | null>) {
  return async (ctx: Context, id: string) => {
    if (!isUuid(id)) return false;
    const row = await find(ctx, id);
    return row?.caseId ? mayReadCase(ctx, row.caseId) : row !== null && isPsirt(ctx.viewer);
  };
}
const caseIdOnly = { select: { caseId: true } } as const;
registerNodeGuard('CaseMember', async (ctx, id) => {
  const [caseId = '', userId = ''] = id.split(':');
  return isUuid(caseId) && isUuid(userId) && mayReadCase(ctx, caseId);
});
registerNodeGuard(
  'ProductImpact',
  partOfCase((ctx, id) => ctx.db.productImpact.findUnique({ where: { id }, ...caseIdOnly })),
);
registerNodeGuard(
  'Mitigation',
  partOfCase((ctx, id) => ctx.db.mitigation.findUnique({ where: { id }, ...caseIdOnly })),
);
registerNodeGuard(
  'Score',
  partOfCase((ctx, id) => ctx.db.score.findUnique({ where: { id }, ...caseIdOnly })),
);
registerNodeGuard(
  'CveAssignment',
  partOfCase((ctx, id) => ctx.db.cveAssignment.findUnique({ where: { id }, ...caseIdOnly })),
);
registerNodeGuard(
  'CertNotification',
  partOfCase((ctx, id) => ctx.db.certNotification.findUnique({ where: { id }, ...caseIdOnly })),
);
// An event is read as its case (or its report's case); an advisory's events by the advisory's
// readers (Advisory.timeline); a report's before it has a case, by the PSIRT.
registerNodeGuard('TimelineEvent', async (ctx, id) => {
  if (!isUuid(id)) return false;
  const e = await ctx.db.timelineEvent.findUnique({
    where: { id },
    select: { caseId: true, advisoryId: true, report: { select: { caseId: true } } },
  });
  if (!e) return false;
  const caseId = e.caseId ?? e.report?.caseId ?? null;
  if (caseId) return mayReadCase(ctx, caseId);
  if (e.advisoryId) return readsAdvisories(ctx.viewer);
  return isPsirt(ctx.viewer);
});

// ── The workflow, as data ────────────────────────────────────────────────

const WorkflowTransition = builder.simpleObject('WorkflowTransition', {
  description: 'One allowed move of a case between states, and who may take it.',
  fields: (t) => ({
    from: t.field({ type: CaseStateEnum }),
    to: t.field({ type: CaseStateEnum }),
    name: t.string({ description: 'A verb for buttons and commands.' }),
    description: t.string(),
    roles: t.field({
      type: [RoleEnum],
      description: 'Staff roles that may take it (product-line roles only as case members).',
    }),
    requiresConclusion: t.boolean({ description: 'Needs a conclusion, which is sent to the reporters.' }),
  }),
});
const WorkflowState = builder.simpleObject('WorkflowState', {
  fields: (t) => ({ state: t.field({ type: CaseStateEnum }), description: t.string() }),
});
export const VarWorkflow = builder.simpleObject('VarWorkflow', {
  description: 'The analysis-case workflow, so clients never hard-code it.',
  fields: (t) => ({
    initial: t.field({ type: CaseStateEnum }),
    states: t.field({ type: [WorkflowState] }),
    transitions: t.field({ type: [WorkflowTransition] }),
  }),
});

export const asTransition = (x: (typeof CASE_TRANSITIONS)[number]) => ({
  from: x.from,
  to: x.to,
  name: x.name,
  description: x.description,
  roles: [...x.roles],
  requiresConclusion: x.requiresConclusion,
});

// ── The case and what hangs off it ───────────────────────────────────────

export const AnalysisCase = builder.prismaNode('AnalysisCase', {
  description:
    'A Vulnerability Analysis Report (VAR): the case file from triage to closure. Visible to PSIRT analysts, admins and its need-to-know members only.',
  id: { field: 'id' },
  findUnique: (id) => ({ id }),
  // Rows come from the read path (read/cases.ts) with the columns the query
  // asks for (read/catalogue.ts), or whole from Prisma (a mutation's answer).
  authScopes: (kase, ctx) => mayReadCase(ctx, kase.id),
  fields: (t) => ({
    publicId: t.exposeString('publicId', { description: 'VAR-<year>-<nnnn>' }),
    title: t.exposeString('title'),
    summary: t.exposeString('summary', { nullable: true }),
    state: t.field({ type: CaseStateEnum, resolve: (c) => c.state as CaseState }),
    allowedTransitions: t.field({
      type: [WorkflowTransition],
      description: 'The moves the viewer may make from the current state (guards are checked when moving).',
      resolve: async (c, _a, ctx) => {
        const roles = await workflowRoles(ctx, c.id);
        return transitionsFrom(c.state as CaseState)
          .filter((x) => x.roles.some((r) => roles.includes(r)))
          .map(asTransition);
      },
    }),
    embargoUntil: t.expose('embargoUntil', {
      type: 'DateTime',
      nullable: true,
      description: 'Planned disclosure: nothing is disclosed before.',
    }),
    embargoTimeZone: t.exposeString('embargoTimeZone', { nullable: true }),
    exploitationObserved: t.exposeBoolean('exploitationObserved'),
    exploitationObservedAt: t.expose('exploitationObservedAt', { type: 'DateTime', nullable: true }),
    exploitationSource: t.exposeString('exploitationSource', { nullable: true }),
    publiclyKnown: t.exposeBoolean('publiclyKnown'),
    publiclyKnownAt: t.expose('publiclyKnownAt', { type: 'DateTime', nullable: true }),
    publiclyKnownSource: t.exposeString('publiclyKnownSource', { nullable: true }),
    cweIds: t.exposeStringList('cweIds'),
    notificationPlan: t.exposeString('notificationPlan', { nullable: true }),
    conclusion: t.exposeString('conclusion', {
      nullable: true,
      description: 'What the reporters were told at closure.',
    }),
    severity: t.expose('severity', {
      type: SeverityEnum,
      nullable: true,
      description:
        'Per the PSIRT policy: the highest current AVSS of the products the case may affect (not NOT_AFFECTED ones), else the latest vendor base score; null until scored.',
    }),
    severityScore: t.float({
      nullable: true,
      description: 'The score behind severity.',
      resolve: (c) => (c.severityScore === null ? null : Number(c.severityScore)),
    }),
    lastReporterUpdateAt: t.expose('lastReporterUpdateAt', { type: 'DateTime', nullable: true }),
    nextUpdateDue: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the reporters are next owed an update (SLA); null once closed.',
      resolve: (c, _a, ctx) => withSla(ctx, (sla) => nextUpdateDue(sla, c)),
    }),
    updateOverdue: t.boolean({
      description: 'The reporters are owed an update now.',
      resolve: (c, _a, ctx) => withSla(ctx, (sla) => updateOverdue(sla, c, ctx.now())),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    closedAt: t.expose('closedAt', { type: 'DateTime', nullable: true }),
    // Relations: one statement per relation and place in the operation, whatever the page
    // size, joining the one-row relations asked of them (read/rows.ts).
    createdBy: t.field({
      type: User,
      nullable: true,
      resolve: (c, _a, ctx, info) => one(ctx, info, USER, c.createdById),
    }),
    reports: t.field({
      type: [VulnerabilityReport],
      // What reporters wrote: the case team's and the PSIRT's, not the bot's own account's.
      authScopes: (_c, _a, ctx) => mayReadReporterMessages(ctx.viewer),
      description: 'The VSRs behind this case.',
      resolve: manyOf(CASE_REPORTS),
    }),
    members: t.field({
      type: [CaseMember],
      description: 'The Vulnerability Analysis Team and need-to-know members.',
      resolve: manyOf(CASE_MEMBERS),
    }),
    impacts: t.field({
      type: [ProductImpact],
      description: 'Per-product impact.',
      resolve: manyOf(CASE_IMPACTS),
    }),
    mitigations: t.field({
      type: [Mitigation],
      resolve: manyOf(CASE_MITIGATIONS),
    }),
    scores: t.field({
      type: [Score],
      description: 'Every score recorded on the case, newest first (the history is the list).',
      resolve: manyOf(CASE_SCORES),
    }),
    cveAssignments: t.field({
      type: [CveAssignment],
      resolve: manyOf(CASE_CVE_ASSIGNMENTS),
    }),
    certNotifications: t.field({
      type: [CertNotification],
      resolve: manyOf(CASE_CERT_NOTIFICATIONS),
    }),
    messages: t.field({
      type: [ReporterMessage],
      authScopes: (_c, _a, ctx) => mayReadReporterMessages(ctx.viewer),
      description: 'Every message with the reporters of this case, oldest first.',
      resolve: manyOf(CASE_MESSAGES),
    }),
    timeline: t.field({
      type: [TimelineEvent],
      description: 'Everything that happened to the case, oldest first.',
      resolve: manyOf(CASE_TIMELINE),
    }),
  }),
});

const CaseMember = builder.prismaNode('CaseMember', {
  description: 'A member of a case team.',
  // A compound key: the node id carries "<caseId>:<userId>".
  id: { resolve: (m) => `${m.caseId}:${m.userId}` },
  nullable: true,
  findUnique: (id) => {
    const [caseId = NIL_UUID, userId = NIL_UUID] = id.split(':');
    return { caseId_userId: { caseId, userId } };
  },
  fields: (t) => ({
    user: t.field({
      type: User,
      resolve: (m, _a, ctx, info) => joined(m, 'user') ?? oneOrThrow(ctx, info, USER, m.userId),
    }),
    role: t.expose('role', { type: CaseMemberRoleEnum }),
    addedAt: t.expose('addedAt', { type: 'DateTime' }),
    addedBy: t.field({ type: User, nullable: true, resolve: (m, _a, ctx, info) => one(ctx, info, USER, m.addedById) }),
  }),
});

const ProductImpact = builder.prismaNode('ProductImpact', {
  id: { field: 'id' },
  nullable: true,
  findUnique: (id) => ({ id }),
  description: 'How one product is affected by a case (VEX-style).',
  fields: (t) => ({
    product: t.field({
      type: Product,
      resolve: (i, _a, ctx, info) => joined(i, 'product') ?? oneOrThrow(ctx, info, PRODUCT, i.productId),
    }),
    status: t.expose('status', { type: ImpactStatusEnum }),
    justification: t.expose('justification', { type: VexJustificationEnum, nullable: true }),
    justificationText: t.exposeString('justificationText', { nullable: true }),
    affectedVersions: t.exposeString('affectedVersions', { nullable: true, description: 'e.g. ">=4.1.0 <4.2.1"' }),
    fixedVersion: t.exposeString('fixedVersion', { nullable: true }),
    fixEta: t.expose('fixEta', { type: 'DateTime', nullable: true, description: 'When the fix is expected to ship.' }),
    avss: t.field({
      type: Score,
      nullable: true,
      description: "The product's current AVSS (the latest recorded); null until assessed.",
      resolve: async (i, _a, ctx) =>
        (await ctx.loaders.caseAvss.load(i.caseId)).find((sc) => sc.productId === i.productId) ?? null,
    }),
    scores: t.field({
      type: [Score],
      description: 'Every AVSS recorded for this product on this case, newest first: who, when, why.',
      resolve: async (i, _a, ctx) =>
        (await ctx.loaders.caseAvss.load(i.caseId)).filter((sc) => sc.productId === i.productId),
    }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    updatedBy: t.field({
      type: User,
      nullable: true,
      resolve: (i, _a, ctx, info) => one(ctx, info, USER, i.updatedById),
    }),
  }),
});

const Mitigation = builder.prismaNode('Mitigation', {
  id: { field: 'id' },
  nullable: true,
  findUnique: (id) => ({ id }),
  description: 'A mitigation (configuration, restriction, workaround) or the final fix.',
  fields: (t) => ({
    kind: t.expose('kind', { type: MitigationKindEnum }),
    description: t.exposeString('description'),
    product: t.field({
      type: Product,
      nullable: true,
      description: 'Null: applies to the whole case.',
      resolve: (m, _a, ctx, info) => one(ctx, info, PRODUCT, m.productId),
    }),
    fixVersion: t.exposeString('fixVersion', { nullable: true }),
    availableAt: t.expose('availableAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    createdBy: t.field({
      type: User,
      nullable: true,
      resolve: (m, _a, ctx, info) => one(ctx, info, USER, m.createdById),
    }),
  }),
});

const decimal = (d: { toString(): string } | null) => (d === null ? null : Number(d.toString()));

const Score = builder.prismaNode('Score', {
  id: { field: 'id' },
  nullable: true,
  findUnique: (id) => ({ id }),
  description:
    "One CVSS assessment as recorded at one time (never changed): the vendor base score, an AVSS for one product, or the reporter's or a third party's score kept beside them.",
  fields: (t) => ({
    kind: t.expose('kind', { type: ScoreKindEnum }),
    version: t.expose('version', { type: CvssVersionEnum }),
    vector: t.exposeString('vector', { description: 'Canonical form.' }),
    baseScore: t.float({ resolve: (s) => Number(s.baseScore) }),
    temporalScore: t.float({ nullable: true, resolve: (s) => decimal(s.temporalScore) }),
    environmentalScore: t.float({ nullable: true, resolve: (s) => decimal(s.environmentalScore) }),
    score: t.float({ description: 'The most specific of the scores.', resolve: (s) => Number(s.score) }),
    severity: t.expose('severity', { type: SeverityEnum }),
    assessment: t.field({
      type: CvssAssessment,
      nullable: true,
      description: 'The vector re-read by the calculator: metrics with their names, sub-scores, v4.0 nomenclature.',
      resolve: (s) => {
        try {
          return scoreCvss(s.vector);
        } catch {
          return null; // recorded before vectors were checked
        }
      },
    }),
    rationale: t.exposeString('rationale', { nullable: true, description: 'Why (required for an AVSS).' }),
    source: t.exposeString('source', { nullable: true, description: 'For a third-party score: who published it.' }),
    product: t.field({
      type: Product,
      nullable: true,
      description: 'For an AVSS: the product it is for.',
      resolve: (s, _a, ctx, info) => joined(s, 'product') ?? one(ctx, info, PRODUCT, s.productId),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    createdBy: t.field({
      type: User,
      nullable: true,
      description: "Null for the reporter's own score.",
      resolve: (s, _a, ctx, info) => one(ctx, info, USER, s.createdById),
    }),
  }),
});

const CveAssignment = builder.prismaNode('CveAssignment', {
  id: { field: 'id' },
  nullable: true,
  findUnique: (id) => ({ id }),
  description: 'A CVE id for the case: requested, reserved, published (or rejected).',
  fields: (t) => ({
    cveId: t.exposeString('cveId', { nullable: true, description: 'Null while only requested.' }),
    state: t.expose('state', { type: CveStateEnum }),
    assigner: t.exposeString('assigner', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const CertNotification = builder.prismaNode('CertNotification', {
  id: { field: 'id' },
  nullable: true,
  findUnique: (id) => ({ id }),
  description: 'A CERT organisation notified about the case.',
  fields: (t) => ({
    organization: t.exposeString('organization'),
    notifiedAt: t.expose('notifiedAt', { type: 'DateTime' }),
    reference: t.exposeString('reference', { nullable: true }),
  }),
});

export const TimelineEvent = builder.prismaNode('TimelineEvent', {
  id: { field: 'id' },
  nullable: true,
  findUnique: (id) => ({ id }),
  description: 'Something that happened to a report or case: what (type, data), who (actor) and when (at).',
  fields: (t) => ({
    type: t.field({ type: TimelineEventTypeEnum, resolve: (e) => timelineEnumValue(e.type) as never }),
    at: t.expose('createdAt', { type: 'DateTime' }),
    actor: t.field({
      type: User,
      nullable: true,
      description: 'Null for the reporter or the system.',
      resolve: (e, _a, ctx, info) => one(ctx, info, USER, e.actorId),
    }),
    data: t.expose('data', { type: 'JSON', description: 'What changed (type-specific).' }),
  }),
});

export const TimelineEventTypeEnum = builder.enumType('TimelineEventType', {
  values: Object.fromEntries(
    Object.entries(TIMELINE_EVENT_TYPES).map(([type, description]) => [timelineEnumValue(type), { description }]),
  ),
});

builder.prismaObjectFields(VulnerabilityReport, (t) => ({
  case: t.field({
    type: AnalysisCase,
    ...internal,
    nullable: true,
    description: 'The case (VAR) it was accepted into.',
    resolve: (r, _a, ctx, info) => one(ctx, info, CASE, r.caseId),
  }),
}));

// ── Lists ────────────────────────────────────────────────────────────────
