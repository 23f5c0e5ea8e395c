// Need-to-know, generated from the schema: every type, field and root path the
// schema offers, for every kind of viewer (anonymous, each reporter, each staff
// role, a Prime of another line, the Slack bot alone and acting for each), on a
// record of every kind in every state that matters — each answer compared with
// the one rule table (api/src/need-to-know.ts). A type, field or root field
// without a rule fails here; so does a path that shows a record or a field its
// viewer may not read: node, nodes (alone, and mixed with readable and
// unreadable ids in both orders), each field, one level into what it returns,
// lists and their counts, lookups, the website. Hand-written probes follow in
// need-to-know-examples.test.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import {
  MUTATION_RULES,
  QUERY_RULES,
  type RootRule,
  renderNeedToKnow,
  ruleFields,
  SUBSCRIPTION_RULES,
  schema,
  TYPE_RULES,
} from '@psirt/api';
import { type GraphQLObjectType, isObjectType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GqlResult } from '../support/app.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { dialect } from '../support/db.ts';
import { type Facts, factLoader, globalId, probedRecords } from '../support/need-to-know/facts.ts';
import {
  DENIED,
  fieldRule,
  idsIn,
  isEmpty,
  isNodeType,
  type Judge,
  judge,
  namedType,
  requiredArgs,
  selectionFor,
} from '../support/need-to-know/matrix.ts';
import { type NeedToKnowWorld, SECRETS, seedNeedToKnowWorld, type Viewer } from '../support/need-to-know/world.ts';

let app: TestApp;
let world: NeedToKnowWorld;
let J: Judge;
let factsOf: (id: string) => Promise<Facts>;
let records: string[];
let admin: Viewer;
let direct: Viewer[];

beforeAll(async () => {
  // The probes alias every field of a record in one request; the limits are for other tests.
  app = await startTestApp({
    submissionsPerHour: 10_000,
    limits: { aliases: 5000, complexity: 1e9, depth: 50, tokens: 1e6 },
    clientBudget: { perClient: 1e12, total: 1e12, queue: 10_000 },
  });
  world = await seedNeedToKnowWorld(app);
  factsOf = factLoader(app.db.prisma);
  const members = await app.db.prisma.caseMember.findMany({ select: { caseId: true, userId: true } });
  const lineMembers = await app.db.prisma.productLineMember.findMany({ select: { productLineId: true, userId: true } });
  const cases = new Map<string, Set<string>>();
  for (const m of members) cases.set(m.userId, (cases.get(m.userId) ?? new Set()).add(m.caseId));
  const lines = new Map<string, Set<string>>();
  for (const m of lineMembers) lines.set(m.userId, (lines.get(m.userId) ?? new Set()).add(m.productLineId));
  J = judge({ cases, lines }, factsOf);
  records = await probedRecords(app.db.prisma);
  admin = world.viewers.find((v) => v.name === 'admin') as Viewer;
  direct = world.viewers.filter((v) => !v.actingFor);
}, 300_000);
afterAll(() => app?.[Symbol.asyncDispose]());

