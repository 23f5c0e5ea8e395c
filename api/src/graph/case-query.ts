// The case queries: `cases` (filtered, ordered, paged) and `case`, and the
// workflow they describe.
import type { Prisma } from '@psirt/db';
import {
  CASE_STATE_DESCRIPTIONS,
  CASE_STATES,
  CASE_TRANSITIONS,
  NIL_UUID,
  overdueCutoff,
  severitiesAtLeast,
} from '@psirt/schema';
import { caseVisibility } from '../access.ts';
import { builder } from '../builder.ts';
import type { Context } from '../context.ts';
import { decodeId } from '../refs.ts';
import { AnalysisCase, asTransition, VarWorkflow } from './case.ts';
import { CaseStateEnum, SeverityEnum } from './enums.ts';

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
