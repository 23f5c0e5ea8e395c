// The per-request row loaders of the read path: one DataLoader per relation
// (or per type, by id) and per set of columns asked, so what fifty cases ask of
// their reports is one statement. A relation's statement joins the one-row
// relations its rows are asked for (an impact's product, a member's user), and
// reads only the columns the operation asks for (catalogue.ts). Nothing here
// outlives the request: a revocation or a need-to-know change applies to the
// next one.
import type { SqlReader } from '@psirt/db';
import { isUuid } from '@psirt/schema';
import DataLoader from 'dataloader';
import type { GraphQLResolveInfo } from 'graphql';
import { type Compilable, CompiledQuery, type RawBuilder, sql } from 'kysely';
import type { Relation, SqlType } from './catalogue.ts';
import { type Asked, askedOf, askedUnder } from './selection.ts';

/** What one place of an operation reads of a type: its columns, and the joined relations with theirs. */
export interface Plan {
  type: SqlType;
  columns: readonly string[];
  joins: readonly { field: string; from: string; plan: Plan }[];
  /** Tells plans apart: loaders are per relation and plan. */
  key: string;
  /** The fields asked of the type here. */
  asked: ReadonlySet<string>;
}

/** The columns a type needs for what is asked of it. */
export function planFor(type: SqlType, asked: Asked | undefined, info?: GraphQLResolveInfo): Plan {
  const columns = new Set(type.always);
  const joins: Plan['joins'][number][] = [];
  for (const field of asked?.fields.keys() ?? []) {
    if (field === '__typename') continue;
    const needs = type.needs[field];
    const join = type.joins[field];
    if (join && info && asked) {
      const under = askedUnder(info, asked, field);
      joins.push({ field, from: join.from, plan: planFor(join.type, under, info) });
      columns.add(join.from);
    } else if (needs) {
      for (const c of needs) columns.add(c);
    } else if (type.columns.has(field)) {
      columns.add(field);
    } else {
      // Not in the catalogue (its test says so): read the whole row rather than too little.
      for (const c of type.columns) columns.add(c);
    }
  }
  const sorted = [...columns].sort();
  const key = `${sorted.join(',')}${joins.map((j) => `|${j.field}(${j.plan.key})`).join('')}`;
  return { type, columns: sorted, joins, key, asked: new Set(asked?.fields.keys() ?? []) };
}

/**
 * The column as selected, under its own (camelCase) name in the statement
 * itself, so rows come back as resolvers read them with no copy made per row.
 * Names come from the schema's datamodel (catalogue.ts), never from a request.
 * Enum lists are read as text[], so both drivers return arrays.
 */
function column(type: SqlType, table: string, name: string, as: string) {
  const ref = sql.ref(`${table}.${name}`);
  const value = type.enumLists.has(name) ? sql`${ref}::text[]` : ref;
  return sql`${value} as ${sql.raw(`"${as}"`)}`;
}

const SEP = '$';

/** The select list of a plan on `alias`, joined relations under `<field>$<column>`. */
function selections(plan: Plan, alias: string) {
  return [
    ...plan.columns.map((c) => column(plan.type, alias, c, c)),
    ...plan.joins.flatMap((j, i) => j.plan.columns.map((c) => column(j.plan.type, `j${i}`, c, `${j.field}${SEP}${c}`))),
  ];
}

/** Puts joined columns back under their relation (null when the join found no row). */
function nest(plan: Plan, row: Record<string, unknown>): Record<string, unknown> {
  if (!plan.joins.length) return row;
  const out: Record<string, unknown> = {};
  for (const c of plan.columns) out[c] = row[c];
  for (const j of plan.joins) {
    const target: Record<string, unknown> = {};
    for (const c of j.plan.columns) target[c] = row[`${j.field}${SEP}${c}`];
    out[j.field] = row[`${j.field}${SEP}${j.plan.type.always[0] ?? 'id'}`] == null ? null : target;
  }
  return out;
}

