// The dashboard query costs the same number of SQL statements for 5 cases as
// for 50: relations load in batches, never one query per case.

import { issueUserToken } from '@psirt/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { DASHBOARD_QUERY, seedDashboard } from '../support/dashboard.ts';
import { dialect } from '../support/db.ts';

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
  await seedDashboard(app.db.prisma, 60);
});
afterAll(() => app?.[Symbol.asyncDispose]());

describe(`batching (${dialect})`, () => {
  it('runs the dashboard query in a number of statements independent of the page size', async () => {
    const analyst = await app.login('ANALYST');
    // A member (not the PSIRT) exercises the per-case need-to-know checks too.
    const member = await app.db.prisma.user.findUniqueOrThrow({ where: { email: 'bench-1@bench.example' } });
    const memberClient = {
      ...app.client((await issueUserToken(app.db.prisma, { userId: member.id, name: 't' })).secret),
      userId: member.id,
    };
    // A token's first use records when (at most once a minute, off the request's path): wait for that write.
    const used = async (userId: string) =>
      (await app.db.prisma.apiToken.findFirstOrThrow({ where: { userId } })).lastUsedAt !== null;

    for (const [n, client] of [analyst, memberClient].entries()) {
      // A document of its own per client, so that each one's first run is interpreted.
      const query = `${DASHBOARD_QUERY}\n# client ${n}`;
      const counts: Record<number, number> = {};
      const statements: Record<number, string[]> = {};
      for (const first of [5, 50]) {
        // Settle one-off work first (a token's first use records lastUsedAt, off the request path;
        // whatever else a first run does once). CI on PostgreSQL once counted 12 statements for 5
        // cases against 16 for 50 without this; the statements are printed if they differ again.
        // The first run of a document is interpreted by graphql-js, the next ones run
        // compiled (server/compiled.ts): the answers must be the same.
        const interpreted = await client.gql(query, { first });
        await expect.poll(() => used(client.userId)).toBe(true);
        app.queryCount();
        const from = app.db.queries.length;
        const res = await client.gql(query, { first });
        counts[first] = app.queryCount();
        expect(res.data).toEqual(interpreted.data);
        // graphql-jit reports every failed field of an object whose non-null field failed, graphql-js
        // the first: the same objects fail, for the same reason, and each error says where it is.
        const failed = (errors: typeof res.errors) =>
          [
            ...new Set(
              (errors ?? []).map((e) => `${e.path?.slice(0, -1).join('.')}: ${e.extensions?.code} ${e.message}`),
            ),
          ].sort();
        expect(failed(res.errors)).toEqual(failed(interpreted.errors));
        for (const e of res.errors ?? []) expect(e.locations).toHaveLength(1);
        statements[first] = app.db.queries.slice(from).map((q) => q.replace(/\s+/g, ' ').slice(0, 160));
        // Reporters are PSIRT-only: the member gets FORBIDDEN there, and only there.
        if (client === analyst) expect(res.errors).toBeUndefined();
        else for (const e of res.errors ?? []) expect(e.path).toContain('reporter');
        expect(res.data?.cases.edges).toHaveLength(first);
        const node = res.data?.cases.edges[0].node;
        expect(node.impacts).toHaveLength(3);
        expect(node.members).toHaveLength(4);
        expect(node.scores.length).toBeGreaterThanOrEqual(4);
        expect(node.nextUpdateDue).toBeTruthy();
      }
      expect(counts[50], JSON.stringify({ counts, statements }, null, 1)).toBe(counts[5]);
      expect(counts[50]).toBeLessThan(25);
    }
  });
});
