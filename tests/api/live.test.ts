// Live updates as dashboards and the bot get them: the real graphql-ws client
// over a real WebSocket and SSE over real HTTP, each delivery authorized for
// the subscriber when it happens — need-to-know changes, revoked and expired
// tokens take effect at once — and a client that does not read is cut off.
import { LIVE_CLOSE_CODES } from '@psirt/api';
import { issueUserToken } from '@psirt/db';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { publishedAdvisory, readyCase } from '../support/advisories.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { dialect } from '../support/db.ts';
import { listening, liveSse, liveWs, quiet, type Received } from '../support/live.ts';
import { makeWorld, openCase, reportInput, SUBMIT, type World } from '../support/world.ts';

let app: TestApp;
let w: World;

beforeAll(async () => {
  app = await startTestApp({
    submissionsPerHour: 1000,
    // Small limits, so the slow-consumer test needs few updates.
    live: { limits: { queue: 5, bufferedBytes: 64 * 1024 }, keepAliveMs: 1000 },
  });
  w = await makeWorld(app);
});
afterAll(() => app?.[Symbol.asyncDispose]());
// Every test starts with no subscription left over: each counts its own listeners.
afterEach(() => quiet(app));

const NOTE = 'mutation($c: String!, $t: String!) { addCaseNote(caseId: $c, text: $t) { id } }';
const userNodeId = (userId: string) => Buffer.from(`User:${userId}`).toString('base64');
const note = async (caseId: string, text: string) => {
  const r = await w.analyst.gql(NOTE, { c: caseId, t: text });
  expect(r.errors).toBeUndefined();
};

