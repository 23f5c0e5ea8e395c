// A Product Security Prime reads the cases of their product line's products
// (they are put on those cases' teams) and no others: the case list's page and
// its totalCount are one SQL predicate (access.ts caseVisibilitySql), so a
// count, a filter, an order or a cursor cannot reveal that another line's
// cases exist.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, startTestApp, type TestApp } from '../support/app.ts';
import { dialect } from '../support/db.ts';
import { makeWorld, openCase, type World } from '../support/world.ts';

let app: TestApp;
let w: World;
const opened: Record<'grid' | 'building' | 'both', string[]> = { grid: [], building: [], both: [] };

beforeAll(async () => {
  app = await startTestApp({ submissionsPerHour: 1000 });
  w = await makeWorld(app);
  for (let i = 0; i < 5; i++) opened.grid.push((await openCase(app, w, [i % 2 ? 'gateway' : 'rtu'])).caseId);
  for (let i = 0; i < 4; i++) opened.building.push((await openCase(app, w, ['bms'])).caseId);
  opened.both.push((await openCase(app, w, ['gateway', 'bms'])).caseId);
});
afterAll(() => app?.[Symbol.asyncDispose]());

const PAGE = `query($first: Int!, $after: String, $filter: CaseFilter, $orderBy: CaseOrder) {
  cases(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { publicId } }
  }
}`;

/** Every page of the list, two at a time: the ids seen and each page's totalCount. */
async function walk(client: Client, variables: Record<string, unknown> = {}) {
  const ids: string[] = [];
  const counts = new Set<number>();
  let after: string | undefined;
  for (;;) {
    const res = await client.gql(PAGE, { first: 2, after, ...variables });
    expect(res.errors).toBeUndefined();
    const page = res.data?.cases;
    counts.add(page.totalCount);
    ids.push(...page.edges.map((e: { node: { publicId: string } }) => e.node.publicId));
    if (!page.pageInfo.hasNextPage) break;
    after = page.pageInfo.endCursor;
  }
  return { ids, counts: [...counts] };
}

describe(`the case list of a Prime of one product line (${dialect})`, () => {
  const cases = [
    ['the grid Prime', () => w.gridPrime, () => [...opened.grid, ...opened.both]],
    ['the building Prime', () => w.buildingPrime, () => [...opened.building, ...opened.both]],
  ] as const;

  for (const [who, client, theirs] of cases) {
    it(`shows ${who} their line's cases, and counts no others, in every order and filter`, async () => {
      for (const orderBy of ['CREATED_DESC', 'CREATED_ASC', 'UPDATED_DESC', 'EMBARGO_ASC', 'SEVERITY_DESC']) {
        const { ids, counts } = await walk(client(), { orderBy });
        expect(new Set(ids), orderBy).toEqual(new Set(theirs()));
        expect(ids, `${orderBy}: no case twice`).toHaveLength(theirs().length);
        expect(counts, `${orderBy}: totalCount`).toEqual([theirs().length]);
      }
      // Filters narrow what they may see; naming another line's products or line finds nothing of it.
      for (const filter of [
        { states: ['ANALYSIS'] },
        { products: ['gateway', 'rtu', 'bms'] },
        { productLine: 'grid' },
        { productLine: 'building' },
        { search: 'VAR-' },
      ]) {
        const { ids, counts } = await walk(client(), { filter });
        for (const id of ids) expect(theirs(), JSON.stringify(filter)).toContain(id);
        expect(counts, JSON.stringify(filter)).toEqual([ids.length]);
      }
    });
  }

  it('gives an empty page from a cursor on a case the viewer may not read: where it sorts is not theirs to learn', async () => {
    // The analyst's cursor for a building case, handed to the grid Prime. After it, in this order,
    // come the other building cases and one case of both lines, which the grid Prime does read.
    const all = await w.analyst.gql(
      `query { cases(first: 50, orderBy: CREATED_ASC) { edges { cursor node { publicId } } } }`,
    );
    const cursor = all.data?.cases.edges.find(
      (e: { node: { publicId: string } }) => e.node.publicId === opened.building[0],
    ).cursor;
    const res = await w.gridPrime.gql(PAGE, { first: 50, after: cursor, orderBy: 'CREATED_ASC' });
    expect(res.errors).toBeUndefined();
    expect(res.data?.cases.edges).toEqual([]);
    expect(res.data?.cases.pageInfo.hasNextPage).toBe(false);
    // The same cursor from the analyst's own page goes on.
    const own = await w.analyst.gql(PAGE, { first: 50, after: cursor, orderBy: 'CREATED_ASC' });
    expect(own.data?.cases.edges.length).toBeGreaterThan(0);
  });
});
