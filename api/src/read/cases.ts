// The case list in SQL: the viewer's need-to-know and the filter as one
// predicate, shared by the page and its totalCount, the order as the indexes
// give it (tests/db/case-plans.test.ts), and keyset pages after or before a
// cursor.
import type { DB } from '@psirt/db';
import { NIL_UUID, overdueCutoff, severitiesAtLeast } from '@psirt/schema';
import type { GraphQLResolveInfo } from 'graphql';
import { type Expression, type ExpressionBuilder, type SelectQueryBuilder, type SqlBool, sql } from 'kysely';
import { caseVisibilitySql } from '../access.ts';
import type { Context } from '../context.ts';
import { decodeId } from '../refs.ts';
import { CASE } from './catalogue.ts';

export type CaseDB = DB & { c: DB['analysisCase'] };
export type CaseEb = ExpressionBuilder<CaseDB, 'c'>;
const SLA_FIELDS = ['nextUpdateDue', 'updateOverdue'];
type CaseSelect = SelectQueryBuilder<CaseDB, 'c', Record<string, unknown>>;

export interface CaseFilterArgs {
  states?: readonly string[] | null;
  minSeverity?: string | null;
  products?: readonly string[] | null;
  productLine?: string | null;
  assignee?: string | null;
  overdue?: boolean | null;
  embargoBefore?: Date | null;
  search?: string | null;
}

/** `%`, `_` and `\` match themselves in a search: ILIKE's escape character is `\`. */
const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The filter's conditions on `c`, without the viewer's visibility (see caseCondition). */
export async function caseFilterSql(ctx: Context, filter: CaseFilterArgs | null | undefined) {
  const f = filter ?? {};
  const cutoff = f.overdue != null ? overdueCutoff(await ctx.sla(), ctx.now()) : null;
  return (eb: CaseEb): Expression<SqlBool>[] => {
    const and: Expression<SqlBool>[] = [];
    if (f.states?.length) and.push(eb('c.state', 'in', f.states as never));
    if (f.minSeverity) and.push(eb('c.severity', 'in', severitiesAtLeast(f.minSeverity as never)));
    if (f.products?.length) {
      and.push(
        eb.exists(
          eb
            .selectFrom('productImpact as fi')
            .innerJoin('product as fp', 'fp.id', 'fi.productId')
            .select(sql.lit(1).as('one'))
            .whereRef('fi.caseId', '=', 'c.id')
            .where('fp.key', 'in', [...f.products]),
        ),
      );
    }
    if (f.productLine) {
      and.push(
        eb.exists(
          eb
            .selectFrom('productImpact as li')
            .innerJoin('product as lp', 'lp.id', 'li.productId')
            .innerJoin('productLine as ll', 'll.id', 'lp.productLineId')
            .select(sql.lit(1).as('one'))
            .whereRef('li.caseId', '=', 'c.id')
            .where('ll.key', '=', f.productLine),
        ),
      );
    }
    if (f.assignee) {
      and.push(
        eb.exists(
          eb
            .selectFrom('caseMember as am')
            .select(sql.lit(1).as('one'))
            .whereRef('am.caseId', '=', 'c.id')
            .where('am.userId', '=', decodeId(f.assignee, 'User') ?? NIL_UUID),
        ),
      );
    }
    if (f.embargoBefore) and.push(eb('c.embargoUntil', '<', f.embargoBefore));
    const q = f.search?.trim();
    if (q) {
      const like = `%${likeEscape(q)}%`;
      and.push(eb.or([eb('c.title', 'ilike', like), eb('c.summary', 'ilike', like), eb('c.publicId', 'ilike', like)]));
    }
    if (cutoff) {
      // Owed an update: not closed, and nothing sent to the reporters since the cutoff (or ever, for a case
      // opened before it). COALESCE keeps the negation exact: no NULL drops a row from "not overdue".
      const overdue = eb.and([
        eb('c.state', '<>', 'CLOSED'),
        eb(eb.fn.coalesce('c.lastReporterUpdateAt', 'c.createdAt'), '<', cutoff),
      ]);
      and.push(f.overdue ? overdue : eb.not(overdue));
    }
    return and;
  };
}

/** Whether the filter says anything (an empty one matches every case). */
export function filters(filter: CaseFilterArgs | null | undefined): boolean {
  const f = filter ?? {};
  return Boolean(
    f.states?.length ||
      f.minSeverity ||
      f.products?.length ||
      f.productLine ||
      f.assignee ||
      f.overdue != null ||
      f.embargoBefore ||
      f.search?.trim(),
  );
}

/** Does one case match the filter (whoever asks: visibility is the caller's)? Live subscriptions ask. */
export async function caseMatches(ctx: Context, caseId: string, filter: CaseFilterArgs): Promise<boolean> {
  const conditions = await caseFilterSql(ctx, filter);
  const row = await ctx.sql
    .selectFrom('analysisCase as c')
    .select('c.id')
    .where((eb: CaseEb) => eb.and([eb('c.id', '=', caseId), ...conditions(eb)]))
    .executeTakeFirst();
  return row !== undefined;
}

/** The viewer's cases matching the filter: the one predicate the page and its count share. */
export async function caseCondition(ctx: Context, filter: CaseFilterArgs | null | undefined) {
  const conditions = await caseFilterSql(ctx, filter);
  const visible = caseVisibilitySql(ctx.viewer);
  return (eb: CaseEb) => eb.and([visible(eb), ...conditions(eb)]);
}