type Row = Record<string, unknown>;

/**
 * The text of each loader statement, built once per relation and plan and
 * then sent with new keys: building and compiling it for every request was a
 * twentieth of the dashboard's CPU. Plans come from what operations ask, so
 * the number kept is bounded (least recently used go first).
 */
const statements = new Map<string, string>();
const MAX_STATEMENTS = 500;

function statementFor(key: string, build: () => CompiledQuery): string {
  let text = statements.get(key);
  if (text === undefined) {
    text = build().sql;
    if (statements.size >= MAX_STATEMENTS) {
      const oldest = statements.keys().next().value;
      if (oldest !== undefined) statements.delete(oldest);
    }
  } else statements.delete(key);
  statements.set(key, text);
  return text;
}

export class RowLoaders {
  /** askedOf's memo: the items of a list share their field nodes. */
  readonly asked = new WeakMap<object, Asked>();
  private readonly plans = new WeakMap<object, Plan>();
  private readonly loaders = new Map<string, DataLoader<string, unknown>>();
  /** The reader without its result plugin: the statements here name their columns as rows want them. */
  private readonly raw: Pick<SqlReader, 'executeQuery'>;

  constructor(private readonly sql: SqlReader) {
    this.raw = sql.withoutPlugins();
  }

  /** What the resolver's field asks of the type it returns. */
  plan(type: SqlType, info: GraphQLResolveInfo, connection = false): Plan {
    let plan = this.plans.get(info.fieldNodes);
    if (!plan || plan.type !== type) {
      plan = planFor(type, askedOf(info, this.asked, connection), info);
      this.plans.set(info.fieldNodes, plan);
    }
    return plan;
  }

  /**
   * The rows of a relation for one parent, batched with every other parent's at
   * this place. Typed `never`: a row has the columns its place asks for, which
   * is what the type's resolvers read (catalogue.ts), not the whole model.
   */
  many(rel: Relation, info: GraphQLResolveInfo, parentKey: string): Promise<never[]> {
    const plan = this.plan(rel.type, info);
    return this.loader(`${rel.name}:${plan.key}`, (keys) => this.children(rel, plan, keys)).load(parentKey) as Promise<
      never[]
    >;
  }

  /** One row by id (a relation to one row that was not joined), batched per place. */
  one(type: SqlType, info: GraphQLResolveInfo, id: string | null | undefined): Promise<never | null> {
    if (!id) return Promise.resolve(null);
    const plan = this.plan(type, info);
    return this.loader(`${type.name}:${plan.key}`, (ids) => this.byId(plan, ids)).load(id) as Promise<never | null>;
  }

  /**
   * One row by id with these columns: what a computed field reads of a related
   * row (a report's status reads its case's state), batched like the rest.
   */
  row<R>(type: SqlType, columns: readonly string[], id: string | null): Promise<R | null> {
    if (!id) return Promise.resolve(null);
    const plan = planFor(type, undefined);
    const wanted: Plan = { ...plan, columns: [...new Set([...plan.columns, ...columns])].sort() };
    wanted.key = wanted.columns.join(',');
    return this.loader(`${type.name}:${wanted.key}`, (ids) => this.byId(wanted, ids)).load(id) as Promise<R | null>;
  }

  /**
   * The select of a plan from its table as `alias`, its one-row relations
   * joined: for the lists at the root (the case page), which add their own
   * conditions and order, and run it with `run`.
   */
  select(plan: Plan, alias = 't') {
    let q = this.sql.selectFrom(`${plan.type.table} as ${alias}` as 'user as t');
    for (const [i, j] of plan.joins.entries()) {
      q = q.leftJoin(
        `${j.plan.type.table} as j${i}` as 'user as j',
        `j${i}.id` as 'j.id',
        `${alias}.${j.from}` as 't.id',
      );
    }
    return q.select(selections(plan, alias) as never);
  }

