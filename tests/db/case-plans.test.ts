// Every ordering `cases` offers is served by an index: a page is read in
// order and the scan stops after it, never a sort of the whole table (which
// grows with the table, and was 4.6 ms of a 5 ms page at 20,000 cases). The
// statements are the ones Prisma sends for graph/case-query.ts's ORDER, with
// the planner told to avoid sequential scans and sorts wherever it can: a
// Sort left in the plan means no index gives that order.
import { schema } from '@psirt/api';
import type { GraphQLEnumType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, dialect, type TestDatabase } from '../support/db.ts';

const PAGE = 'LIMIT 51';
const ORDERINGS: Record<string, string> = {
  CREATED_DESC: 'ORDER BY created_at DESC, id DESC',
  CREATED_ASC: 'ORDER BY created_at ASC, id ASC',
  UPDATED_DESC: 'ORDER BY updated_at DESC, id DESC',
  EMBARGO_ASC: 'ORDER BY embargo_until ASC NULLS LAST, id ASC',
  SEVERITY_DESC: 'ORDER BY severity_score DESC NULLS LAST, id DESC',
};

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.[Symbol.asyncDispose]();
});

async function plan(sql: string): Promise<string> {
  return db.prisma.$transaction(async (tx) => {
    await tx.$executeRawUnsafe('SET LOCAL enable_seqscan = off');
    await tx.$executeRawUnsafe('SET LOCAL enable_sort = off');
    const rows = await tx.$queryRawUnsafe<{ 'QUERY PLAN': string }[]>(`EXPLAIN ${sql}`);
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  });
}

describe(`the plans of the case list (${dialect})`, () => {
  it('covers every ordering the API offers', () => {
    // A new CaseOrder value without a plan checked here fails this test.
    const offered = (schema.getType('CaseOrder') as GraphQLEnumType).getValues().map((v) => v.name);
    expect(Object.keys(ORDERINGS).sort()).toEqual([...offered].sort());
  });

  for (const [name, order] of Object.entries(ORDERINGS)) {
    it(`reads ${name} from an index, without sorting`, async () => {
      const p = await plan(`SELECT id FROM analysis_case ${order} ${PAGE}`);
      expect(p).toMatch(/Index (Only )?Scan/);
      expect(p).not.toMatch(/Sort/);
    });
  }

  it('reads the cases in some states, most recently updated first, from an index', async () => {
    const p = await plan(
      `SELECT id FROM analysis_case WHERE state = 'ANALYSIS'::"CaseState" ORDER BY updated_at DESC, id DESC ${PAGE}`,
    );
    expect(p).toMatch(/Index (Only )?Scan using analysis_case_state_updated_at_id_idx/);
    expect(p).not.toMatch(/Sort/);
  });
});