/** Runs `fn` over `items`, `n` at a time. */
async function pool<T, R>(items: readonly T[], n: number, fn: (x: T) => Promise<R>): Promise<R[]> {
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
const VARIES = new Set([
  'AnalysisCase.allowedTransitions',
  'Advisory.title',
  'Advisory.state',
  'Advisory.cases',
  'VulnerabilityReport.ageHours',
  'CraNotification.stages',
  'CraNotification.next',
]);

const errorsAt = (r: GqlResult, alias: string) => (r.errors ?? []).filter((e) => e.path?.[0] === alias);
const shape = (r: GqlResult) => ({
  data: r.data ?? null,
  errors: (r.errors ?? []).map((e) => `${(e.path ?? []).join('.')}:${e.extensions?.code}`).sort(),
});

/** NTK_DUMP=<dir>: the findings of each test as a file too (they can be long). */
const dump = (name: string, findings: string[]) => {
  if (process.env.NTK_DUMP) writeFileSync(path.join(process.env.NTK_DUMP, `${name}.txt`), findings.join('\n'));
};

/** A leak or a wrong answer, in words: what, to whom, through which path. */
type Finding = string;

const typeOf = (name: string) => schema.getType(name) as GraphQLObjectType;

/** The rules of the fields of a value without identity, checked item by item against the oracle's. */
async function checkObject(
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
async function checkIds(value: unknown, v: Viewer, where: string, out: Finding[]) {
  for (const id of idsIn(value)) {
    const f = await factsOf(id);
    const rule = TYPE_RULES[f.type];
    if (!rule || rule.read === 'parent') continue;
    if (!(await J.readable(v, f))) out.push(`LEAK ${where} reaches ${f.type} ${id} for ${v.name}`);
  }
}

describe(`need-to-know, generated from the schema (${dialect})`, () => {
  it('has a rule for every type, every field and every root field the schema offers', () => {
    const missing: string[] = [];
    const roots = { Query: QUERY_RULES, Subscription: SUBSCRIPTION_RULES, Mutation: MUTATION_RULES };
    for (const t of Object.values(schema.getTypeMap())) {
      if (t.name.startsWith('__') || !isObjectType(t)) continue;
      if (t.name in roots) {
        const rules = roots[t.name as keyof typeof roots];
        for (const f of Object.keys(t.getFields())) if (!(f in rules)) missing.push(`${t.name}.${f}`);
        for (const f of Object.keys(rules))
          if (!(f in t.getFields())) missing.push(`a rule for no field: ${t.name}.${f}`);
        continue;
      }
      const rule = TYPE_RULES[t.name];
      if (!rule) {
        missing.push(t.name);
        continue;
      }
      const declared = ruleFields(rule);
      for (const f of Object.keys(t.getFields())) if (!declared.has(f)) missing.push(`${t.name}.${f}`);
      for (const f of declared.keys()) if (!(f in t.getFields())) missing.push(`a rule for no field: ${t.name}.${f}`);
    }
    for (const name of Object.keys(TYPE_RULES)) if (!schema.getType(name)) missing.push(`a rule for no type: ${name}`);
    expect(missing, 'add a rule to api/src/need-to-know.ts').toEqual([]);
  });

  it('probes a record of every kind the schema can look up by id', async () => {
    const nodeTypes = Object.values(schema.getTypeMap())
      .filter((t) => isObjectType(t) && isNodeType(schema, t))
      .map((t) => t.name)
      .sort();
    const probed = new Set((await Promise.all(records.map(factsOf))).map((f) => f.type));
    expect(nodeTypes.filter((t) => !probed.has(t))).toEqual([]);
  });

  it('answers node, nodes (both orders, mixed) and every field of every record as the rules say, for every viewer', async () => {
    const findings: Finding[] = [];
    const pub = globalId(
      'Advisory',
      (await app.db.prisma.advisory.findUniqueOrThrow({ where: { publicId: world.keys.publicAdvisory } })).id,
    );
    const auditId = records.find((r) => Buffer.from(r, 'base64').toString().startsWith('AuditEntry:')) ?? '';
    let probes = 0;
    await pool(records, 4, async (id) => {
      const facts = await factsOf(id);
      const t = typeOf(facts.type);
      const fields = Object.values(t.getFields());
      for (const f of fields) {
        if (requiredArgs(f).length) findings.push(`${t.name}.${f.name} needs arguments no probe gives`);
      }
      const aliases = fields.map((f, i) => ({ alias: `f${i}`, field: f }));
      const doc = `query($id: ID!, $pub: ID!, $aud: ID!) {
        n: node(id: $id) { id }
        s1: nodes(ids: [$id, $pub]) { id }
        s2: nodes(ids: [$aud, $id]) { id }
        ${aliases.map(({ alias, field }) => `${alias}: node(id: $id) { ... on ${t.name} { ${field.name} ${selectionFor(schema, field.type)} } }`).join('\n')}
      }`;
      const vars = { id, pub, aud: auditId };
      const oracle = await admin.client.gql(doc, vars);
      if (oracle.errors?.length)
        findings.push(`the oracle (ADMIN) got errors on ${t.name}: ${JSON.stringify(oracle.errors)}`);
      const answers = new Map<string, GqlResult>();
      for (const v of world.viewers) {
        probes += 1;
        const r = await v.client.gql(doc, vars);
        answers.set(v.name, r);
        if (v.actingFor) continue;
        const readable = await J.readable(v, facts);
        const pubReadable = await J.readable(v, await factsOf(pub));
        const audReadable = await J.readable(v, await factsOf(auditId));
        for (const e of r.errors ?? []) {
          if (!DENIED.has(String(e.extensions?.code)))
            findings.push(`${t.name} ${id} to ${v.name}: ${e.extensions?.code} ${e.message}`);
          for (const s of Object.values(SECRETS))
            if (e.message.includes(s)) findings.push(`LEAK in an error to ${v.name}: ${e.message}`);
        }
        const d = (r.data ?? {}) as Record<string, any>;
        const want = (ok: boolean, x: string) => (ok ? x : null);
        if ((d.n?.id ?? null) !== want(readable, id))
          findings.push(`node(id) of ${t.name} ${id} to ${v.name}: ${JSON.stringify(d.n)} (readable: ${readable})`);
        const s1 = (d.s1 ?? []).map((x: { id: string } | null) => x?.id ?? null);
        const s2 = (d.s2 ?? []).map((x: { id: string } | null) => x?.id ?? null);
        if (!isDeepStrictEqual(s1, [want(readable, id), want(pubReadable, pub)]))
          findings.push(`nodes([record, public]) of ${t.name} to ${v.name}: ${JSON.stringify(s1)}`);
        if (!isDeepStrictEqual(s2, [want(audReadable, auditId), want(readable, id)]))
          findings.push(`nodes([audit, record]) of ${t.name} to ${v.name}: ${JSON.stringify(s2)}`);
        for (const { alias, field } of aliases) {
          const where = `${t.name}.${field.name}`;
          const node = d[alias] as Record<string, unknown> | null | undefined;
          const value = node?.[field.name];
          const rule = fieldRule(t.name, field.name).field;
          const allowed = readable && (rule === 'same' || (await J.admits(rule, v, facts)));
          const oracleValue = (oracle.data?.[alias] as Record<string, unknown> | null | undefined)?.[field.name];
          if (!allowed) {
            if (!isEmpty(value))
              findings.push(`LEAK ${where} of ${id} to ${v.name}: ${String(JSON.stringify(value)).slice(0, 120)}`);
            continue;
          }
          const refused = errorsAt(r, alias).some((e) => DENIED.has(String(e.extensions?.code)));
          if (refused) {
            findings.push(`REFUSED ${where} of ${id} to ${v.name}, whom the rule admits`);
            continue;
          }
          if (!VARIES.has(where) && !isDeepStrictEqual(value ?? null, oracleValue ?? null)) {
            findings.push(
              `${where} of ${id} to ${v.name} differs from ADMIN's: ${String(JSON.stringify(value)).slice(0, 120)} vs ${String(JSON.stringify(oracleValue)).slice(0, 120)}`,
            );
          }
          const inner = namedType(field.type);
          if (isObjectType(inner) && !isNodeType(schema, inner))
            await checkObject(inner.name, value, oracleValue, v, facts, where, findings);
          await checkIds(value, v, `${where} of ${id}`, findings);
        }
      }
      // The bot acting for someone answers exactly as that person.
      for (const v of world.viewers) {
        if (!v.actingFor) continue;
        const mine = shape(answers.get(v.name) as GqlResult);
        const theirs = shape(answers.get(v.actingFor) as GqlResult);
        if (!isDeepStrictEqual(mine, theirs)) findings.push(`${v.name} differs from ${v.actingFor} on ${t.name} ${id}`);
      }
    });
    expect(probes).toBeGreaterThan(records.length * direct.length);
    dump('fields', findings);
    expect(findings).toEqual([]);
  });

  /** Each root query, with the arguments it is probed with and the record they name (for its rule). */
  const ROOT_PROBES = async (): Promise<
    Record<string, { args: Record<string, unknown>; record?: string; facts?: Partial<Facts> }[]>
  > => {
    const k = world.keys;
    const grid = await app.db.prisma.product.findUniqueOrThrow({
      where: { key: 'gateway' },
      select: { productLineId: true },
    });
    const gateway = { lineIds: [grid.productLineId] };
    const list = [{ args: { first: 100 } }];
    return {
      viewer: [{ args: {} }],
      varWorkflow: [{ args: {} }],
      advisoryWorkflow: [{ args: {} }],
      pgpKey: [{ args: {} }],
      slaPolicy: [{ args: {} }],
      committeePolicy: [{ args: {} }],
      slackChannelSubscriptions: [{ args: {} }],
      productLines: [{ args: {} }],
      earlyAdvisories: [{ args: {} }],
      craPrompts: [{ args: {} }],
      cvss: [{ args: { vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' } }],
      advisories: list,
      reports: list,
      cases: list,
      componentAssessments: list,
      products: list,
      reporters: list,
      triageQueue: list,
      inboundMails: [
        { args: { first: 100, status: ['RECEIVED', 'PROCESSED', 'QUARANTINED', 'IGNORED', 'DISMISSED'] } },
      ],
      auditLog: [{ args: { first: 5 } }],
      craNotifications: [{ args: { open: null } }],
      productComponents: [{ args: { product: 'gateway', version: '4.2.0' }, facts: gateway }],
      productVex: [{ args: { product: 'gateway' }, facts: gateway }],
      case: [k.secretCase, 'VAR-2026-9999'].map((publicId) => ({ args: { publicId } })),
      report: [k.secretReport, k.triageReport, k.duplicateReport].map((publicId) => ({ args: { publicId } })),
      advisory: [k.publicAdvisory, k.draftAdvisory, k.greenAdvisory, k.reviewAdvisory, k.withdrawnAdvisory].map(
        (publicId) => ({ args: { publicId } }),
      ),
      craNotification: [{ args: { id: k.craHandle } }],
      cveRecord: [k.secretCve, k.publicCve].map((cveId) => ({ args: { cveId } })),
    };
  };

  it('answers every root query as the rules say: who may call it, what lookups find, what lists hold and count', async () => {
    const findings: Finding[] = [];
    const probes = await ROOT_PROBES();
    const query = schema.getQueryType() as GraphQLObjectType;
    for (const [name, field] of Object.entries(query.getFields())) {
      if (name === 'node' || name === 'nodes') continue;
      const rule = QUERY_RULES[name] as RootRule;
      const cases = probes[name];
      if (!cases) {
        findings.push(`no probe for Query.${name}: add one to ROOT_PROBES`);
        continue;
      }
      const inner = namedType(field.type);
      const connection = isObjectType(inner) && inner.name.endsWith('Connection');
      for (const probe of cases) {
        const argDecl = Object.entries(probe.args)
          .map(([a]) => `$${a}: ${field.args.find((x) => x.name === a)?.type.toString()}`)
          .join(', ');
        const argUse = Object.keys(probe.args)
          .map((a) => `${a}: $${a}`)
          .join(', ');
        const selection = connection
          ? `{ ${'totalCount' in (inner as GraphQLObjectType).getFields() ? 'totalCount' : ''} pageInfo { hasNextPage } edges { node { id } } }`
          : selectionFor(schema, field.type);
        const doc = `query${argDecl ? `(${argDecl})` : ''} { r: ${name}${argUse ? `(${argUse})` : ''} ${selection} }`;
        const oracle = await admin.client.gql(doc, probe.args);
        const record = await rootRecord(name, probe.args, oracle);
        for (const v of world.viewers) {
          const r = await v.client.gql(doc, probe.args);
          if (v.actingFor) {
            const theirs = await (world.viewers.find((x) => x.name === v.actingFor) as Viewer).client.gql(
              doc,
              probe.args,
            );
            if (!isDeepStrictEqual(stable(name, shape(r)), stable(name, shape(theirs))))
              findings.push(`${v.name} differs from ${v.actingFor} on ${name}(${JSON.stringify(probe.args)})`);
            continue;
          }
          const facts = { ...(record ?? { type: 'none', id: '', conditions: {} }), ...probe.facts } as Facts;
          const callable = await J.admits(rule.call, v, facts);
          const codes = (r.errors ?? []).map((e) => String(e.extensions?.code));
          for (const c of codes)
            if (!DENIED.has(c) && !(name === 'cveRecord' && c === 'CONFLICT'))
              findings.push(`${name} to ${v.name}: ${c}`);
          const value = (r.data as Record<string, unknown> | null | undefined)?.r;
          const refusedAtRoot = (r.errors ?? []).some(
            (e) => e.path?.length === 1 && DENIED.has(String(e.extensions?.code)),
          );
          const where = `${name}(${JSON.stringify(probe.args)})`;
          if (!callable) {
            const empty =
              isEmpty(value) ||
              (connection &&
                ((value as { edges?: unknown[] }).edges ?? []).length === 0 &&
                !(value as { totalCount?: number }).totalCount);
            if (!empty && !refusedAtRoot)
              findings.push(`LEAK ${where} answered ${v.name}: ${String(JSON.stringify(value)).slice(0, 160)}`);
            continue;
          }
          if (
            refusedAtRoot &&
            !(isEmpty((oracle.data as Record<string, unknown> | null)?.r) && codes.includes('NOT_FOUND'))
          ) {
            findings.push(`REFUSED ${where} to ${v.name}, whom the rule admits`);
          }
          // Who gets anything in an answer that is not records (a VEX document, an inventory).
          if (rule.sees) {
            const sees = await J.admits(rule.sees, v, facts);
            const content = contentOf(name, value);
            if (!sees && content.length) findings.push(`LEAK ${where} to ${v.name}: ${content.length} items`);
            if (sees && !content.length)
              findings.push(`${where} to ${v.name} is empty, though the rule lets them see it`);
          }
          await checkIds(value, v, where, findings);
          if (connection && value) {
            const c = value as { totalCount?: number; edges: unknown[]; pageInfo: { hasNextPage: boolean } };
            if (c.totalCount !== undefined && !c.pageInfo.hasNextPage && c.totalCount !== c.edges.length)
              findings.push(`${where} to ${v.name}: totalCount ${c.totalCount} for ${c.edges.length} items`);
          }
          // The viewer is whoever asks: their own user, or nobody.
          if (name === 'viewer') {
            const got = (value as { id?: string } | null | undefined)?.id ?? null;
            if (got !== (v.userId ? globalId('User', v.userId) : null)) findings.push(`viewer to ${v.name}: ${got}`);
            continue;
          }
          // A lookup finds its record exactly when the viewer may read it.
          if (
            record &&
            record.type !== 'none' &&
            TYPE_RULES[record.type]?.read !== 'parent' &&
            isNodeType(schema, inner)
          ) {
            const readable = await J.readable(v, record);
            const got = (value as { id?: string } | null | undefined)?.id ?? null;
            if (got !== (readable ? record.id : null))
              findings.push(`${where} to ${v.name}: ${got} (readable: ${readable})`);
          }
          // The root's own shape (non-record values): their fields' rules.
          if (isObjectType(inner) && !isNodeType(schema, inner) && !connection) {
            await checkObject(
              inner.name,
              value,
              (oracle.data as Record<string, unknown> | null)?.r,
              v,
              facts,
              where,
              findings,
            );
          }
          // Lists of everything the viewer may read hold every probed record they may read.
          if (
            ['cases', 'reports', 'advisories', 'componentAssessments', 'reporters', 'craNotifications'].includes(name)
          ) {
            const shown = new Set(idsIn(value));
            const typeName = connection ? nodeTypeOfConnection(inner as GraphQLObjectType) : inner.name;
            for (const id of records) {
              const f = await factsOf(id);
              if (f.type !== typeName) continue;
              if ((await J.readable(v, f)) && !shown.has(id))
                findings.push(`${where} to ${v.name} leaves out ${f.type} ${id}, which they may read`);
            }
          }
        }
      }
    }
    dump('roots', findings);
    expect(findings).toEqual([]);
  });

  it('renders the README’s need-to-know section from the same table', () => {
    const readme = readFileSync(
      path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'README.md'),
      'utf8',
    );
    const begin = '<!-- need-to-know:begin -->';
    const end = '<!-- need-to-know:end -->';
    const at = readme.indexOf(begin);
    const to = readme.indexOf(end);
    expect(at, `README.md has no ${begin} … ${end} block`).toBeGreaterThan(0);
    // Biome pads the tables: compared without the padding.
    const loose = (s: string) =>
      s
        .trim()
        .replace(/-{3,}/g, '---')
        .replace(/[ \t]+/g, ' ');
    expect(loose(readme.slice(at + begin.length, to)), 'run `npm run docs` to render it again').toBe(
      loose(renderNeedToKnow()),
    );
  });
});

/** An answer without what varies between two identical requests (a fresh VEX's id and date). */
function stable(name: string, s: ReturnType<typeof shape>) {
  if (name !== 'productVex') return s;
  return { ...s, data: contentOf(name, (s.data as Record<string, unknown> | null)?.r) };
}

/** The items of an answer that is a document or a list: a VEX's statements, an inventory's components. */
function contentOf(name: string, value: unknown): unknown[] {
  if (name === 'productVex') {
    const doc = value as { vulnerabilities?: unknown[] } | null;
    return doc?.vulnerabilities ?? [];
  }
  return Array.isArray(value) ? value : value ? [value] : [];
}

/** The record a root lookup's answer names, for its rule (a CVE record: its case; the advisory's publicity). */
async function rootRecord(name: string, args: Record<string, unknown>, oracle: GqlResult): Promise<Facts | null> {
  const value = (oracle.data as Record<string, any> | null)?.r;
  if (name === 'cveRecord') {
    const row = await app.db.prisma.cveAssignment.findFirst({
      where: { cveId: String(args.cveId) },
      select: { caseId: true },
    });
    const published = await app.db.prisma.advisory.count({
      where: {
        cases: { some: { caseId: row?.caseId ?? '' } },
        publishedRevision: { not: null },
        tlp: 'CLEAR',
        state: { not: 'WITHDRAWN' },
      },
    });
    return { type: 'none', id: '', caseId: row?.caseId ?? null, conditions: { public: published > 0 } };
  }
  if (value && typeof value === 'object' && typeof value.id === 'string' && !Array.isArray(value))
    return factsOf(value.id);
  return null;
}

function nodeTypeOfConnection(c: GraphQLObjectType): string {
  const edges = c.getFields().edges;
  if (!edges) throw new Error(`${c.name} has no edges`);
  const edge = namedType(edges.type) as GraphQLObjectType;
  const node = edge.getFields().node;
  if (!node) throw new Error(`${edge.name} has no node`);
  return namedType(node.type).name;
}