  /** Runs a statement built on `select`, its rows as resolvers read them (joined relations nested). */
  async run(plan: Plan, query: Compilable): Promise<Row[]> {
    const { rows } = await this.raw.executeQuery(query.compile());
    return rows.map((r) => nest(plan, r as Row));
  }

  private loader(key: string, batch: (keys: readonly string[]) => Promise<unknown[]>) {
    let l = this.loaders.get(key);
    if (!l) {
      l = new DataLoader(batch, { maxBatchSize: 1000 });
      this.loaders.set(key, l);
    }
    return l;
  }

  private async children(rel: Relation, plan: Plan, keys: readonly string[]): Promise<Row[][]> {
    const withKey = plan.columns.includes(rel.by) ? plan : { ...plan, columns: [...plan.columns, rel.by] };
    const text = statementFor(`${rel.name}:${withKey.key}:${rel.by}`, () => {
      let q = this.select(withKey).where(sql<boolean>`${sql.ref(`t.${rel.by}`)} = any(${[]}::uuid[])` as never);
      for (const [c, d] of rel.order) q = q.orderBy(sql`${sql.ref(`t.${c}`)} ${sql.raw(d)}` as never);
      return q.compile();
    });
    const { rows } = await this.raw.executeQuery(CompiledQuery.raw(text, [uuidList(keys)]));
    const byParent = new Map<string, Row[]>();
    for (const raw of rows) {
      const r = nest(withKey, raw as Row);
      const k = r[rel.by] as string;
      const list = byParent.get(k);
      if (list) list.push(r);
      else byParent.set(k, [r]);
    }
    return keys.map((k) => byParent.get(k) ?? []);
  }

  private async byId(plan: Plan, ids: readonly string[]): Promise<(Row | null)[]> {
    const text = statementFor(`${plan.type.name}:${plan.key}`, () =>
      this.select(plan)
        .where(sql<boolean>`${sql.ref('t.id')} = any(${[]}::uuid[])` as never)
        .compile(),
    );
    const { rows } = await this.raw.executeQuery(CompiledQuery.raw(text, [uuidList(ids)]));
    const found = new Map<string, Row>();
    for (const raw of rows) {
      const r = nest(plan, raw as Row);
      found.set(r.id as string, r);
    }
    return ids.map((id) => found.get(id) ?? null);
  }
}

/** Keys as a uuid[] parameter's value. Keys that are not uuids match nothing (they could not be ids). */
const uuidList = (keys: readonly string[]) => keys.filter(isUuid);

/** A uuid[] parameter. */
export function uuids(keys: readonly string[]): RawBuilder<unknown> {
  return sql`${uuidList(keys)}::uuid[]`;
}

type WithRows = { loaders: { rows: RowLoaders } };

/** The resolver of a one-to-many relation: the parent's rows of `rel`, one statement per place in the operation. */
export const manyOf =
  (rel: Relation) =>
  (parent: { id: string }, _args: unknown, ctx: WithRows, info: GraphQLResolveInfo): Promise<never[]> =>
    ctx.loaders.rows.many(rel, info, parent.id);

/** A relation to one row, by its id (null: none), batched per place in the operation. */
export function one(ctx: WithRows, info: GraphQLResolveInfo, type: SqlType, id: string | null): Promise<never | null> {
  return ctx.loaders.rows.one(type, info, id);
}

/** A required relation to one row: its row is there (a foreign key says so). */
export async function oneOrThrow(ctx: WithRows, info: GraphQLResolveInfo, type: SqlType, id: string): Promise<never> {
  const row = await ctx.loaders.rows.one(type, info, id);
  if (!row) throw new Error(`${type.name} ${id} is gone`);
  return row;
}

/**
 * The row of a one-row relation that the parent's statement joined (typed
 * like `many`'s rows); undefined when it was not joined: load it.
 */
export function joined(parent: object, field: string): undefined {
  return ((parent as Record<string, unknown>)[field] ?? undefined) as undefined;
}
