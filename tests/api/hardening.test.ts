// The API as an attacker meets it: operations too large to serve are refused
// before they run, a query past its time budget is cancelled, introspection and
// field suggestions are for those allowed them, browsers cannot post forms to
// it cross-site, and bad input is a typed VALIDATION error that stores nothing.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { DASHBOARD_QUERY, seedDashboard } from '../support/dashboard.ts';
import { dialect } from '../support/db.ts';
import { makeWorld, reportInput, SUBMIT, type World } from '../support/world.ts';

let app: TestApp;
let w: World;

beforeAll(async () => {
  app = await startTestApp({
    submissionsPerHour: 1000,
    introspection: false,
    corsOrigins: ['https://dashboard.example.com'],
  });
  w = await makeWorld(app);
});
afterAll(() => app?.[Symbol.asyncDispose]());

const codes = (r: { errors?: { extensions?: { code?: string } }[] }) => (r.errors ?? []).map((e) => e.extensions?.code);
const reportCount = () => app.db.prisma.vulnerabilityReport.count();

describe(`operation limits (${dialect})`, () => {
  it('refuses too many aliases, too deep a selection, too many tokens or directives, before anything runs', async () => {
    app.queryCount(); // counts from here
    const aliases = `{ ${Array.from({ length: 31 }, (_, i) => `a${i}: advisory(publicId: "SA-2026-0001") { csaf }`).join(' ')} }`;
    const r1 = await app.anonymous.gql(aliases);
    expect(codes(r1)).toEqual(['OPERATION_LIMIT']);
    expect(r1.errors?.[0]?.message).toMatch(/Aliases limit of 30/);

    let nested = 'key';
    for (let i = 0; i < 10; i++) nested = `products { productLine { ${nested} } }`;
    const r2 = await w.analyst.gql(`{ productLines { ${nested} } }`);
    expect(codes(r2)).toContain('OPERATION_LIMIT');
    expect(r2.errors?.[0]?.message).toMatch(/Query depth limit of 15/);

    // The 100 KB operation that froze the process: refused by its size.
    const huge = `{ ${Array.from({ length: 2000 }, (_, i) => `a${i}: advisory(publicId: "SA-2026-0001") { csaf }`).join(' ')} }`;
    const r3 = await app.anonymous.gql(huge);
    expect(codes(r3)).toEqual(['OPERATION_LIMIT']);
    expect(r3.errors?.[0]?.message).toMatch(/Token limit of 5000/);

    const r4 = await w.analyst.gql(`{ __typename ${'@include(if: true) '.repeat(51)} }`);
    expect(codes(r4)).toContain('OPERATION_LIMIT');
    // Refused before any context was built: not even a token was looked up.
    expect(app.queryCount()).toBe(0);
  });

  it('refuses an operation whose estimated cost is over the limit, and serves the README dashboard', async () => {
    const costly = await w.analyst.gql(
      '{ cases(first: 1000) { edges { node { reports { messages { body } } impacts { product { key } } } } } }',
    );
    expect(codes(costly)).toEqual(['OPERATION_LIMIT']);
    expect(costly.errors?.[0]?.message).toMatch(/estimated cost is \d+, over the limit of 50000/);
    expect(costly.data ?? null).toBeNull();

    const dashboard = await w.analyst.gql(DASHBOARD_QUERY, { first: 100 });
    expect(dashboard.errors).toBeUndefined();
    expect(dashboard.data?.cases.totalCount).toBeGreaterThanOrEqual(0);
  });

  it('refuses a request body over 1 MiB with 413 before reading it, declared or streamed', async () => {
    const pad = 'x'.repeat(20 * 1024 * 1024);
    const big = await fetch(app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }', variables: { pad } }),
    });
    expect(big.status).toBe(413);
    expect(await big.json()).toEqual({
      errors: [{ message: expect.stringMatching(/over 1048576 bytes/), extensions: { code: 'OPERATION_LIMIT' } }],
    });
    // Without a Content-Length (chunked): refused once it goes past the limit.
    const chunks = async function* () {
      yield Buffer.from(`{"query":"{ __typename }","variables":{"pad":"`);
      for (let i = 0; i < 40; i++) yield Buffer.alloc(64 * 1024, 120);
      yield Buffer.from('"}}');
    };
    const streamed = await fetch(app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Readable.toWeb(Readable.from(chunks())),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    // Just under the limit is an operation like any other.
    const fine = await fetch(app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }', extensions: { pad: 'x'.repeat(1000 * 1024) } }),
    });
    expect([fine.status, await fine.json()]).toEqual([200, { data: { __typename: 'Query' } }]);
  });

  it('answers a 5,000-deep list literal as a client error, never INTERNAL', async () => {
    for (const depth of [5000, 2400, 1200]) {
      const r = await app.anonymous.gql(`{ cvss(vector: ${'['.repeat(depth)}"x"${']'.repeat(depth)}) { score } }`);
      expect(r.status, `depth ${depth}`).toBeLessThan(500);
      expect(r.errors?.length).toBeGreaterThan(0);
      expect(codes(r), `depth ${depth}: ${r.errors?.[0]?.message}`).not.toContain('INTERNAL');
      // Too deep for the parser: OPERATION_LIMIT; shallower, GraphQL's own type error.
      if (depth >= 2400) expect(codes(r)).toEqual(['OPERATION_LIMIT']);
      else expect(r.errors?.[0]?.message).toMatch(/String cannot represent a non string value/);
    }
  });

  it('cancels a query past its time budget with TIMEOUT; mutations are not cut short', async () => {
    await using slow = await startTestApp({ limits: { timeoutMs: 1 } });
    await seedDashboard(slow.db.prisma, 200);
    const admin = await slow.login('ADMIN');
    const r = await admin.gql(DASHBOARD_QUERY, { first: 100 });
    expect(codes(r)).toContain('TIMEOUT');
    expect(r.errors?.[0]?.message).toMatch(/budget/);
    const sub = await slow.anonymous.gql(SUBMIT, { input: reportInput() });
    expect(sub.errors).toBeUndefined();
    expect(sub.data?.submitVulnerabilityReport.reporterToken).toMatch(/^psirt_/);
  });
});

