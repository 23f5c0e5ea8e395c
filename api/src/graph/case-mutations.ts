// The case mutations: each checks its rights in the service it calls and answers
// with the case as it now is.
import { builder } from '../builder.ts';
import type { Context } from '../context.ts';
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
import { AnalysisCase } from './case.ts';
import {
  CaseMemberRoleEnum,
  CaseStateEnum,
  CveStateEnum,
  ImpactStatusEnum,
  MitigationKindEnum,
  ScoreKindEnum,
  VexJustificationEnum,
} from './enums.ts';

/** Every case mutation answers with the case as it now is. */
export function caseMutation<A extends Record<string, unknown>>(
  run: (ctx: Context, args: A) => Promise<{ id: string }>,
) {
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
