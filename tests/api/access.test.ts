// Authentication and authorization at the API boundary: who may see what, and
// what a refused caller is told (a typed code, never a stack trace or a hint
// about whether a record exists).
import { issueUserToken } from '@psirt/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { dialect } from '../support/db.ts';

let app: TestApp;
let reporterId: string;

beforeAll(async () => {
  app = await startTestApp();
  const reporter = await app.db.prisma.reporter.create({
    data: { kind: 'RESEARCHER', name: 'Rhea Reporter', email: 'rhea@example.org', confidential: true },
  });
  reporterId = Buffer.from(`Reporter:${reporter.id}`).toString('base64');
});
afterAll(() => app?.[Symbol.asyncDispose]());

const REPORTERS = '{ reporters(first: 10) { edges { node { id name email confidential } } } }';

describe(`access control (${dialect})`, () => {
  it('refuses an anonymous caller with UNAUTHENTICATED and no data', async () => {
    const res = await app.anonymous.gql(REPORTERS);
    expect(res.data).toBeNull();
    expect(res.errors).toEqual([
      expect.objectContaining({ path: ['reporters'], extensions: { code: 'UNAUTHENTICATED' } }),
    ]);
    expect(
      (await app.anonymous.gql('{ products(first: 1) { edges { node { name } } } }')).errors?.[0]?.extensions?.code,
    ).toBe('UNAUTHENTICATED');
  });

  it('tells an anonymous viewer who they are: nobody', async () => {
    const res = await app.anonymous.gql('{ viewer { id } }');
    expect(res).toMatchObject({ status: 200, data: { viewer: null } });
  });

  it('refuses a staff member without the role with FORBIDDEN', async () => {
    const committee = await app.login('COMMITTEE_MEMBER');
    const res = await committee.gql(REPORTERS);
    expect(res.data).toBeNull();
    expect(res.errors?.[0]).toMatchObject({
      message: 'Your roles do not allow this.',
      extensions: { code: 'FORBIDDEN' },
    });
  });

  it('lets analysts and admins read reporters, and auditors all but a confidential identity', async () => {
    for (const role of ['ANALYST', 'ADMIN'] as const) {
      const staff = await app.login(role);
      const res = await staff.gql(REPORTERS);
      expect(res.errors, role).toBeUndefined();
      expect(res.data?.reporters.edges).toEqual([
        { node: { id: reporterId, name: 'Rhea Reporter', email: 'rhea@example.org', confidential: true } },
      ]);
    }
    const auditor = await app.login('AUDITOR');
    const res = await auditor.gql(REPORTERS);
    expect(res.data?.reporters.edges).toEqual([
      { node: { id: reporterId, name: null, email: null, confidential: true } },
    ]);
    expect(res.errors?.map((e) => [e.path?.at(-1), e.extensions?.code])).toEqual([
      ['name', 'FORBIDDEN'],
      ['email', 'FORBIDDEN'],
    ]);
  });

  it('answers node(id:) for a record the viewer may not read exactly as for one that does not exist', async () => {
    const query = 'query($id: ID!) { node(id: $id) { id ... on Reporter { name } } }';
    const missing = Buffer.from('Reporter:019a0000-0000-7000-8000-000000000000').toString('base64');
    const garbage = Buffer.from('Reporter:not-a-uuid').toString('base64');
    const committee = await app.login('COMMITTEE_MEMBER');
    for (const client of [app.anonymous, committee]) {
      const hidden = await client.gql(query, { id: reporterId });
      const absent = await client.gql(query, { id: missing });
      expect(hidden).toEqual(absent);
      expect(hidden).toMatchObject({ data: { node: null } });
      expect(hidden.errors).toBeUndefined();
    }
    const analyst = await app.login('ANALYST');
    expect((await analyst.gql(query, { id: reporterId })).data).toEqual({
      node: { id: reporterId, name: 'Rhea Reporter' },
    });
    expect(await analyst.gql(query, { id: garbage })).toMatchObject({ data: { node: null } });
  });

  it('answers each nodes(ids:) slot with its own id’s record, and a hidden one with null in either order', async () => {
    const query = 'query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Reporter { name } ... on Product { key } } }';
    const line = await app.db.prisma.productLine.create({ data: { key: 'nodes-probe', name: 'Nodes probe' } });
    const product = await app.db.prisma.product.create({
      data: { key: 'nodes-probe', name: 'Nodes probe', productLineId: line.id },
    });
    const productId = Buffer.from(`Product:${product.id}`).toString('base64');
    const other = await app.db.prisma.reporter.create({ data: { kind: 'CUSTOMER', name: 'Otto Other' } });
    const otherId = Buffer.from(`Reporter:${other.id}`).toString('base64');
    const committee = await app.login('COMMITTEE_MEMBER');
    // The committee reads products, not reporters: the reporter's slot is null whichever comes first.
    for (const ids of [
      [reporterId, productId],
      [productId, reporterId],
    ]) {
      const res = await committee.gql(query, { ids });
      expect(res.errors).toBeUndefined();
      expect(res.data?.nodes).toEqual(
        ids.map((id) => (id === productId ? { id: productId, key: 'nodes-probe' } : null)),
      );
    }
    // Nobody anonymous reads either.
    expect((await app.anonymous.gql(query, { ids: [reporterId, productId] })).data).toEqual({ nodes: [null, null] });
    const analyst = await app.login('ANALYST');
    expect((await analyst.gql(query, { ids: [otherId, reporterId, productId, otherId] })).data?.nodes).toEqual([
      { id: otherId, name: 'Otto Other' },
      { id: reporterId, name: 'Rhea Reporter' },
      { id: productId, key: 'nodes-probe' },
      { id: otherId, name: 'Otto Other' },
    ]);
  });

  it('rejects malformed, unknown, revoked and expired tokens alike, with HTTP 401', async () => {
    const user = await app.db.prisma.user.create({
      data: { email: 'tok@test.example', name: 'Tok', roles: ['ANALYST'] },
    });
    const revoked = await issueUserToken(app.db.prisma, { userId: user.id, name: 'revoked' });
    await app.db.prisma.apiToken.update({ where: { id: revoked.id }, data: { revokedAt: new Date() } });
    const expired = await issueUserToken(app.db.prisma, {
      userId: user.id,
      name: 'old',
      expiresAt: new Date(Date.now() - 1000),
    });
    const tokens = ['nonsense', `psirt_${'x'.repeat(43)}`, revoked.secret, expired.secret];
    for (const token of tokens) {
      const res = await app.client(token).gql('{ viewer { id } }');
      expect(res.status, token).toBe(401);
      expect(res.errors).toEqual([
        { message: 'The API token is invalid, expired or revoked.', extensions: { code: 'UNAUTHENTICATED' } },
      ]);
    }
    const res = await fetch(app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Basic dXNlcjpwYXNz' },
      body: JSON.stringify({ query: '{ viewer { id } }' }),
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe(
      'UNAUTHENTICATED',
    );
  });

  it('stops accepting the token of a disabled user', async () => {
    const staff = await app.login('ANALYST');
    expect((await staff.gql('{ viewer { name } }')).errors).toBeUndefined();
    await app.db.prisma.user.update({ where: { id: staff.userId }, data: { disabledAt: new Date() } });
    expect((await staff.gql('{ viewer { name } }')).status).toBe(401);
  });

  it('masks unexpected errors: no stack, no internals, a code', async () => {
    const admin = await app.login('ADMIN');
    // Break the database under the API: the resolver fails in an unplanned way.
    await app.db.prisma.$executeRawUnsafe('ALTER TABLE "product_line" RENAME TO "product_line_gone"');
    try {
      const res = await admin.gql('{ productLines { name } }');
      expect(res.errors).toEqual([
        expect.objectContaining({ message: 'Unexpected error.', extensions: { code: 'INTERNAL' } }),
      ]);
      expect(JSON.stringify(res)).not.toMatch(/product_line_gone|prisma|stack|at .*\.ts/i);
    } finally {
      await app.db.prisma.$executeRawUnsafe('ALTER TABLE "product_line_gone" RENAME TO "product_line"');
    }
  });

  it('reports syntax errors as they are, with a location', async () => {
    const res = await app.anonymous.gql('{ viewer { ');
    expect(res.errors?.[0]?.message).toMatch(/Syntax Error/);
  });
});
