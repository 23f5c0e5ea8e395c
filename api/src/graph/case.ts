import type { Prisma } from '@psirt/db';
import {
  CASE_STATE_DESCRIPTIONS,
  CASE_STATES,
  CASE_TRANSITIONS,
  type CaseState,
  isUuid,
  NIL_UUID,
  nextUpdateDue,
  overdueCutoff,
  scoreCvss,
  severitiesAtLeast,
  TIMELINE_EVENT_TYPES,
  timelineEnumValue,
  transitionsFrom,
  updateOverdue,
} from '@psirt/schema';
import { caseVisibility, isPsirt, mayReadCase, mayReadReporterMessages, workflowRoles } from '../access.ts';
import { builder } from '../builder.ts';
import type { Context } from '../context.ts';
import { decodeId } from '../refs.ts';
import {
  addCaseMember,
  addCaseNote,
  addMitigation,
  messageCaseReporters,
  recordCertNotification,
  recordCve,
  removeCaseMember,
  setProductImpact,
  transitionCase,
  updateCase,
} from '../services/cases.ts';
import { recordScore } from '../services/scores.ts';
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
registerNodeGuard(
  'TimelineEvent',
  partOfCase(async (ctx, id) => {
    const e = await ctx.db.timelineEvent.findUnique({
      where: { id },
      select: { caseId: true, report: { select: { caseId: true } } },
    });
    return e ? { caseId: e.caseId ?? e.report?.caseId ?? null } : null;
  }),
);

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
const VarWorkflow = builder.simpleObject('VarWorkflow', {
  description: 'The analysis-case workflow, so clients never hard-code it.',
  fields: (t) => ({
    initial: t.field({ type: CaseStateEnum }),
    states: t.field({ type: [WorkflowState] }),
    transitions: t.field({ type: [WorkflowTransition] }),
  }),
});

const asTransition = (x: (typeof CASE_TRANSITIONS)[number]) => ({
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
  // Select mode: only the columns a query asks for are read (summaries and
  // plans can be long), plus what the workflow and SLA fields compute from.
  select: { id: true, state: true, createdAt: true, lastReporterUpdateAt: true },
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
      select: { severityScore: true },
      resolve: (c) => (c.severityScore === null ? null : Number(c.severityScore)),
    }),
    lastReporterUpdateAt: t.expose('lastReporterUpdateAt', { type: 'DateTime', nullable: true }),
    nextUpdateDue: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the reporters are next owed an update (SLA); null once closed.',
      resolve: async (c, _a, ctx) => nextUpdateDue(await ctx.sla(), c),
    }),
    updateOverdue: t.boolean({
      description: 'The reporters are owed an update now.',
      resolve: async (c, _a, ctx) => updateOverdue(await ctx.sla(), c, ctx.now()),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    closedAt: t.expose('closedAt', { type: 'DateTime', nullable: true }),
    createdBy: t.relation('createdBy', { nullable: true }),
    reports: t.relation('reports', {
      query: { orderBy: { receivedAt: 'asc' } },
      description: 'The VSRs behind this case.',
    }),
    members: t.relation('members', {
      description: 'The Vulnerability Analysis Team and need-to-know members.',
      query: { orderBy: [{ addedAt: 'asc' }, { userId: 'asc' }] },
    }),
    impacts: t.relation('impacts', { query: { orderBy: { createdAt: 'asc' } }, description: 'Per-product impact.' }),
    mitigations: t.relation('mitigations', { query: { orderBy: { createdAt: 'asc' } } }),
    scores: t.relation('scores', {
      description: 'Every score recorded on the case, newest first (the history is the list).',
      query: { orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] },
    }),
    cveAssignments: t.relation('cveAssignments', { query: { orderBy: { createdAt: 'asc' } } }),
    certNotifications: t.relation('certNotifications', { query: { orderBy: { notifiedAt: 'asc' } } }),
    messages: t.relation('messages', {
      authScopes: (_c, _a, ctx) => mayReadReporterMessages(ctx.viewer),
      description: 'Every message with the reporters of this case, oldest first.',
      query: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] },
    }),
    timeline: t.relation('events', {
      description: 'Everything that happened to the case, oldest first.',
      query: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] },
    }),
  }),
});