describe(`introspection and suggestions (${dialect})`, () => {
  it('serves introspection to staff only when PSIRT_INTROSPECTION is off, and hides field suggestions', async () => {
    const anon = await app.anonymous.gql(getIntrospectionQuery());
    expect(codes(anon)).toEqual(['FORBIDDEN']);
    expect(anon.data ?? null).toBeNull();
    const typeProbe = await app.anonymous.gql('{ __type(name: "AnalysisCase") { fields { name } } }');
    expect(codes(typeProbe)).toEqual(['FORBIDDEN']);
    expect((await app.anonymous.gql('{ __typename }')).data).toEqual({ __typename: 'Query' });

    const staff = await w.committee.gql(getIntrospectionQuery());
    expect(staff.errors).toBeUndefined();
    expect(staff.data?.__schema.queryType.name).toBe('Query');

    const typo = await app.anonymous.gql('{ advisorie(publicId: "x") { id } }');
    expect(typo.errors?.[0]?.message).not.toMatch(/Did you mean/);
  });

  it('counts and costs introspection: one __schema an operation, a few __type, nothing nested without end', async () => {
    // Twenty aliased __schema answered 930 KB; now refused before anything runs, for staff too.
    const aliased = `{ ${Array.from({ length: 20 }, (_, i) => `s${i}: __schema { types { name fields { name } } }`).join(' ')} }`;
    const many = await w.committee.gql(aliased);

    expect(codes(many)).toEqual(['OPERATION_LIMIT']);
    expect(many.errors?.[0]?.message).toMatch(/20 __schema fields in one operation/);
    const types = `{ ${Array.from({ length: 21 }, (_, i) => `t${i}: __type(name: "AnalysisCase") { name }`).join(' ')} }`;
    expect((await w.committee.gql(types)).errors?.[0]?.message).toMatch(/21 __type fields in one operation/);
    // Nested lists: graphql-js's own rule stops a fourth level of fields.
    let chain = 'name';
    for (let i = 0; i < 4; i++) chain = `name fields { name type { ${chain} } }`;
    expect(codes(await w.committee.gql(`{ __schema { types { ${chain} } } }`))).toContain('GRAPHQL_VALIDATION_FAILED');
    // Wide instead of deep: every type's fields asked for 25 times over, in one __schema.
    const wide = Array.from({ length: 25 }, (_, i) => `f${i}: fields { name args { name } type { name kind } }`);
    const deep = await w.committee.gql(`{ __schema { types { name ${wide.join(' ')} } } }`);
    expect(codes(deep)).toEqual(['OPERATION_LIMIT']);
    expect(deep.errors?.[0]?.message).toMatch(
      /estimated at \d+, over the limit of \d+ \(twice GraphiQL's whole query\)/,
    );
    // GraphiQL's own query, and a code generator's handful of types, still go through.
    expect((await w.committee.gql(getIntrospectionQuery())).errors).toBeUndefined();
    const few = await w.committee.gql(
      '{ a: __type(name: "AnalysisCase") { fields { name } } b: __type(name: "Advisory") { name } }',
    );
    expect(few.errors).toBeUndefined();
  });

  it('keeps introspection for staff when no setting turns it on for everyone', async () => {
    await using plain = await startTestApp();
    expect(codes(await plain.anonymous.gql('{ __schema { queryType { name } } }'))).toEqual(['FORBIDDEN']);
    const staff = await plain.login('AUDITOR');
    expect((await staff.gql('{ __schema { queryType { name } } }')).data).toEqual({
      __schema: { queryType: { name: 'Query' } },
    });
    await using open = await startTestApp({ introspection: true });
    expect((await open.anonymous.gql('{ __schema { queryType { name } } }')).errors).toBeUndefined();
  });
});

describe(`the browser surface (${dialect})`, () => {
  it('answers CORS only for allowed origins, never with credentials', async () => {
    const ask = (origin: string) =>
      fetch(app.url, {
        method: 'POST',
        headers: { origin, 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
    const evil = await ask('https://evil.example');
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    expect(evil.headers.get('access-control-allow-credentials')).toBeNull();
    const ok = await ask('https://dashboard.example.com');
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://dashboard.example.com');
    expect(ok.headers.get('access-control-allow-credentials')).toBeNull();
    const preflight = await fetch(app.url, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://evil.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses GraphQL posted as a form, multipart or text/plain (what browsers send cross-site unasked)', async () => {
    const before = await reportCount();
    const mutation = `mutation { submitVulnerabilityReport(input: { title: "csrf", description: "from a form", reporter: {} }) { publicId } }`;
    const form = new URLSearchParams({ query: mutation });
    const multipart = new FormData();
    multipart.set('operations', JSON.stringify({ query: mutation }));
    multipart.set('map', '{}');
    for (const body of [form, multipart, JSON.stringify({ query: mutation })]) {
      const res = await fetch(app.url, {
        method: 'POST',
        headers: typeof body === 'string' ? { 'content-type': 'text/plain;charset=UTF-8' } : {},
        body,
      });
      expect(res.status).toBe(415);
      const json = (await res.json()) as { errors: { extensions: { code: string } }[] };
      expect(json.errors[0]?.extensions.code).toBe('VALIDATION');
    }
    expect(await reportCount()).toBe(before);
  });

  it('serves GraphiQL with a strict Content-Security-Policy and no framing', async () => {
    await using withGraphiql = await startTestApp({ graphiql: true });
    {
      const res = await fetch(withGraphiql.url, { headers: { accept: 'text/html' } });
      expect(res.status).toBe(200);
      const page = await res.text();
      expect(page).toContain('<html');
      const csp = res.headers.get('content-security-policy') ?? '';
      // Every inline script of the page as served is allowed by its hash (else GraphiQL would not run).
      const scripts = [...page.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)];
      expect(scripts.length).toBeGreaterThan(0);
      for (const [, body] of scripts) {
        expect(csp).toContain(
          `'sha256-${createHash('sha256')
            .update(body ?? '')
            .digest('base64')}'`,
        );
      }
      expect(page).not.toMatch(/<script[^>]*\bsrc=["']https?:/);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("default-src 'none'");
      expect(csp).toMatch(/script-src 'sha256-/);
      expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
      expect(res.headers.get('x-frame-options')).toBe('DENY');
    }
  });
});

describe(`input rules (${dialect})`, () => {
  it('refuses NUL and other control characters as VALIDATION naming the field, in variables and literals', async () => {
    const before = await reportCount();
    const v = await app.anonymous.gql(SUBMIT, { input: reportInput({ description: 'before\u0000after' }) });
    expect(codes(v)).toEqual(['VALIDATION']);
    expect(v.errors?.[0]?.extensions?.field).toBe('input.description');
    const nested = await app.anonymous.gql(SUBMIT, {
      input: reportInput({ reporter: { name: 'Bell\u0007', email: 'b@example.org' } }),
    });
    expect(nested.errors?.[0]?.extensions?.field).toBe('input.reporter.name');
    const surrogate = await app.anonymous.gql(SUBMIT, { input: reportInput({ title: 'lone \ud800 surrogate' }) });
    expect(codes(surrogate)).toEqual(['VALIDATION']);
    expect(await reportCount()).toBe(before);

    const { caseId } = await openCaseFor(w);
    const note = await w.analyst.gql(`mutation { addCaseNote(caseId: "${caseId}", text: "a\\u0000b") { id } }`);
    expect(codes(note)).toEqual(['VALIDATION']);
    expect(note.errors?.[0]?.extensions?.field).toBe('text');
    // Tabs and new lines are text.
    const fine = await w.analyst.gql(
      'mutation($c: String!, $t: String!) { addCaseNote(caseId: $c, text: $t) { id } }',
      {
        c: caseId,
        t: 'line one\n\tline two\r\n',
      },
    );
    expect(fine.errors).toBeUndefined();
  });

  it('refuses several submissions in one request before any is stored, so no reporter token is lost', async () => {
    const before = await reportCount();
    const many = `mutation { ${Array.from(
      { length: 30 },
      (_, i) =>
        `s${i}: submitVulnerabilityReport(input: { title: "t${i}", description: "d", reporter: {} }) { publicId reporterToken }`,
    ).join(' ')} }`;
    const r = await app.anonymous.gql(many);
    expect(codes(r)).toEqual(['VALIDATION']);
    expect(r.errors?.[0]?.message).toMatch(/only field of its request/);
    const mixed = await w.analyst.gql(
      'mutation { a: submitVulnerabilityReport(input: { title: "t", description: "d", reporter: {} }) { publicId } b: setSlaPolicy(updateEveryDays: -1) { updateEveryDays } }',
    );
    expect(codes(mixed)).toEqual(['VALIDATION']);
    expect(await reportCount()).toBe(before);
    const one = await app.anonymous.gql(
      'mutation($input: SubmitVulnerabilityReportInput!) { submitVulnerabilityReport(input: $input) { publicId reporterToken } __typename }',
      { input: reportInput() },
    );
    expect(one.errors).toBeUndefined();
    expect(one.data?.submitVulnerabilityReport.reporterToken).toMatch(/^psirt_/);
  });

  it('refuses a date the database cannot hold (year 0000, 10000, 275760) as VALIDATION, in variables and literals', async () => {
    const { caseId } = await openCaseFor(w);
    const bad = ['0000-01-01T00:00:00Z', '+010000-01-01T00:00:00Z', '+275760-09-13T00:00:00Z'];
    const paths: [string, (d: string) => Record<string, unknown>][] = [
      ['query($d: DateTime!) { cases(first: 1, filter: { embargoBefore: $d }) { totalCount } }', (d) => ({ d })],
      [
        'mutation($c: String!, $d: DateTime!) { updateCase(input: { caseId: $c, embargoUntil: $d }) { id } }',
        (d) => ({ c: caseId, d }),
      ],
      [
        'mutation($c: String!, $d: DateTime!) { recordCertNotification(caseId: $c, organization: "CERT-Bund", notifiedAt: $d) { id } }',
        (d) => ({ c: caseId, d }),
      ],
      [
        'mutation($c: String!, $d: DateTime!) { setProductImpact(input: { caseId: $c, product: "gateway", status: AFFECTED, fixEta: $d }) { id } }',
        (d) => ({ c: caseId, d }),
      ],
    ];
    for (const [query, vars] of paths) {
      for (const d of bad) {
        const r = await w.analyst.gql(query, vars(d));
        expect(codes(r), `${d}: ${query}: ${r.errors?.[0]?.message}`).toEqual(['VALIDATION']);
        expect(r.errors?.[0]?.message).toMatch(/\$d.*0001-01-01 to 9999-12-31/);
      }
    }
    const literal = await w.analyst.gql(
      `mutation { updateCase(input: { caseId: "${caseId}", embargoUntil: "0000-06-01T00:00:00Z" }) { id } }`,
    );
    // In the document itself: the document fails GraphQL's validation, with the same words.
    expect(codes(literal), literal.errors?.[0]?.message).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(literal.errors?.[0]?.message).toMatch(/0001-01-01 to 9999-12-31/);
    // The bounds themselves are dates.
    const ok = await w.analyst.gql(paths[0]?.[0] ?? '', { d: '9999-12-31T23:59:59.999Z' });
    expect(ok.errors).toBeUndefined();
  });

  it('answers an invalid global ID or cursor with VALIDATION', async () => {
    const id = await w.analyst.gql('{ node(id: "not-a-global-id") { id } }');
    expect(codes(id)).toEqual(['VALIDATION']);
    expect(id.errors?.[0]?.message).toMatch(/Invalid global ID/);
    const cursor = await w.analyst.gql('{ cases(first: 1, after: "bm90IGEgY3Vyc29y") { totalCount } }');
    expect(codes(cursor)).toEqual(['VALIDATION']);
  });
});

async function openCaseFor(world: World) {
  const sub = await app.anonymous.gql(SUBMIT, { input: reportInput() });
  const acc = await world.analyst.gql('mutation($r: String!) { acceptReport(reportId: $r) { publicId } }', {
    r: sub.data?.submitVulnerabilityReport.publicId,
  });
  return { caseId: acc.data?.acceptReport.publicId as string };
}