type Key = { column: 'createdAt' | 'updatedAt' | 'embargoUntil' | 'severityScore'; desc: boolean; nullable: boolean };

/** Each order the API offers: a key, then the id, each in the direction an index reads it. */
export const CASE_ORDERS: Record<string, Key> = {
  CREATED_DESC: { column: 'createdAt', desc: true, nullable: false },
  CREATED_ASC: { column: 'createdAt', desc: false, nullable: false },
  UPDATED_DESC: { column: 'updatedAt', desc: true, nullable: false },
  // Nulls (no embargo; unscored) last.
  EMBARGO_ASC: { column: 'embargoUntil', desc: false, nullable: true },
  SEVERITY_DESC: { column: 'severityScore', desc: true, nullable: true },
};

/** The page's order, reversed when paging backwards (`last`/`before`): nulls move to the front. */
function orderBy(key: Key, inverted: boolean) {
  const desc = key.desc !== inverted;
  const dir = sql.raw(desc ? 'desc' : 'asc');
  // Nulls last in the order asked; PostgreSQL's default puts them first for DESC.
  const nulls = key.nullable ? sql.raw(inverted ? ' nulls first' : ' nulls last') : sql.raw('');
  return [sql`${sql.ref(`c.${key.column}`)} ${dir}${nulls}`, sql`c.id ${dir}`];
}

/**
 * Rows after the cursor's row in the page's order (which `inverted` reverses).
 * The cursor's values are read in the same statement. A cursor whose case is
 * gone, or one the viewer may not see, leaves an empty page: where a hidden
 * case sorts is not theirs to learn.
 */
function afterCursor(ctx: Context, eb: CaseEb, key: Key, cursorId: string, inverted: boolean): Expression<SqlBool> {
  const known = eb.exists(
    eb
      .selectFrom('analysisCase as k')
      .select(sql.lit(1).as('one'))
      .where('k.id', '=', cursorId)
      .where(caseVisibilitySql(ctx.viewer, 'k')),
  );
  return eb.and([known, following(eb, key, cursorId, inverted)]);
}

function following(eb: CaseEb, key: Key, cursorId: string, inverted: boolean): Expression<SqlBool> {
  const desc = key.desc !== inverted;
  const nullsFirst = key.nullable && inverted;
  const cmp = desc ? '<' : '>';
  const cursorValue = eb
    .selectFrom('analysisCase as k')
    .select(`k.${key.column}` as 'k.createdAt')
    .where('k.id', '=', cursorId);
  const col = eb.ref(`c.${key.column}`);
  const idAfter = eb('c.id', cmp, cursorId);
  const strictly = eb.or([eb(col, cmp, cursorValue), eb.and([eb(col, '=', cursorValue), idAfter])]);
  if (!key.nullable) return strictly;
  const cursorNull = eb(cursorValue, 'is', null);
  const rowNull = eb(col, 'is', null);
  // Where nulls sort: after every value (nulls last) or before (nulls first).
  return nullsFirst
    ? eb.or([eb.and([cursorNull, rowNull, idAfter]), eb.and([cursorNull, eb.not(rowNull)]), strictly])
    : eb.or([eb.and([cursorNull, rowNull, idAfter]), eb.and([eb.not(cursorNull), rowNull]), strictly]);
}

export interface CasePageArgs {
  filter?: CaseFilterArgs | null;
  orderBy?: string | null;
  after?: string;
  before?: string;
  limit: number;
  inverted: boolean;
}

/** One page of the viewer's cases (limit includes the one extra row that tells a next page exists). */
export async function casePage(ctx: Context, info: GraphQLResolveInfo, args: CasePageArgs) {
  const rows = ctx.loaders.rows;
  const plan = rows.plan(CASE, info, true);
  const where = await caseCondition(ctx, args.filter);
  const key = CASE_ORDERS[args.orderBy ?? 'CREATED_DESC'] ?? (CASE_ORDERS.CREATED_DESC as Key);
  const cursor = args.after ?? args.before;
  const [first, second] = orderBy(key, args.inverted);
  const q = (rows.select(plan, 'c') as unknown as CaseSelect)
    .where((eb: CaseEb) => (cursor ? eb.and([where(eb), afterCursor(ctx, eb, key, cursor, args.inverted)]) : where(eb)))
    .orderBy(first as never)
    .orderBy(second as never)
    .limit(args.limit);
  // The SLA fields of fifty cases then answer without waiting on it (settings.ts withSla).
  const [page] = await Promise.all([rows.run(plan, q), SLA_FIELDS.some((f) => plan.asked.has(f)) && ctx.sla()]);
  return page;
}

/** How many of the viewer's cases match the filter. */
export async function caseCount(ctx: Context, filter: CaseFilterArgs | null | undefined): Promise<number> {
  const where = await caseCondition(ctx, filter);
  const row = await ctx.sql
    .selectFrom('analysisCase as c')
    .select(sql<number>`count(*)::int`.as('n'))
    .where(where)
    .executeTakeFirstOrThrow();
  return row.n;
}

/** One case by its public id, if the viewer may see it. */
export async function caseByPublicId(ctx: Context, info: GraphQLResolveInfo, publicId: string) {
  const rows = ctx.loaders.rows;
  const plan = rows.plan(CASE, info);
  const visible = caseVisibilitySql(ctx.viewer);
  const q = (rows.select(plan, 'c') as unknown as CaseSelect).where((eb: CaseEb) =>
    eb.and([eb('c.publicId', '=', publicId.toUpperCase()), visible(eb)]),
  );
  return (await rows.run(plan, q))[0] ?? null;
}
