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
import { readFileSync } from 'node:fs';
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
import { type GraphQLField, type GraphQLObjectType, isObjectType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GqlResult } from '../support/app.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { dialect } from '../support/db.ts';
import {
  checkIds,
  checkObject,
  currentJudge,
  dump,
  errorsAt,
  type Finding,
  pool,
  shape,
  typeOf,
  VARIES,
} from '../support/need-to-know/checks.ts';
import { type Facts, factLoader, globalId, probedRecords } from '../support/need-to-know/facts.ts';
import {
  DENIED,
  fieldRule,
  idsIn,
  isEmpty,
  isNodeType,
  type Judge,
  namedType,
  requiredArgs,
  selectionFor,
} from '../support/need-to-know/matrix.ts';
import {
  contentOf,
  fixture,
  nodeTypeOfConnection,
  placeholder,
  publishLive,
  rootProbes,
  rootRecord,
  SUBMIT_LIVE,
  stable,
} from '../support/need-to-know/probes.ts';
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
  J = await currentJudge(app.db.prisma, factsOf);
  records = await probedRecords(app.db.prisma);
  admin = world.viewers.find((v) => v.name === 'admin') as Viewer;
  direct = world.viewers.filter((v) => !v.actingFor);
}, 300_000);
afterAll(() => app?.[Symbol.asyncDispose]());

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
            await checkObject(J, inner.name, value, oracleValue, v, facts, where, findings);
          await checkIds(J, factsOf, value, v, `${where} of ${id}`, findings);
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
    const fieldCount = (await Promise.all(records.map(factsOf))).reduce(
      (n, f) => n + Object.keys(typeOf(f.type).getFields()).length,
      0,
    );
    dump('summary', [
      `${records.length} records, ${world.viewers.length} viewers, ${probes} requests, ${fieldCount * world.viewers.length} field reads (+ node and nodes in two orders each)`,
    ]);
    dump('fields', findings);
    expect(findings).toEqual([]);
  });

  it('answers every root query as the rules say: who may call it, what lookups find, what lists hold and count', async () => {
    const findings: Finding[] = [];
    const probes = await rootProbes(app, world);
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
        const record = await rootRecord(app, factsOf, name, probe.args, oracle);
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
          await checkIds(J, factsOf, value, v, where, findings);
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
              J,
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

  it('delivers every subscription only as the rules say, over graphql-ws and SSE, and to everyone they name', async () => {
    const findings: Finding[] = [];
    const k = world.keys;
    const caseA = await app.db.prisma.analysisCase.findUniqueOrThrow({ where: { publicId: k.secretCase } });
    const caseFacts = await factsOf(globalId('AnalysisCase', caseA.id));
    const sub = schema.getSubscriptionType() as GraphQLObjectType;
    const probes: Record<string, { args?: Record<string, string>; facts?: Facts }> = {
      caseEvents: { args: { caseId: k.secretCase }, facts: caseFacts },
    };
    const documents = Object.values(sub.getFields()).map((f) => {
      const p = probes[f.name] ?? {};
      const args = p.args
        ? `(${Object.entries(p.args)
            .map(([a, x]) => `${a}: ${JSON.stringify(x)}`)
            .join(', ')})`
        : '';
      return {
        name: f.name,
        field: f,
        doc: `subscription { ${f.name}${args} ${selectionFor(schema, f.type)} }`,
        facts: p.facts ?? null,
      };
    });
    for (const d of documents)
      if (requiredArgs(d.field).length && !probes[d.name]?.args) findings.push(`no probe for Subscription.${d.name}`);
    // A case every staff member is on: the last event, which every staff subscriber of caseUpdated must receive.
    const sentinel = await world.analyst.gql(
      'mutation($r: String!) { acceptReport(reportId: $r, title: "Sentinel case", products: ["bms"]) { id publicId } }',
      { r: k.triageReport },
    );
    const sentinelCase = sentinel.data?.acceptReport as { id: string; publicId: string };
    for (const v of direct) {
      if (v.kind !== 'user') continue;
      const added = await world.analyst.gql(
        'mutation($c: String!, $u: ID!) { addCaseMember(caseId: $c, userId: $u) { id } }',
        { c: sentinelCase.publicId, u: v.userId },
      );
      expect(added.errors).toBeUndefined();
    }
    let judged = await currentJudge(app.db.prisma, factsOf);

    const { liveWs, liveSse } = await import('../support/live.ts');
    const open: {
      v: Viewer;
      name: string;
      got: ReturnType<ReturnType<typeof liveWs>['subscribe']>;
      allowed: boolean;
    }[] = [];
    const sse: { v: Viewer; got: ReturnType<typeof liveSse> }[] = [];
    const clients = new Map<string, ReturnType<typeof liveWs>>();
    const listenersBefore = app.live.listeners();
    let expected = 0;
    try {
      for (const v of direct) {
        const ws = liveWs(app, v.client.token);
        clients.set(v.name, ws);
        for (const d of documents) {
          const allowed = await judged.admits((SUBSCRIPTION_RULES[d.name] as RootRule).call, v, d.facts);
          if (allowed) expected += 1;
          open.push({ v, name: d.name, got: ws.subscribe(d.doc), allowed });
        }
        if (v.kind === 'user') {
          sse.push({ v, got: liveSse(app, v.client.token, 'subscription { caseUpdated { id } }') });
          expected += 1;
        }
      }
      // Refused at once, or listening: no other way.
      for (const o of open.filter((x) => !x.allowed)) {
        await o.got.ended(5_000).catch(() => findings.push(`${o.name} for ${o.v.name}: neither refused nor ended`));
        const codes = o.got.errors.map((e) => String(e.extensions?.code));
        if (!codes.some((c) => DENIED.has(c)))
          findings.push(`${o.name} for ${o.v.name}: not refused (${JSON.stringify(o.got.errors)})`);
      }
      const deadline = Date.now() + 60_000;
      while (app.live.listeners() < listenersBefore + expected && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(app.live.listeners(), 'every allowed subscription listening').toBeGreaterThanOrEqual(
        listenersBefore + expected,
      );

      // The changes: on the embargoed case (a note, a mitigation that moves a CRA clock), a report
      // arriving, a draft advisory edited, an advisory published, new third-party matches.
      const topics = ['case', 'report', 'advisory', 'assessment'] as const;
      const base = {
        handled: app.live.handled(),
        published: Object.fromEntries(topics.map((t) => [t, app.live.published(t)])),
      };
      const note = await world.gridPrime.gql(
        'mutation($c: String!) { addCaseNote(caseId: $c, text: "A live note (secret 77f0).") { id } }',
        {
          c: k.secretCase,
        },
      );
      const mitigation = await world.gridSpecialist.gql(
        'mutation($i: MitigationInput!) { addMitigation(input: $i) { id } }',
        {
          i: { caseId: k.secretCase, product: 'gateway', kind: 'WORKAROUND', description: 'Block port 8443 (secret).' },
        },
      );
      const report = await app.anonymous.gql(SUBMIT_LIVE, {
        input: { title: 'Live report', description: 'Arrived while subscribed.', reporter: {} },
      });
      const draft = await world.analyst.gql(
        'mutation($a: String!) { updateAdvisory(advisoryId: $a, summary: "Edited live (secret)") { id } }',
        {
          a: k.draftAdvisory,
        },
      );
      const published = await publishLive(app, world);
      const { importSbom, matchInventory } = await import('@psirt/api');
      const rtu = await importSbom(app.db.prisma, 'rtu', '2.0', fixture('sbom/rtu-2.0.cdx.json'));
      await matchInventory(app.db.prisma, { productVersionIds: [rtu.productVersionId] }, { live: app.live });
      for (const r of [note, mitigation, report, draft]) expect(r.errors).toBeUndefined();
      // The sentinel, then every subscription is done with every payload, and every socket has flushed.
      await world.analyst.gql('mutation($c: String!) { addCaseNote(caseId: $c, text: "Sentinel") { id } }', {
        c: sentinelCase.publicId,
      });
      const target = () =>
        base.handled +
        topics.reduce((n, t) => n + (app.live.published(t) - (base.published[t] ?? 0)) * app.live.listeners(t), 0);
      while (app.live.handled() < target() && Date.now() < deadline + 60_000)
        await new Promise((r) => setTimeout(r, 20));
      for (const ws of clients.values()) {
        await new Promise<void>((resolve, reject) =>
          ws.client.subscribe({ query: '{ __typename }' }, { next: () => {}, error: reject, complete: resolve }),
        );
      }
      for (const s of sse) {
        await s.got.waitFor(1, 30_000).catch(() => {});
        const deadlineSse = Date.now() + 30_000;
        while (!idsIn(s.got.items).includes(sentinelCase.id) && Date.now() < deadlineSse)
          await new Promise((r) => setTimeout(r, 20));
        if (!idsIn(s.got.items).includes(sentinelCase.id))
          findings.push(`SSE caseUpdated for ${s.v.name}: the sentinel never came`);
      }

      // Teams as they now are (the changes opened cases), for what follows.
      judged = await currentJudge(app.db.prisma, factsOf);
      // Nothing a subscriber may not read; everything the rules name them for.
      const shouldReach: [string, string | null][] = [
        ['caseUpdated', globalId('AnalysisCase', caseA.id)],
        ['caseEvents', null],
        ['triageQueueChanged', null],
        ['advisoryChanged', published],
        ['assessmentsMatched', null],
        ['craDeadlineChanged', null],
      ];
      for (const o of open.filter((x) => x.allowed)) {
        const field = sub.getFields()[o.name];
        const where = `${o.name} to ${o.v.name}`;
        await checkIds(judged, factsOf, o.got.items, o.v, where, findings);
        const inner = field ? namedType(field.type) : null;
        if (inner && isObjectType(inner) && !isNodeType(schema, inner)) {
          for (const item of o.got.items) await checkObject(J, inner.name, item, item, o.v, caseFacts, where, findings);
        }
        for (const e of o.got.errors)
          if (!DENIED.has(String(e.extensions?.code))) findings.push(`${where}: ${e.extensions?.code} ${e.message}`);
        const record = shouldReach.find(([n]) => n === o.name)?.[1];
        if (record && (await judged.readable(o.v, await factsOf(record))) && !idsIn(o.got.items).includes(record)) {
          findings.push(`${where}: never received ${record}, which they may read`);
        }
      }
      // The reach of each change, by kind of viewer.
      const got = (name: string, v: Viewer) => open.find((o) => o.name === name && o.v === v)?.got.items ?? [];
      const rtuLine = await app.db.prisma.product.findUniqueOrThrow({
        where: { key: 'rtu' },
        select: { productLineId: true },
      });
      const rtuFacts: Facts = { type: 'ComponentAssessment', id: '', lineIds: [rtuLine.productLineId], conditions: {} };
      const assessmentReaders = TYPE_RULES.ComponentAssessment?.read as readonly never[];
      const craReaders = TYPE_RULES.CraNotification?.read as readonly never[];
      for (const v of direct) {
        const reads = await judged.readable(v, caseFacts);
        if (reads && v.kind === 'user' && !got('caseEvents', v).length)
          findings.push(`caseEvents: ${v.name} heard nothing of the case`);
        const psirt = v.roles.some((r) => r === 'ADMIN' || r === 'ANALYST') && !v.botAlone;
        if (psirt && !got('triageQueueChanged', v).length) findings.push(`triageQueueChanged: ${v.name} heard nothing`);
        if ((await judged.admits(assessmentReaders, v, rtuFacts)) && !got('assessmentsMatched', v).length)
          findings.push(`assessmentsMatched: ${v.name} heard nothing`);
        if ((await judged.admits(craReaders, v, caseFacts)) && !got('craDeadlineChanged', v).length)
          findings.push(`craDeadlineChanged: ${v.name} heard nothing`);
      }
      for (const s of sse)
        await checkIds(judged, factsOf, s.got.items, s.v, `SSE caseUpdated to ${s.v.name}`, findings);
    } finally {
      for (const o of open) o.got.unsubscribe();
      for (const s of sse) s.got.dispose();
      for (const ws of clients.values()) await ws.dispose();
    }
    dump('subscriptions', findings);
    expect(findings).toEqual([]);
  });

  it('keeps every confidential word off the website, its feeds and files, and each reporter’s page', async () => {
    const findings: Finding[] = [];
    const get = async (p: string, init?: RequestInit) => {
      const res = await fetch(new URL(p, app.origin), { redirect: 'manual', ...init });
      return { status: res.status, body: await res.text() };
    };
    const index = await get('/.well-known/csaf/white/index.txt');
    const pages = [
      '/advisories',
      '/advisories.atom',
      '/.well-known/security.txt',
      '/.well-known/csaf/provider-metadata.json',
      '/.well-known/csaf/white/csaf-feed-tlp-white.json',
      '/.well-known/csaf/white/index.txt',
      '/.well-known/csaf/white/changes.csv',
      '/report',
      '/report/status',
      '/report/link',
      '/subscribe',
      ...index.body
        .split('\n')
        .filter(Boolean)
        .map((f) => `/.well-known/csaf/white/${f}`),
    ];
    const advisories = await app.db.prisma.advisory.findMany({ select: { publicId: true, id: true } });
    for (const a of advisories) {
      const readable = await J.readable(world.viewers[0] as Viewer, await factsOf(globalId('Advisory', a.id)));
      const page = await get(`/advisories/${a.publicId}`);
      if (page.status !== (readable ? 200 : 404))
        findings.push(`/advisories/${a.publicId}: ${page.status} (public: ${readable})`);
      pages.push(`/advisories/${a.publicId}`);
    }
    // What only a reporter reads (their thread) may be on their own page, never on anyone else's.
    const own = new Set<string>([SECRETS.message]);
    for (const p of pages) {
      const { body } = await get(p);
      for (const [name, secret] of Object.entries(SECRETS))
        if (body.includes(secret)) findings.push(`${p} shows ${name}`);
    }
    const status = async (token: string) =>
      (
        await get('/report/status', {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', origin: app.origin },
          body: new URLSearchParams({ token }),
        })
      ).body;
    const mine = await status(world.keys.reporterToken);
    const theirs = await status(world.keys.otherReporterToken);
    if (!mine.includes(world.keys.secretReport)) findings.push('the reporter’s page lacks their report');
    for (const other of [world.keys.triageReport, world.keys.duplicateReport])
      if (mine.includes(other)) findings.push(`the reporter’s page shows ${other}`);
    if (theirs.includes(world.keys.secretReport)) findings.push('the other reporter’s page shows the secret report');
    for (const [name, secret] of Object.entries(SECRETS)) {
      if (theirs.includes(secret)) findings.push(`the other reporter’s page shows ${name}`);
      if (!own.has(secret) && mine.includes(secret)) findings.push(`the reporter’s page shows ${name}`);
    }
    dump('pages', findings);
    expect(pages.length).toBeGreaterThan(15);
    expect(findings).toEqual([]);
  });

  it('refuses every mutation to whoever its rule names for no record at all, and the bot acting for someone as that person', async () => {
    const findings: Finding[] = [];
    const mutation = schema.getMutationType() as GraphQLObjectType;
    // Reporter tokens rotate last: rotating one ends it.
    const names = Object.keys(mutation.getFields()).sort(
      (a, b) => Number(a === 'rotateReporterToken') - Number(b === 'rotateReporterToken'),
    );
    const relations = new Set(['case team', 'line staff', 'its reporter', 'its submitter', 'readers of its record']);
    for (const name of names) {
      const field = mutation.getFields()[name] as GraphQLField<unknown, unknown>;
      const rule = MUTATION_RULES[name] as RootRule;
      const args = requiredArgs(field);
      const doc = `mutation${args.length ? `(${args.map((a) => `$${a.name}: ${a.type.toString()}`).join(', ')})` : ''} {
        r: ${name}${args.length ? `(${args.map((a) => `${a.name}: $${a.name}`).join(', ')})` : ''} ${selectionFor(schema, field.type).replace(/\{ .* \}/s, '{ __typename }')}
      }`;
      const vars = Object.fromEntries(args.map((a) => [a.name, placeholder(a.type)]));
      const byName = new Map<string, string>();
      for (const v of world.viewers) {
        const r = await v.client.gql(doc, vars);
        const code = String(r.errors?.[0]?.extensions?.code ?? 'ok');
        byName.set(v.name, code);
        if (v.actingFor) continue;
        // Over every rule: the bot's own account changes nothing.
        const admitted = !v.botAlone && (await J.admits(rule.call, v, null));
        const byRelation = rule.call.some((a) => typeof a === 'string' && relations.has(a)) && v.kind !== 'anonymous';
        if (admitted && (code === 'FORBIDDEN' || code === 'UNAUTHENTICATED'))
          findings.push(`${name} refused ${v.name} (${code}), whom the rule names`);
        if (!admitted && !byRelation && !DENIED.has(code)) findings.push(`${name} not refused to ${v.name}: ${code}`);
        for (const e of r.errors ?? [])
          if (e.extensions?.code === 'INTERNAL') findings.push(`${name} to ${v.name}: INTERNAL`);
      }
      for (const v of world.viewers) {
        if (v.actingFor && name !== 'rotateReporterToken' && byName.get(v.name) !== byName.get(v.actingFor)) {
          findings.push(`${name}: ${v.name} got ${byName.get(v.name)}, ${v.actingFor} ${byName.get(v.actingFor)}`);
        }
      }
    }
    dump('mutations', findings);
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
