// The matrix's checks: what an answer may hold for a viewer (no record, no field
// the rules deny), how answers compare, and where the findings go.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { schema, TYPE_RULES } from '@psirt/api';
import type { Db } from '@psirt/db';
import type { GraphQLObjectType } from 'graphql';
import type { GqlResult } from '../app.ts';
import type { Facts } from './facts.ts';
import { fieldRule, idsIn, isEmpty, type Judge, judge } from './matrix.ts';
import type { Viewer } from './world.ts';

/** Runs `fn` over `items`, `n` at a time. */
export async function pool<T, R>(items: readonly T[], n: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T);
      }
    }),
  );
  return out;
}

/** Fields whose value depends on who asks (or when): compared for presence, not equality. */
export const VARIES = new Set([
  'AnalysisCase.allowedTransitions',
  'Advisory.title',
  'Advisory.state',
  'Advisory.cases',
  'VulnerabilityReport.ageHours',
  'CraNotification.stages',
  'CraNotification.next',
]);

export const errorsAt = (r: GqlResult, alias: string) => (r.errors ?? []).filter((e) => e.path?.[0] === alias);
export const shape = (r: GqlResult) => ({
  data: r.data ?? null,
  errors: (r.errors ?? []).map((e) => `${(e.path ?? []).join('.')}:${e.extensions?.code}`).sort(),
});

/** NTK_DUMP=<dir>: the findings of each test as a file too (they can be long). */
export const dump = (name: string, findings: string[]) => {
  if (process.env.NTK_DUMP) writeFileSync(path.join(process.env.NTK_DUMP, `${name}.txt`), findings.join('\n'));
};

/** A leak or a wrong answer, in words: what, to whom, through which path. */
export type Finding = string;

export const typeOf = (name: string) => schema.getType(name) as GraphQLObjectType;

/** The rules of the fields of a value without identity, checked item by item against the oracle's. */
export async function checkObject(
  J: Judge,
  typeName: string,
  value: unknown,
  oracle: unknown,
  v: Viewer,
  facts: Facts,
  where: string,
  out: Finding[],
) {
  const items = Array.isArray(value) ? value : [value];
  const oracles = Array.isArray(oracle) ? oracle : [oracle];
  const t = typeOf(typeName);
  for (const [i, item] of items.entries()) {
    if (!item || typeof item !== 'object') continue;
    const o = (oracles[i] ?? {}) as Record<string, unknown>;
    const conditions = { ...facts.conditions, submitted: o.submittedAt !== null && o.submittedAt !== undefined };
    for (const field of Object.keys(t.getFields())) {
      if (!(field in (item as object))) continue;
      const { field: rule } = fieldRule(typeName, field);
      if (rule === 'same') continue;
      const ok = await J.admits(rule, v, { ...facts, conditions });
      if (!ok && !isEmpty((item as Record<string, unknown>)[field])) {
        out.push(`LEAK ${where}[${i}].${field} to ${v.name}`);
      }
    }
  }
}

/** Every record id in a value must be one the viewer may read. */
export async function checkIds(
  by: Judge,
  factsOf: (id: string) => Promise<Facts>,
  value: unknown,
  v: Viewer,
  where: string,
  out: Finding[],
) {
  for (const id of idsIn(value)) {
    const f = await factsOf(id);
    const rule = TYPE_RULES[f.type];
    if (!rule || rule.read === 'parent') continue;
    if (!(await by.readable(v, f))) out.push(`LEAK ${where} reaches ${f.type} ${id} for ${v.name}`);
  }
}

/** The rules' judge with the teams and product lines as they are now. */
export async function currentJudge(db: Db, factsOf: (id: string) => Promise<Facts>): Promise<Judge> {
  const members = await db.caseMember.findMany({ select: { caseId: true, userId: true } });
  const lineMembers = await db.productLineMember.findMany({ select: { productLineId: true, userId: true } });
  const cases = new Map<string, Set<string>>();
  for (const m of members) cases.set(m.userId, (cases.get(m.userId) ?? new Set()).add(m.caseId));
  const lines = new Map<string, Set<string>>();
  for (const m of lineMembers) lines.set(m.userId, (lines.get(m.userId) ?? new Set()).add(m.productLineId));
  return judge({ cases, lines }, factsOf);
}
