// Embargo: an approved advisory is scheduled for its embargo and released by
// the server at that time — with a clock the test controls, across a restart,
// and refused (and unscheduled, with the reason) when the embargo moved.
import { buildApp, createLogger } from '@psirt/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readyCase } from '../support/advisories.ts';
import { type Client, startTestApp, type TestApp } from '../support/app.ts';
import { dialect } from '../support/db.ts';
import { makeWorld, type World } from '../support/world.ts';

let app: TestApp;
let w: World;
let committee: Client[];
const DAY = 86_400_000;
/** How far the test has moved the server's clock (advance() keeps it in step). */
let moved = 0;
const advance = (ms: number) => {
  moved += ms;
  app.advanceClock(ms);
};

beforeAll(async () => {
  app = await startTestApp({ submissionsPerHour: 1000, releaseIntervalMs: 50 });
  w = await makeWorld(app);
  committee = [w.committee, await app.login('COMMITTEE_MEMBER'), await app.login('COMMITTEE_MEMBER')];
});
afterAll(() => app?.[Symbol.asyncDispose]());

const code = (r: { errors?: { extensions?: { code?: string } }[] }) => r.errors?.[0]?.extensions?.code;
const STATE = `query($a: String!) { advisory(publicId: $a) { state scheduledFor publishedAt timeline { type data } } }`;

/** An approved advisory for a fresh case whose embargo ends `days` from the server's now. */
async function approvedUnderEmbargo(cve: string, days: number) {
  const caseId = await readyCase(app, w, { cve });
  const until = new Date(Date.now() + moved + days * DAY).toISOString();
  await w.analyst.gql('mutation($i: UpdateCaseInput!) { updateCase(input: $i) { id } }', {
    i: { caseId, embargoUntil: until },
  });
  const a = (
    await w.analyst.gql(
      'mutation($c: [String!]!) { createAdvisory(cases: $c, title: "Embargoed advisory") { publicId } }',
      {
        c: [caseId],
      },
    )
  ).data?.createAdvisory.publicId as string;
  await w.analyst.gql(`mutation { requestAdvisoryReview(advisoryId: "${a}", changelog: "Initial release") { id } }`);
  for (const c of committee) await c.gql(`mutation { castAdvisoryVote(advisoryId: "${a}", decision: APPROVE) { id } }`);
  return { a, caseId, until };
}

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe(`embargo and scheduled release (${dialect})`, () => {
  it('holds an advisory until its embargo and releases it then, by itself', async () => {
    const { a, until: embargo } = await approvedUnderEmbargo('CVE-2026-30001', 2);
    const early = await w.analyst.gql(`mutation { publishAdvisory(advisoryId: "${a}") { state } }`);
    expect(code(early)).toBe('CONFLICT');
    expect(early.errors?.[0]?.message).toContain('Nothing is published before the embargo ends.');

    const tooSoon = await w.analyst.gql(
      `mutation($at: DateTime) { scheduleAdvisory(advisoryId: "${a}", at: $at) { id } }`,
      { at: new Date(Date.parse(embargo) - DAY).toISOString() },
    );
    expect(code(tooSoon)).toBe('CONFLICT');
    expect(code(await w.gridPrime.gql(`mutation { scheduleAdvisory(advisoryId: "${a}") { id } }`))).toBe('FORBIDDEN');
    const scheduled = await w.analyst.gql(`mutation { scheduleAdvisory(advisoryId: "${a}") { state scheduledFor } }`);
    expect(scheduled.data?.scheduleAdvisory).toEqual({ state: 'APPROVED', scheduledFor: embargo });

    // Ticks come and go; nothing happens before the time.
    await new Promise((r) => setTimeout(r, 300));
    expect((await w.analyst.gql(STATE, { a })).data?.advisory.state).toBe('APPROVED');
    expect((await app.anonymous.gql(`{ advisory(publicId: "${a}") { state } }`)).data?.advisory).toBeNull();

    advance(3 * DAY);
    const after = await until(
      async () => (await w.analyst.gql(STATE, { a })).data?.advisory,
      (x) => x?.state === 'PUBLISHED',
    );
    expect(after).toMatchObject({ state: 'PUBLISHED', scheduledFor: null });
    expect(after.timeline.at(-1)).toMatchObject({
      type: 'ADVISORY_PUBLISHED',
      data: { scheduled: true, basis: 'FIXES_AVAILABLE', early: false },
    });
    const audit = await w.admin.gql(
      '{ auditLog(first: 1, action: "advisory.published") { edges { node { actorKind } } } }',
    );
    expect(audit.data?.auditLog.edges[0].node.actorKind).toBe('SYSTEM');
    expect((await app.anonymous.gql(`{ advisory(publicId: "${a}") { state } }`)).data?.advisory.state).toBe(
      'PUBLISHED',
    );
  });

  it('unschedules, with the reason, a release the embargo no longer allows at its time', async () => {
    const { a, caseId, until: embargo } = await approvedUnderEmbargo('CVE-2026-30002', 1);
    await w.analyst.gql(`mutation { scheduleAdvisory(advisoryId: "${a}") { id } }`);
    // The coordinators push the embargo back after the advisory was scheduled.
    const later = new Date(Date.parse(embargo) + 10 * DAY).toISOString();
    await w.analyst.gql('mutation($i: UpdateCaseInput!) { updateCase(input: $i) { id } }', {
      i: { caseId, embargoUntil: later },
    });
    advance(2 * DAY);
    const after = await until(
      async () => (await w.analyst.gql(STATE, { a })).data?.advisory,
      (x) => x?.scheduledFor === null,
    );
    expect(after.state).toBe('APPROVED');
    expect(after.timeline.at(-1)).toMatchObject({ type: 'ADVISORY_RELEASE_REFUSED' });
    expect(after.timeline.at(-1).data.reason).toMatch(/^Embargoed: VAR-\d{4}-\d{4} until /);
  });

  it('releases what fell due while no server ran, at the next start', async () => {
    const { a } = await approvedUnderEmbargo('CVE-2026-30003', 1);
    await w.analyst.gql(`mutation { scheduleAdvisory(advisoryId: "${a}") { id } }`);
    await app.stopServer();
    const state = () => app.db.prisma.advisory.findUniqueOrThrow({ where: { publicId: a }, select: { state: true } });
    expect((await state()).state).toBe('APPROVED');

    // A new process on the same database, days later.
    const offset = moved + 30 * DAY;
    const next = buildApp({
      db: app.db,
      log: createLogger('silent'),
      clock: () => new Date(Date.now() + offset),
      releaseIntervalMs: 60_000,
    });
    await next.listen(0, '127.0.0.1');
    try {
      const after = await until(state, (s) => s.state === 'PUBLISHED');
      expect(after.state).toBe('PUBLISHED');
    } finally {
      await next.stop();
    }
  });
});
