// The case queries: `cases` (filtered, ordered, paged) and `case`, and the
// workflow they describe.
import { formatPrismaCursor, parsePrismaCursor } from '@pothos/plugin-prisma';
import { resolveCursorConnection } from '@pothos/plugin-relay';
import type { AnalysisCase as CaseRow } from '@psirt/db';
import { CASE_STATE_DESCRIPTIONS, CASE_STATES, CASE_TRANSITIONS, DomainError, isUuid } from '@psirt/schema';
import { builder } from '../builder.ts';
import { caseByPublicId, caseCount, casePage } from '../read/cases.ts';
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

export type CaseFilterInput = typeof CaseFilter.$inferInput;

/** A cursor this list gave out: the case's id (the format Pothos's Prisma connections use). */
function cursorId(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  let id: unknown;
  try {
    id = parsePrismaCursor(cursor);
  } catch {}
  if (typeof id !== 'string' || !isUuid(id)) {
    throw new DomainError('VALIDATION', "'after'/'before' is not a cursor this list gave out.");
  }
  return id;
}

type CasePage = {
  edges: { cursor: string; node: CaseRow }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string; endCursor: string };
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
  cases: t.connection(
    {
      type: AnalysisCase,
      description: 'Cases the viewer may see (PSIRT: all; others: those they are a member of), filtered and sorted.',
      authScopes: { staff: true },
      args: {
        filter: t.arg({ type: CaseFilter, required: false }),
        orderBy: t.arg({ type: CaseOrder, required: false, defaultValue: 'CREATED_DESC' }),
      },
      // Typed SQL (read/cases.ts): the viewer's need-to-know is in the statement, for the page and its count.
      resolve: async (_root, args, ctx, info) => {
        if (args.before != null && args.after != null) {
          throw new DomainError('VALIDATION', "'before' and 'after' cannot be used together.");
        }
        const connection = await resolveCursorConnection(
          { args, toCursor: (c) => formatPrismaCursor(c as CaseRow, 'id') },
          ({ after, before, limit, inverted }) =>
            casePage(ctx, info, {
              filter: args.filter,
              orderBy: args.orderBy,
              after: cursorId(after),
              before: cursorId(before),
              limit,
              inverted,
            }) as Promise<CaseRow[]>,
        );
        return { ...(connection as unknown as CasePage), count: () => caseCount(ctx, args.filter) };
      },
    },
    {
      fields: (c) => ({
        totalCount: c.int({ resolve: (connection) => connection.count() }),
      }),
    },
  ),
  case: t.field({
    type: AnalysisCase,
    nullable: true,
    description: 'One case by its public id (VAR-…); null if it does not exist or you may not see it.',
    authScopes: { staff: true },
    args: { publicId: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx, info) => caseByPublicId(ctx, info, args.publicId) as Promise<CaseRow | null>,
  }),
}));