describe(`live updates (${dialect})`, () => {
  it('delivers case updates over graphql-ws to those who may read the case, filtered like the cases query', async () => {
    const { caseId } = await openCase(app, w, ['gateway']);
    const { caseId: bmsCase } = await openCase(app, w, ['bms']);
    const analyst = liveWs(app, w.analyst.token);
    const prime = liveWs(app, w.gridPrime.token);
    const outsider = liveWs(app, w.outsider.token);
    const anonymous = liveWs(app);
    try {
      const before = app.live.listeners();
      const all = analyst.subscribe('subscription { caseUpdated { publicId state severity timeline { type } } }');
      const bmsOnly = analyst.subscribe('subscription { caseUpdated(filter: { products: ["bms"] }) { publicId } }');
      const primes = prime.subscribe('subscription { caseUpdated { publicId title } }');
      const nothing = outsider.subscribe('subscription { caseUpdated { publicId title } }');
      const refused = anonymous.subscribe('subscription { caseUpdated { publicId } }');
      await refused.ended();
      expect(refused.errors[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      await listening(app, before + 4);

      await note(caseId, 'Reproduced on 4.2.0.');
      await note(bmsCase, 'BMS check started.');

      const [first] = await all.waitFor(2);
      expect(first).toMatchObject({ publicId: caseId, state: 'ANALYSIS' });
      expect(first.timeline.at(-1)).toEqual({ type: 'CASE_NOTE' });
      expect(all.items.map((c) => c.publicId)).toEqual([caseId, bmsCase]);
      expect(await bmsOnly.waitFor(1)).toEqual([{ publicId: bmsCase }]);
      // The grid Prime is on the gateway case (product-line staff), not on the BMS one.
      expect((await primes.waitFor(1)).map((c) => c.publicId)).toEqual([caseId]);

      await note(caseId, 'Third note.');
      await all.waitFor(3);
      await primes.waitFor(2);
      expect(bmsOnly.items).toHaveLength(1);
      expect(primes.items.map((c) => c.publicId)).toEqual([caseId, caseId]);
      expect(nothing.items).toEqual([]);
      expect(nothing.errors).toEqual([]);
    } finally {
      await Promise.all([analyst, prime, outsider, anonymous].map((c) => c.dispose()));
    }
  });

  it('runs one event’s selection once per kind of viewer: each still gets only what they may read, and reads stay audited', async () => {
    const { caseId } = await openCase(app, w, ['gateway']);
    // The same user with a second token, and a member of the case who may not read reporters.
    const { secret: analystAgain } = await issueUserToken(app.db.prisma, { userId: w.analyst.userId, name: 'wall' });
    const clients = [w.analyst.token, analystAgain, w.gridPrime.token, w.gridPrime.token].map((t) => liveWs(app, t));
    const query = 'subscription { caseUpdated { publicId reports { reporter { name } } } }';
    const identityReads = () =>
      app.db.prisma.auditLog.count({
        where: { action: 'reporter.identity.read', actorId: w.analyst.userId },
      });
    try {
      const before = app.live.listeners();
      const [analyst1, analyst2, prime1, prime2] = clients.map((c) => c.subscribe(query)) as [
        Received,
        Received,
        Received,
        Received,
      ];
      await listening(app, before + 4);
      const audited = await identityReads();
      await note(caseId, 'Seen by four screens.');
      for (const analyst of [analyst1, analyst2]) {
        expect(await analyst.waitFor(1)).toEqual([
          { publicId: caseId, reports: [{ reporter: { name: 'Rhea Reporter' } }] },
        ]);
        expect(analyst.errors).toEqual([]);
      }
      for (const prime of [prime1, prime2]) {
        await vi.waitFor(() => expect(prime.errors.map((e) => e.extensions?.code)).toContain('FORBIDDEN'));
        expect(JSON.stringify(prime.items)).not.toContain('Rhea');
      }
      // The confidential reporter's name was read by the analyst, and that is on record.
      expect(await identityReads()).toBeGreaterThan(audited);
    } finally {
      await Promise.all(clients.map((c) => c.dispose()));
    }
  });

  it('pushes the bot’s own account the case, never what the reporter wrote', async () => {
    const { caseId } = await openCase(app, w, ['gateway']);
    const bot = await app.login('CHAT_OPS');
    const ws = liveWs(app, bot.token);
    try {
      const before = app.live.listeners();
      const leak = ws.subscribe('subscription { caseUpdated { publicId reports { description triageNote } } }');
      const thread = ws.subscribe('subscription { caseUpdated { publicId messages { body } } }');
      const card = ws.subscribe('subscription { caseUpdated { publicId title state } }');
      await listening(app, before + 3);
      await note(caseId, 'Seen by the bot.');
      expect((await card.waitFor(1))[0]).toMatchObject({ publicId: caseId, state: 'ANALYSIS' });
      for (const refused of [leak, thread]) {
        await vi.waitFor(() => expect(refused.errors.map((e) => e.extensions?.code)).toContain('FORBIDDEN'));
        expect(JSON.stringify(refused.items)).not.toMatch(/serial number|Thank you/);
      }
    } finally {
      await ws.dispose();
    }
  });

  it('stops a member’s case events the moment they are taken off the case', async () => {
    const { caseId, caseNodeId } = await openCase(app, w, ['gateway']);
    const add = 'mutation($c: String!, $u: ID!) { addCaseMember(caseId: $c, userId: $u, role: NEED_TO_KNOW) { id } }';
    const remove = 'mutation($c: String!, $u: ID!) { removeCaseMember(caseId: $c, userId: $u) { id } }';
    expect((await w.analyst.gql(add, { c: caseId, u: userNodeId(w.outsider.userId) })).errors).toBeUndefined();

    const outsider = liveWs(app, w.outsider.token);
    const analyst = liveWs(app, w.analyst.token);
    const stranger = liveWs(app, w.buildingPrime.token);
    try {
      const before = app.live.listeners();
      const EVENTS = 'subscription($c: ID!) { caseEvents(caseId: $c) { type data actor { email } } }';
      const theirs = outsider.subscribe(EVENTS, { c: caseId });
      const ours = analyst.subscribe(EVENTS, { c: caseNodeId });
      // Someone not on the case learns nothing, not even that it exists.
      const denied = stranger.subscribe(EVENTS, { c: caseId });
      await denied.ended();
      expect(denied.errors[0]?.extensions?.code).toBe('NOT_FOUND');
      await listening(app, before + 2);

      await note(caseId, 'Shared with need-to-know.');
      expect((await theirs.waitFor(1))[0]).toMatchObject({
        type: 'CASE_NOTE',
        data: { text: 'Shared with need-to-know.' },
      });

      expect((await w.analyst.gql(remove, { c: caseId, u: userNodeId(w.outsider.userId) })).errors).toBeUndefined();
      await theirs.ended();
      expect(theirs.errors.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
      expect(theirs.items).toHaveLength(1);

      await note(caseId, 'After the removal.');
      const seen = await ours.waitFor(3);
      expect(seen.map((e) => e.type)).toEqual(['CASE_NOTE', 'MEMBER_REMOVED', 'CASE_NOTE']);
      expect(theirs.items).toHaveLength(1);
    } finally {
      await Promise.all([outsider, analyst, stranger].map((c) => c.dispose()));
    }
  });

  it('closes a connection whose token is revoked or expires, and refuses a bad token at connect', async () => {
    const { caseId } = await openCase(app, w, ['gateway']);
    const revokedUser = await app.login('ANALYST');
    const expiringUser = await app.login('ANALYST');
    const revoked = liveWs(app, revokedUser.token);
    const expiring = liveWs(app, expiringUser.token);
    const bad = liveWs(app, 'psirt_not-a-real-token');
    try {
      const before = app.live.listeners();
      const a = revoked.subscribe('subscription { caseUpdated { publicId } }');
      const b = expiring.subscribe('subscription { caseUpdated { publicId } }');
      await listening(app, before + 2);
      await note(caseId, 'Both still see this.');
      await a.waitFor(1);
      await b.waitFor(1);

      const prisma = app.db.prisma;
      await prisma.apiToken.updateMany({ where: { userId: revokedUser.userId }, data: { revokedAt: new Date() } });
      await prisma.apiToken.updateMany({
        where: { userId: expiringUser.userId },
        data: { expiresAt: new Date(Date.now() + 60 * 60_000) },
      });
      app.advanceClock(2 * 60 * 60_000);
      await note(caseId, 'Neither sees this.');

      expect(await revoked.closed()).toMatchObject({ code: LIVE_CLOSE_CODES.unauthorized });
      expect(await expiring.closed()).toMatchObject({ code: LIVE_CLOSE_CODES.unauthorized });
      expect(a.items).toHaveLength(1);
      expect(b.items).toHaveLength(1);

      expect(await bad.closed()).toMatchObject({ code: 4403 });
    } finally {
      await Promise.all([revoked, expiring, bad].map((c) => c.dispose()));
    }
  });

  it('applies a change of roles at the next event, not at the next reconnect', async () => {
    const { caseId } = await openCase(app, w, ['gateway']);
    const demoted = await app.login('ANALYST');
    const ws = liveWs(app, demoted.token);
    const control = liveWs(app, w.analyst.token);
    try {
      const before = app.live.listeners();
      const theirs = ws.subscribe('subscription { caseUpdated { publicId title } }');
      const queue = ws.subscribe('subscription { triageQueueChanged { type } }');
      const ours = control.subscribe('subscription { caseUpdated { publicId } }');
      await listening(app, before + 3);
      await note(caseId, 'Before the change of roles.');
      await theirs.waitFor(1);

      await app.db.prisma.user.update({ where: { id: demoted.userId }, data: { roles: ['AUDITOR'] } });
      await note(caseId, 'After it.');
      await ours.waitFor(2);
      await app.anonymous.gql(SUBMIT, { input: reportInput() });
      await queue.ended();
      expect(queue.errors.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
      expect(theirs.items).toHaveLength(1);
    } finally {
      await Promise.all([ws, control].map((c) => c.dispose()));
    }
  });

  it('tells analysts of new and triaged reports; nobody else may listen to the queue', async () => {
    const analyst = liveWs(app, w.analyst.token);
    const prime = liveWs(app, w.gridPrime.token);
    try {
      const before = app.live.listeners();
      const QUEUE = 'subscription { triageQueueChanged { type report { publicId status } } }';
      const queue = analyst.subscribe(QUEUE);
      const refused = prime.subscribe(QUEUE);
      await refused.ended();
      expect(refused.errors[0]?.extensions?.code).toBe('FORBIDDEN');
      await listening(app, before + 1);

      const sub = await app.anonymous.gql(SUBMIT, { input: reportInput() });
      const vsr = sub.data?.submitVulnerabilityReport.publicId as string;
      const [arrived] = await queue.waitFor(1);
      expect(arrived).toEqual({ type: 'REPORT_RECEIVED', report: { publicId: vsr, status: 'ACKNOWLEDGED' } });
      await w.analyst.gql('mutation($r: String!) { acceptReport(reportId: $r, products: ["gateway"]) { id } }', {
        r: vsr,
      });
      const [, triaged] = await queue.waitFor(2);
      expect(triaged).toMatchObject({ type: 'REPORT_TRIAGED', report: { publicId: vsr } });
    } finally {
      await Promise.all([analyst, prime].map((c) => c.dispose()));
    }
  });

  it('shows the committee every advisory step and the public only publications', async () => {
    const caseId = await readyCase(app, w, { cve: 'CVE-2026-20001' });
    const committee = liveWs(app, w.committee.token);
    const anonymous = liveWs(app);
    try {
      const before = app.live.listeners();
      const CHANGES = 'subscription { advisoryChanged { type advisory { publicId state title } } }';
      const insiders = committee.subscribe(CHANGES);
      const outsiders = anonymous.subscribe(CHANGES);
      await listening(app, before + 2);

      const sa = await publishedAdvisory(app, w, caseId, { title: 'Gateway bypass (live)' });
      const steps = await insiders.waitFor(7);
      expect(steps.map((s) => s.type)).toEqual([
        'ADVISORY_CREATED',
        'ADVISORY_REVIEW_REQUESTED',
        'ADVISORY_VOTE_CAST',
        'ADVISORY_VOTE_CAST',
        'ADVISORY_VOTE_CAST',
        'ADVISORY_DECIDED',
        'ADVISORY_PUBLISHED',
      ]);
      const [published] = await outsiders.waitFor(1);
      expect(published).toEqual({
        type: 'ADVISORY_PUBLISHED',
        advisory: { publicId: sa, state: 'PUBLISHED', title: 'Gateway bypass (live)' },
      });
      expect(outsiders.items).toHaveLength(1);
    } finally {
      await Promise.all([committee, anonymous].map((c) => c.dispose()));
    }
  });

  it('delivers over SSE to clients that cannot use WebSockets', async () => {
    const { caseId } = await openCase(app, w, ['gateway']);
    const before = app.live.listeners();
    const events = liveSse(app, w.gridPrime.token, 'subscription($c: ID!) { caseEvents(caseId: $c) { type } }', {
      c: caseId,
    });
    const refused = liveSse(app, undefined, 'subscription { caseUpdated { publicId } }');
    try {
      await listening(app, before + 1);
      await note(caseId, 'Over SSE.');
      expect(await events.waitFor(1)).toEqual([{ type: 'CASE_NOTE' }]);
      await refused.ended();
      expect(refused.errors.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    } finally {
      events.unsubscribe();
      refused.unsubscribe();
    }
  });

  it('closes the connection of a client that stops reading (4413) instead of buffering without bound', async () => {
    const { caseId } = await openCase(app, w, ['gateway']);
    // A long summary, asked for 20 times, makes each delivery ~400 KB, so unread bytes pile up fast.
    const big = 'x'.repeat(19_000);
    const upd = await w.analyst.gql('mutation($i: UpdateCaseInput!) { updateCase(input: $i) { id } }', {
      i: { caseId, summary: big },
    });
    expect(upd.errors).toBeUndefined();
    const slow = liveWs(app, w.analyst.token);
    const reader = liveWs(app, w.analyst.token);
    try {
      const before = app.live.listeners();
      const aliases = Array.from({ length: 20 }, (_, i) => `s${i}: summary`).join(' ');
      const s = slow.subscribe(`subscription { caseUpdated { publicId ${aliases} } }`);
      const r = reader.subscribe('subscription { caseUpdated { publicId } }');
      await listening(app, before + 2);
      // Stop reading: the kernel buffers fill, then the server's.
      const socket = await slow.socket();
      socket.pause();
      const updates = 80;
      for (let i = 0; i < updates; i++) await note(caseId, `note ${i}`);
      await r.waitFor(updates, 20_000);
      socket.resume();
      expect(await slow.closed(10_000)).toMatchObject({ code: LIVE_CLOSE_CODES.slowConsumer });
      expect(s.items.length).toBeLessThan(updates);
      // The reader kept up and is still connected.
      await note(caseId, 'still here');
      await r.waitFor(updates + 1);
    } finally {
      await Promise.all([slow, reader].map((c) => c.dispose()));
    }
  });
});
