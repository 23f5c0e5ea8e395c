// What a signed-in staff member sees of the product catalogue and themselves.
import { seedDemo } from '@psirt/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { dialect } from '../support/db.ts';

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
  await seedDemo(app.db.prisma);
});
afterAll(() => app?.[Symbol.asyncDispose]());

describe(`catalogue and viewer (${dialect})`, () => {
  it('shows the viewer their own roles', async () => {
    const pss = await app.login('PRODUCT_SECURITY_SPECIALIST', 'COMMITTEE_MEMBER');
    const res = await pss.gql('{ viewer { name roles } }');
    expect(res.data?.viewer.roles).toEqual(['PRODUCT_SECURITY_SPECIALIST', 'COMMITTEE_MEMBER']);
  });

  it('lists product lines with products, versions and their security team, in a bounded number of queries', async () => {
    const analyst = await app.login('ANALYST');
    app.queryCount();
    const res = await analyst.gql(`{
      productLines {
        key name
        products { key name versions { version } }
        members { role user { name } }
      }
    }`);
    expect(res.errors).toBeUndefined();
    const lines = res.data?.productLines as { key: string; products: unknown[]; members: unknown[] }[];
    expect(lines.map((l) => l.key)).toEqual(['building-controls', 'grid-automation', 'industrial-networking']);
    const grid = lines.find((l) => l.key === 'grid-automation');
    expect(grid?.products).toEqual([
      {
        key: 'gridlink-gateway',
        name: 'GridLink Gateway',
        versions: [{ version: '4.1.0' }, { version: '4.2.0' }, { version: '4.2.1' }],
      },
      {
        key: 'rtu-500',
        name: 'RTU500 Remote Terminal Unit',
        versions: [{ version: '12.7' }, { version: '13.2' }, { version: '13.4' }],
      },
    ]);
    expect(grid?.members).toEqual(
      expect.arrayContaining([
        { role: 'PRIME', user: { name: 'Priya Prime' } },
        { role: 'SPECIALIST', user: { name: 'Sam Specialist' } },
      ]),
    );
    // One query for the token, at most one or two per level: never one per row.
    expect(app.queryCount()).toBeLessThanOrEqual(8);
  });

  it('pages through products and filters by product line', async () => {
    const psp = await app.login('PRODUCT_SECURITY_PRIME');
    const q = `query($after: String, $line: String) {
      products(first: 2, after: $after, productLine: $line) { pageInfo { hasNextPage endCursor } edges { node { key productLine { key } } } }
    }`;
    const first = await psp.gql(q);
    expect(first.data?.products.edges.map((e: { node: { key: string } }) => e.node.key)).toEqual([
      'bms-c300',
      'gridlink-gateway',
    ]);
    expect(first.data?.products.pageInfo.hasNextPage).toBe(true);
    const second = await psp.gql(q, { after: first.data?.products.pageInfo.endCursor });
    expect(second.data?.products.edges.map((e: { node: { key: string } }) => e.node.key)).toEqual(['is-24', 'rtu-500']);
    const grid = await psp.gql(q, { line: 'grid-automation' });
    expect(grid.data?.products.edges.map((e: { node: { key: string } }) => e.node.key)).toEqual([
      'gridlink-gateway',
      'rtu-500',
    ]);
  });

  it('resolves a product by node(id:) for staff', async () => {
    const analyst = await app.login('ANALYST');
    const list = await analyst.gql('{ products(first: 1) { edges { node { id name } } } }');
    const { id, name } = list.data!.products.edges[0].node;
    const res = await analyst.gql('query($id: ID!) { node(id: $id) { ... on Product { name } } }', { id });
    expect(res.data?.node).toEqual({ name });
  });
});