builder.prismaNode('CaseMember', {
  description: 'A member of a case team.',
  // A compound key: the node id carries "<caseId>:<userId>".
  id: { resolve: (m) => `${m.caseId}:${m.userId}` },
  nullable: true,
  findUnique: (id) => {
    const [caseId = NIL_UUID, userId = NIL_UUID] = id.split(':');
    return { caseId_userId: { caseId, userId } };
  },
  fields: (t) => ({
    user: t.relation('user'),
    role: t.expose('role', { type: CaseMemberRoleEnum }),
    addedAt: t.expose('addedAt', { type: 'DateTime' }),
    addedBy: t.relation('addedBy', { nullable: true }),
  }),
});

builder.prismaNode('ProductImpact', {
  id: { field: 'id' },
  nullable: true,
  findUnique: (id) => ({ id }),
  description: 'How one product is affected by a case (VEX-style).',
  fields: (t) => ({
    product: t.relation('product'),
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
    updatedBy: t.relation('updatedBy', { nullable: true }),
  }),
});

builder.prismaNode('Mitigation', {
  id: { field: 'id' },
  nullable: true,
  findUnique: (id) => ({ id }),
  description: 'A mitigation (configuration, restriction, workaround) or the final fix.',
  fields: (t) => ({
    kind: t.expose('kind', { type: MitigationKindEnum }),
    description: t.exposeString('description'),
    product: t.relation('product', { nullable: true, description: 'Null: applies to the whole case.' }),
    fixVersion: t.exposeString('fixVersion', { nullable: true }),
    availableAt: t.expose('availableAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    createdBy: t.relation('createdBy', { nullable: true }),
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
    product: t.relation('product', { nullable: true, description: 'For an AVSS: the product it is for.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    createdBy: t.relation('createdBy', { nullable: true, description: "Null for the reporter's own score." }),
  }),
});

builder.prismaNode('CveAssignment', {
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

builder.prismaNode('CertNotification', {
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
    actor: t.relation('actor', { nullable: true, description: 'Null for the reporter or the system.' }),
    data: t.expose('data', { type: 'JSON', description: 'What changed (type-specific).' }),
  }),
});

export const TimelineEventTypeEnum = builder.enumType('TimelineEventType', {
  values: Object.fromEntries(
    Object.entries(TIMELINE_EVENT_TYPES).map(([type, description]) => [timelineEnumValue(type), { description }]),
  ),
});

// ── Lists ────────────────────────────────────────────────────────────────

export const CaseFilter = builder.inputType('CaseFilter', {
  fields: (t) => ({
    states: t.field({ type: [CaseStateEnum], required: false }),
    minSeverity: t.field({
      type: SeverityEnum,
      required: false,
      description:
        'Cases whose severity (see AnalysisCase.severity) is at or above this one; unscored cases never match.',
    }),
    products: t.stringList({ required: false, description: 'Product keys: cases with an impact on any of them.' }),
    productLine: t.string({ required: false, description: 'A product line key.' }),
    assignee: t.id({ required: false, description: 'A user (node id): cases they are a member of.' }),
    overdue: t.boolean({
      required: false,
      description: 'Only cases whose reporters are owed an update (true) or not (false).',
    }),
    embargoBefore: t.field({
      type: 'DateTime',
      required: false,
      description: 'Cases whose embargo ends before this instant.',
    }),
    search: t.string({ required: false, description: 'Text in the title, summary or VAR id (case-insensitive).' }),
  }),
});

const CaseOrder = builder.enumType('CaseOrder', {
  values: ['CREATED_DESC', 'CREATED_ASC', 'UPDATED_DESC', 'EMBARGO_ASC', 'SEVERITY_DESC'] as const,
});

async function caseWhere(ctx: Context, filter: CaseFilterInput | null | undefined) {
  return { AND: [caseVisibility(ctx.viewer), ...(await caseFilterConditions(ctx, filter))] };
}

export type CaseFilterInput = typeof CaseFilter.$inferInput;

/** The conditions of a case filter (without the viewer's visibility, which callers add). */
export async function caseFilterConditions(
  ctx: Context,
  filter: CaseFilterInput | null | undefined,
): Promise<Prisma.AnalysisCaseWhereInput[]> {
  const and: Prisma.AnalysisCaseWhereInput[] = [];
  const f = filter ?? {};
  if (f.states?.length) and.push({ state: { in: f.states } });
  if (f.minSeverity) and.push({ severity: { in: severitiesAtLeast(f.minSeverity) } });
  if (f.products?.length) and.push({ impacts: { some: { product: { key: { in: f.products } } } } });
  if (f.productLine) and.push({ impacts: { some: { product: { productLine: { key: f.productLine } } } } });
  if (f.assignee) and.push({ members: { some: { userId: decodeId(f.assignee, 'User') ?? NIL_UUID } } });
  if (f.embargoBefore) and.push({ embargoUntil: { lt: f.embargoBefore } });
  if (f.search?.trim()) {
    const q = f.search.trim();
    and.push({
      OR: [
        { title: { contains: q, mode: 'insensitive' } },
        { summary: { contains: q, mode: 'insensitive' } },
        { publicId: { contains: q, mode: 'insensitive' } },
      ],
    });
  }
  if (f.overdue != null) {
    const cutoff = overdueCutoff(await ctx.sla(), ctx.now());
    const overdue: Prisma.AnalysisCaseWhereInput = {
      state: { not: 'CLOSED' },
      OR: [{ lastReporterUpdateAt: { lt: cutoff } }, { lastReporterUpdateAt: null, createdAt: { lt: cutoff } }],
    };
    and.push(f.overdue ? overdue : { NOT: overdue });
  }
  return and;
}

const ORDER: Record<string, Prisma.AnalysisCaseOrderByWithRelationInput[]> = {
  CREATED_DESC: [{ createdAt: 'desc' }, { id: 'desc' }],
  CREATED_ASC: [{ createdAt: 'asc' }, { id: 'asc' }],
  UPDATED_DESC: [{ updatedAt: 'desc' }, { id: 'desc' }],
  EMBARGO_ASC: [{ embargoUntil: { sort: 'asc', nulls: 'last' } }, { id: 'asc' }],
  // Highest score first; unscored cases last.
  SEVERITY_DESC: [{ severityScore: { sort: 'desc', nulls: 'last' } }, { id: 'desc' }],
};

builder.queryFields((t) => ({
  varWorkflow: t.field({
    type: VarWorkflow,
    description: 'The case workflow: states, transitions and who may take them.',
    resolve: () => ({
      initial: 'ANALYSIS' as const,
      states: CASE_STATES.map((s) => ({ state: s, description: CASE_STATE_DESCRIPTIONS[s] })),
      transitions: CASE_TRANSITIONS.map(asTransition),
    }),
  }),
  cases: t.prismaConnection({
    type: AnalysisCase,
    cursor: 'id',
    description: 'Cases the viewer may see (PSIRT: all; others: those they are a member of), filtered and sorted.',
    authScopes: { staff: true },
    args: {
      filter: t.arg({ type: CaseFilter, required: false }),
      orderBy: t.arg({ type: CaseOrder, required: false, defaultValue: 'CREATED_DESC' }),
    },
    totalCount: async (_c, args, ctx) => ctx.db.analysisCase.count({ where: await caseWhere(ctx, args.filter) }),
    resolve: async (query, _root, args, ctx) =>
      ctx.db.analysisCase.findMany({
        ...query,
        where: await caseWhere(ctx, args.filter),
        orderBy: ORDER[args.orderBy ?? 'CREATED_DESC'],
      }),
  }),
  case: t.prismaField({
    type: AnalysisCase,
    nullable: true,
    description: 'One case by its public id (VAR-…); null if it does not exist or you may not see it.',
    authScopes: { staff: true },
    args: { publicId: t.arg.string({ required: true }) },
    resolve: (query, _root, args, ctx) =>
      ctx.db.analysisCase.findFirst({
        ...query,
        where: { AND: [{ publicId: args.publicId.toUpperCase() }, caseVisibility(ctx.viewer)] },
      }),
  }),
}));

// ── Mutations ────────────────────────────────────────────────────────────

/** Every case mutation answers with the case as it now is. */
function caseMutation<A extends Record<string, unknown>>(run: (ctx: Context, args: A) => Promise<{ id: string }>) {
  return async (query: object, _root: unknown, args: A, ctx: Context) => {
    const { id } = await run(ctx, args);
    return ctx.db.analysisCase.findUniqueOrThrow({ ...query, where: { id } });
  };
}

const FlagInput = builder.inputType('CaseFlagInput', {
  fields: (t) => ({
    value: t.boolean({ required: true }),
    at: t.field({
      type: 'DateTime',
      required: false,
      description: 'When it was observed/became public (default now).',
    }),
    source: t.string({ required: false, description: 'Where the information comes from.' }),
  }),
});

const UpdateCaseInput = builder.inputType('UpdateCaseInput', {
  fields: (t) => ({
    caseId: t.string({ required: true, description: 'VAR-… or node id.' }),
    title: t.string({ required: false }),
    summary: t.string({ required: false }),
    cweIds: t.stringList({ required: false }),
    embargoUntil: t.field({ type: 'DateTime', required: false, description: 'Planned disclosure date.' }),
    embargoTimeZone: t.string({ required: false, description: 'IANA zone the date was agreed in.' }),
    notificationPlan: t.string({ required: false }),
    exploitationObserved: t.field({ type: FlagInput, required: false }),
    publiclyKnown: t.field({ type: FlagInput, required: false }),
  }),
});

const ImpactInput = builder.inputType('ProductImpactInput', {
  fields: (t) => ({
    caseId: t.string({ required: true }),
    product: t.string({ required: true, description: 'Product key or node id.' }),
    status: t.field({ type: ImpactStatusEnum, required: true }),
    justification: t.field({ type: VexJustificationEnum, required: false, description: 'Required for NOT_AFFECTED.' }),
    justificationText: t.string({ required: false }),
    affectedVersions: t.string({ required: false }),
    fixedVersion: t.string({ required: false, description: 'Required for FIXED.' }),
    fixEta: t.field({ type: 'DateTime', required: false, description: 'Resolution delivery timeframe.' }),
  }),
});

const MitigationInput = builder.inputType('MitigationInput', {
  fields: (t) => ({
    caseId: t.string({ required: true }),
    product: t.string({ required: false, description: 'Product key or node id; omit for the whole case.' }),
    kind: t.field({ type: MitigationKindEnum, required: true }),
    description: t.string({ required: true }),
    fixVersion: t.string({ required: false, description: 'For FIX only.' }),
    availableAt: t.field({ type: 'DateTime', required: false }),
  }),
});

const RecordScoreInput = builder.inputType('RecordScoreInput', {
  fields: (t) => ({
    caseId: t.string({ required: true, description: 'VAR-… or node id.' }),
    kind: t.field({
      type: ScoreKindEnum,
      required: true,
      description:
        "AVSS: for one product (PSIRT, or its product line's Prime/Specialist on the case); VENDOR_BASE: the case (PSIRT or case Prime); REPORTER, THIRD_PARTY: PSIRT.",
    }),
    vector: t.string({ required: true, description: 'CVSS:3.1/… or CVSS:4.0/… (v2 only for THIRD_PARTY).' }),
    product: t.string({
      required: false,
      description: 'Product key or node id; required for an AVSS, refused otherwise.',
    }),
    rationale: t.string({ required: false, description: 'Why; required for an AVSS (at least 10 characters).' }),
    source: t.string({
      required: false,
      description: 'Who published it; required for THIRD_PARTY (e.g. nvd@nist.gov).',
    }),
  }),
});

const ReporterMessageKindEnum = builder.enumType('OutboundMessageKind', {
  values: ['STATUS_UPDATE', 'REQUEST_FOR_INFORMATION', 'OTHER'] as const,
});

builder.mutationFields((t) => ({
  transitionCase: t.prismaField({
    type: AnalysisCase,
    description:
      'Move a case to another state (see varWorkflow). Closing needs a conclusion, which is sent to the reporters.',
    args: {
      caseId: t.arg.string({ required: true }),
      to: t.arg({ type: CaseStateEnum, required: true }),
      conclusion: t.arg.string({ required: false }),
      comment: t.arg.string({ required: false }),
    },
    resolve: caseMutation(transitionCase),
  }),
  updateCase: t.prismaField({
    type: AnalysisCase,
    description:
      'Change case details and coordination facts (embargo, exploitation, public knowledge, notification plan). PSIRT or the case Prime.',
    args: { input: t.arg({ type: UpdateCaseInput, required: true }) },
    resolve: caseMutation((ctx, a: { input: Record<string, unknown> }) => updateCase(ctx, a.input as never)),
  }),
  addCaseMember: t.prismaField({
    type: AnalysisCase,
    description: 'Put a user on the case team (or change their role). PSIRT or the case Prime.',
    args: {
      caseId: t.arg.string({ required: true }),
      userId: t.arg.id({ required: true }),
      role: t.arg({ type: CaseMemberRoleEnum, required: false }),
    },
    resolve: caseMutation((ctx, a: { caseId: string; userId: string | number; role?: string | null }) =>
      addCaseMember(ctx, { caseId: a.caseId, userId: String(a.userId), role: (a.role ?? undefined) as never }),
    ),
  }),
  removeCaseMember: t.prismaField({
    type: AnalysisCase,
    description: 'Take a user off the case: they lose sight of it at once. PSIRT or the case Prime.',
    args: { caseId: t.arg.string({ required: true }), userId: t.arg.id({ required: true }) },
    resolve: caseMutation((ctx, a: { caseId: string; userId: string | number }) =>
      removeCaseMember(ctx, { caseId: a.caseId, userId: String(a.userId) }),
    ),
  }),
  setProductImpact: t.prismaField({
    type: AnalysisCase,
    description: "Record one product's impact. The PSIRT, or the product line's Prime/Specialist on the case.",
    args: { input: t.arg({ type: ImpactInput, required: true }) },
    resolve: caseMutation((ctx, a: { input: Record<string, unknown> }) => setProductImpact(ctx, a.input as never)),
  }),
  addMitigation: t.prismaField({
    type: AnalysisCase,
    description: 'Record a mitigation or the fix for a product (or the whole case).',
    args: { input: t.arg({ type: MitigationInput, required: true }) },
    resolve: caseMutation((ctx, a: { input: Record<string, unknown> }) => addMitigation(ctx, a.input as never)),
  }),
  recordCve: t.prismaField({
    type: AnalysisCase,
    description: 'Record a CVE request, a reserved CVE id, or its publication. PSIRT only.',
    args: {
      caseId: t.arg.string({ required: true }),
      cveId: t.arg.string({ required: false }),
      state: t.arg({ type: CveStateEnum, required: false }),
      assigner: t.arg.string({ required: false, description: 'MITRE, a CNA…' }),
    },
    resolve: caseMutation((ctx, a: Record<string, unknown>) =>
      recordCve(ctx, { ...a, state: a.state ?? undefined } as never),
    ),
  }),
  recordCertNotification: t.prismaField({
    type: AnalysisCase,
    description: 'Record that a CERT was notified. PSIRT only.',
    args: {
      caseId: t.arg.string({ required: true }),
      organization: t.arg.string({ required: true }),
      notifiedAt: t.arg({ type: 'DateTime', required: false }),
      reference: t.arg.string({ required: false }),
    },
    resolve: caseMutation((ctx, a: Record<string, unknown>) => recordCertNotification(ctx, a as never)),
  }),
  messageReporters: t.prismaField({
    type: AnalysisCase,
    description: "Send the case's reporters a message (default: a status update to every report's thread). PSIRT only.",
    args: {
      caseId: t.arg.string({ required: true }),
      body: t.arg.string({ required: true }),
      subject: t.arg.string({ required: false }),
      kind: t.arg({ type: ReporterMessageKindEnum, required: false }),
      reportId: t.arg.string({ required: false, description: "One report's thread only (VSR-…)." }),
    },
    resolve: caseMutation((ctx, a: Record<string, unknown>) =>
      messageCaseReporters(ctx, { ...a, kind: a.kind ?? undefined } as never),
    ),
  }),
  recordScore: t.prismaField({
    type: AnalysisCase,
    description:
      "Record a CVSS score on a case: the AVSS of one product, the vendor base score, or the reporter's or a third party's score. Each is kept as history; the case severity is recomputed. Recording the current vector and rationale again changes nothing.",
    args: { input: t.arg({ type: RecordScoreInput, required: true }) },
    resolve: caseMutation((ctx, a: { input: Record<string, unknown> }) => recordScore(ctx, a.input as never)),
  }),
  addCaseNote: t.prismaField({
    type: AnalysisCase,
    description: "A note on the case's timeline (team only).",
    args: { caseId: t.arg.string({ required: true }), text: t.arg.string({ required: true }) },
    resolve: caseMutation(addCaseNote),
  }),
}));
