// Each client's share of the instance, over real HTTP: a client's heavy pages
// wait behind each other, its queue has an end (RATE_LIMITED, 429, Retry-After),
// and another client is not held up by them. The first page is held in the
// database (a table lock taken by the test) so that what waits is known.
import type { DB } from '@psirt/db';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { seedDashboard } from '../support/dashboard.ts';
import { dialect } from '../support/db.ts';

let app: TestApp;
beforeAll(async () => {
  // One heavy page at a time per client (a page of 20 cases with timelines costs 281), one waiting.
  app = await startTestApp({ clientBudget: { perClient: 300, total: 100_000, cheap: 100, queue: 1 } });
  await seedDashboard(app.db.prisma, 5);
});
afterAll(() => app?.[Symbol.asyncDispose]());

const PAGE = '{ cases(first: 20) { edges { node { publicId timeline { type } } } } }';

async function until(ok: () => boolean) {
  while (!ok()) await new Promise((r) => setTimeout(r, 5));
}

describe(`each client's share (${dialect})`, () => {
  it('queues one client’s heavy pages behind each other, refuses past its queue, and lets others through', async () => {
    const analyst = await app.login('ANALYST');
    const other = await app.login('ANALYST');
    for (const c of [analyst, other]) expect((await c.gql('{ viewer { id } }')).errors).toBeUndefined();
    let release!: () => void;
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const released = new Promise<void>((r) => (release = r));
    // The pages' reads are held, not the token checks before them. PostgreSQL: a lock on the cases'
    // table. PGlite (one session, where a transaction would hold every statement): the typed SQL
    // reader's one connection, which the read path queues on and the token check does not use.
    const hold =
      app.db.config.kind === 'postgres'
        ? app.db.prisma.$transaction(
            async (tx) => {
              await tx.$executeRawUnsafe('LOCK TABLE analysis_case IN ACCESS EXCLUSIVE MODE');
              locked();
              await released;
            },
            { timeout: 60_000, maxWait: 60_000 },
          )
        : (app.db.sql as unknown as Kysely<DB>).connection().execute(async () => {
            locked();
            await released;
          });
    await isLocked;
    try {
      const first = analyst.gql(PAGE);
      await until(() => app.gate.inFlight() > 0);
      const second = analyst.gql(PAGE);
      await until(() => app.gate.waitingCount() === 1);
      // The third finds the queue full: told at once, with when to try again.
      const third = await fetch(app.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${analyst.token}` },
        body: JSON.stringify({ query: PAGE }),
      });
      expect(third.status).toBe(429);
      expect(third.headers.get('retry-after')).toBe('1');
      const body = (await third.json()) as { errors: { extensions: Record<string, unknown> }[] };
      expect(body.errors[0]?.extensions).toEqual({ code: 'RATE_LIMITED', retryAfter: 1 });
      // Someone else is not behind that queue: their heavy page starts at once (and waits only on the lock).
      const theirs = other.gql(PAGE);
      await until(() => app.gate.inFlight() > app.gate.inFlight(`user:${analyst.userId}`));
      expect(app.gate.waitingCount()).toBe(1);
      // A cheap operation never waits, even for the client whose queue is full.
      expect(
        (await analyst.gql('{ cvss(vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H") { score } }')).data,
      ).toEqual({
        cvss: { score: 9.8 },
      });
      release();
      for (const r of await Promise.all([first, second, theirs])) {
        expect(r.errors).toBeUndefined();
        expect(r.data?.cases.edges.length).toBeGreaterThan(0);
      }
      expect(app.gate.inFlight()).toBe(0);
    } finally {
      release?.();
      await hold;
    }
  });
});
