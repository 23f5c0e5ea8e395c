// EU Cyber Resilience Act, Art. 14: notifications against their legal clocks,
// with a clock the test controls — the deadlines of both kinds, the final
// report due only once a measure is available, overdue stages, drafts filled
// from a realistic case (and what is missing), submissions frozen and hashed
// into the audit chain, prompts from evidence, who reads what, and reminders
// that survive a restart.
import { createHash } from 'node:crypto';
import { buildApp, checkCraClocks, craSettings, createLogger } from '@psirt/api';
import { verifyAuditChain } from '@psirt/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishedAdvisory, readyCase } from '../support/advisories.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { csafProblems } from '../support/csaf.ts';
import { dialect } from '../support/db.ts';
import { liveWs } from '../support/live.ts';
import { makeWorld, openCase, reportInput, SUBMIT, type World } from '../support/world.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let app: TestApp;
let w: World;
let moved = 0;
const now = () => new Date(Date.now() + moved);
const advance = (ms: number) => {
  moved += ms;
  app.advanceClock(ms);
};
const settings = craSettings({ memberState: 'DE' });
const check = () =>
  checkCraClocks({
    db: app.db.prisma,
    now,
    live: app.live,
    log: createLogger('silent'),
    settings,
    manufacturer: { name: 'Example Vendor PSIRT', contact: 'psirt@example.com' },
  });

const code = (r: { errors?: { extensions?: { code?: string } }[] }) => r.errors?.[0]?.extensions?.code;
const START = `mutation($i: StartCraNotificationInput!) { startCraNotification(input: $i) { id handle } }`;
const STAGES = `query($id: String!) { craNotification(id: $id) {
  handle kind awareAt coordinatorCsirt memberState memberStates open overdue
  stages { stage ordinal article dueAt dueLocal notYetDue overdue late submittedAt reference sha256
    draft { json text frozen missing fields { name filled optional source } } }
} }`;
const stagesOf = async (id: string, client = w.analyst) => {
  const r = await client.gql(STAGES, { id });
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return r.data?.craNotification;
};
const stage = (n: any, s: string) => n.stages.find((x: any) => x.stage === s);
const ok = async (client: World['analyst'], query: string, variables: Record<string, unknown>) => {
  const r = await client.gql(query, variables);
  if (r.errors) throw new Error(`${query}: ${JSON.stringify(r.errors)}`);
  return r.data as any;
};

beforeAll(async () => {
  app = await startTestApp({ submissionsPerHour: 1000, cra: { memberState: 'DE', checkIntervalMs: 0 } });
  w = await makeWorld(app);
  await ok(w.admin, 'mutation { setProductMarkets(productLine: "grid", markets: ["DE", "fr", "NL"]) }', {});
});
afterAll(() => app?.[Symbol.asyncDispose]());

/** An affected gateway with an AVSS and a CVE, no measure yet. */
async function exploitedCase(cve: string) {
  const { caseId } = await openCase(app, w);
  await ok(w.gridSpecialist, 'mutation($i: ProductImpactInput!) { setProductImpact(input: $i) { id } }', {
    i: { caseId, product: 'gateway', status: 'AFFECTED', affectedVersions: '>=4.0 <4.2.1' },
  });
  await ok(w.gridSpecialist, 'mutation($i: RecordScoreInput!) { recordScore(input: $i) { id } }', {
    i: {
      caseId,
      kind: 'AVSS',
      product: 'gateway',
      vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
      rationale: 'Reachable from the internet.',
    },
  });
  await ok(w.analyst, `mutation($c: String!) { recordCve(caseId: $c, cveId: "${cve}", state: RESERVED) { id } }`, {
    c: caseId,
  });
  return caseId;
}

describe(`CRA Art. 14 notifications (${dialect})`, () => {
  it('runs both kinds’ clocks: 24 h, 72 h, the final report 14 days after a measure is available, or a month after the incident notification', async () => {
    const caseId = await exploitedCase('CVE-2026-40001');
    const awareAt = new Date(now().getTime() - 2 * HOUR);
    const started = await ok(w.analyst, START, {
      i: {
        caseId,
        kind: 'ACTIVELY_EXPLOITED_VULNERABILITY',
        awareAt,
        basis: 'Customer saw it exploited on 2026-12-04',
      },
    });
    const handle = started.startCraNotification.handle;
    expect(handle).toBe(`${caseId}/exploited`);

    let n = await stagesOf(handle);
    expect(n).toMatchObject({ coordinatorCsirt: 'CERT-Bund', memberState: 'DE', open: true, overdue: false });
    expect(new Date(stage(n, 'EARLY_WARNING').dueAt)).toEqual(new Date(awareAt.getTime() + DAY));
    expect(stage(n, 'EARLY_WARNING').dueLocal).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d CET$/);
    expect(new Date(stage(n, 'NOTIFICATION').dueAt)).toEqual(new Date(awareAt.getTime() + 3 * DAY));
    expect(stage(n, 'FINAL_REPORT')).toMatchObject({
      dueAt: null,
      notYetDue: expect.stringMatching(/no corrective or mitigating measure is available yet/),
    });

    // A fix planned for 5 days from now: still not due, and says when it would be.
    const fixAt = new Date(now().getTime() + 5 * DAY);
    await ok(w.gridSpecialist, 'mutation($i: MitigationInput!) { addMitigation(input: $i) { id } }', {
      i: {
        caseId,
        product: 'gateway',
        kind: 'FIX',
        description: 'Firmware 4.2.1.',
        fixVersion: '4.2.1',
        availableAt: fixAt,
      },
    });
    n = await stagesOf(handle);
    expect(stage(n, 'FINAL_REPORT').dueAt).toBeNull();
    expect(stage(n, 'FINAL_REPORT').notYetDue).toContain('the first planned (fix 4.2.1');

    // A day later the early warning is overdue; the notification lists as overdue.
    advance(DAY);
    n = await stagesOf(handle);
    expect(stage(n, 'EARLY_WARNING').overdue).toBe(true);
    expect(n.overdue).toBe(true);
    const overdue = await ok(w.analyst, '{ craNotifications(overdue: true) { handle } }', {});
    expect(overdue.craNotifications.map((x: any) => x.handle)).toContain(handle);
    const soon = await ok(w.analyst, 'query($d: DateTime!) { craNotifications(dueBefore: $d) { handle } }', {
      d: new Date(now().getTime() + 3 * DAY),
    });
    expect(soon.craNotifications.map((x: any) => x.handle)).toContain(handle);

    // The fix ships: the final report falls due 14 days after it.
    advance(5 * DAY);
    n = await stagesOf(handle);
    expect(new Date(stage(n, 'FINAL_REPORT').dueAt)).toEqual(new Date(fixAt.getTime() + 14 * DAY));

    // A severe incident on the same case: its final report waits for the incident notification.
    const inc = await ok(w.analyst, START, {
      i: { caseId, kind: 'SEVERE_INCIDENT', awareAt: now(), basis: 'Intrusion into the update server confirmed' },
    });
    const incident = inc.startCraNotification.handle;
    expect(stage(await stagesOf(incident), 'FINAL_REPORT').notYetDue).toMatch(
      /one month after the incident notification/,
    );
    const sentAt = new Date('2026-12-15T08:30:00Z');
    advance(Math.max(0, sentAt.getTime() - now().getTime()) + HOUR);
    await ok(
      w.analyst,
      'mutation($id: String!, $at: DateTime!) { recordCraSubmission(id: $id, stage: NOTIFICATION, submittedAt: $at, reference: "SRP-2026-000123") { id } }',
      { id: incident, at: sentAt },
    );
    expect(new Date(stage(await stagesOf(incident), 'FINAL_REPORT').dueAt)).toEqual(new Date('2027-01-15T08:30:00Z'));

    // Two analysts starting the same notification at once: one starts it, the other is told why not.
    const racing = await exploitedCase('CVE-2026-40008');
    const both = await Promise.all(
      [w.analyst, w.admin].map((c) =>
        c.gql(START, {
          i: { caseId: racing, kind: 'SEVERE_INCIDENT', awareAt: now(), basis: 'Both saw the same alert' },
        }),
      ),
    );
    expect(both.map(code).sort()).toEqual(['CONFLICT', undefined]);

    // Starting the same kind twice is a conflict; the awareness time is never in the future.
    const again = await w.analyst.gql(START, {
      i: { caseId, kind: 'SEVERE_INCIDENT', awareAt: now(), basis: 'Second start of the same notification' },
    });
    expect(code(again)).toBe('CONFLICT');
    const future = await w.analyst.gql(START, {
      i: {
        caseId: await exploitedCase('CVE-2026-40009'),
        kind: 'SEVERE_INCIDENT',
        awareAt: new Date(now().getTime() + DAY),
        basis: 'Not yet aware of it',
      },
    });
    expect(future.errors?.[0]).toMatchObject({
      extensions: { code: 'VALIDATION' },
      message: expect.stringContaining('input.awareAt'),
    });
  });

  it('drafts every field the Article asks for from the case, says what is missing, and freezes what was submitted into the audit chain', async () => {
    const caseId = await readyCase(app, w, { cve: 'CVE-2026-40002' });
    await ok(w.analyst, 'mutation($i: UpdateCaseInput!) { updateCase(input: $i) { id } }', {
      i: { caseId, summary: 'A crafted gl_session cookie gives administrative access.', cweIds: ['CWE-287'] },
    });
    const { startCraNotification: s } = await ok(w.analyst, START, {
      i: { caseId, kind: 'ACTIVELY_EXPLOITED_VULNERABILITY', awareAt: now(), basis: 'CVE-2026-40002 in CISA KEV' },
    });
    let n = await stagesOf(s.handle);
    const early = stage(n, 'EARLY_WARNING').draft;
    expect(early.missing).toEqual([]);
    expect(early.json.fields).toMatchObject({
      mainEstablishment: 'DE',
      coordinatorCsirt: 'CERT-Bund',
      memberStatesMadeAvailable: ['DE', 'FR', 'NL'],
      cveIds: ['CVE-2026-40002'],
      productsConcerned: [{ name: 'GridLink Gateway', versions: '<4.2.1', status: 'affected', fixedVersion: null }],
    });
    expect(n.memberStates).toEqual(['DE', 'FR', 'NL']);
    // Without a TLP (no advisory yet, none set) the notification stage says what is missing and how to fill it.
    const notification = stage(n, 'NOTIFICATION').draft;
    expect(notification.missing).toEqual(['sensitivity']);
    expect(notification.fields.find((f: any) => f.name === 'sensitivity').source).toMatch(/updateCraNotification/);
    expect(notification.text).toContain('[MISSING: set a TLP on the notification');
    expect(notification.json.fields).toMatchObject({
      exploitNature: expect.stringContaining('source: CRA notification: CVE-2026-40002 in CISA KEV'),
      vulnerabilityNature: 'A crafted gl_session cookie gives administrative access. (CWE-287)',
      correctiveMeasuresTaken: [{ kind: 'fix', fixVersion: '4.2.1', description: 'Update to 4.2.1.' }],
    });
    await ok(w.analyst, 'mutation($i: UpdateCraNotificationInput!) { updateCraNotification(input: $i) { id } }', {
      i: {
        id: s.handle,
        tlp: 'amber',
        exploitNature: 'Unauthenticated requests with a forged cookie, seen from two addresses.',
      },
    });
    n = await stagesOf(s.handle);
    expect(stage(n, 'NOTIFICATION').draft.missing).toEqual([]);
    expect(stage(n, 'FINAL_REPORT').draft.json.fields.severity).toMatchObject({ rating: 'high' });

    // The case lists it; a submission before awareness is a typing mistake, refused.
    const onCase = await ok(w.analyst, 'query($c: String!) { case(publicId: $c) { craNotifications { handle } } }', {
      c: caseId,
    });
    expect(onCase.case.craNotifications).toEqual([{ handle: s.handle }]);
    const before = await w.analyst.gql(
      'mutation($id: String!) { recordCraSubmission(id: $id, stage: EARLY_WARNING, submittedAt: "2020-01-01T00:00:00Z", reference: "SRP-X") { id } }',
      { id: s.handle },
    );
    expect(before.errors?.[0]).toMatchObject({
      extensions: { code: 'VALIDATION' },
      message: expect.stringContaining('before the manufacturer became aware'),
    });

    // Submitting the early warning freezes exactly what it said then.
    const sentAt = now();
    await ok(
      w.analyst,
      'mutation($id: String!, $at: DateTime!) { recordCraSubmission(id: $id, stage: EARLY_WARNING, submittedAt: $at, reference: "SRP-EW-1") { id } }',
      { id: s.handle, at: sentAt },
    );
    await ok(w.analyst, 'mutation($i: UpdateCaseInput!) { updateCase(input: $i) { id } }', {
      i: { caseId, title: 'Renamed after submission' },
    });
    n = await stagesOf(s.handle);
    const frozen = stage(n, 'EARLY_WARNING');
    expect(frozen).toMatchObject({ reference: 'SRP-EW-1', late: false, draft: { frozen: true } });
    expect(frozen.draft.json).toEqual(early.json);
    expect(frozen.sha256).toBe(createHash('sha256').update(JSON.stringify(early.json)).digest('hex'));
    expect(stage(n, 'NOTIFICATION').draft.json.fields.reference).toBe(`${caseId}`);
    expect(stage(n, 'NOTIFICATION').draft.text).toContain('Renamed after submission');

    // Never edited: a second submission is refused, and so is any change under the API.
    const twice = await w.analyst.gql(
      'mutation($id: String!) { recordCraSubmission(id: $id, stage: EARLY_WARNING, submittedAt: "2026-12-01T00:00:00Z", reference: "other") { id } }',
      { id: s.handle },
    );
    expect(code(twice)).toBe('CONFLICT');
    expect(twice.errors?.[0]?.message).toMatch(
      /submitted on .* \(reference SRP-EW-1\); a submitted stage is never edited/,
    );
    await expect(app.db.prisma.craSubmission.updateMany({ data: { reference: 'forged' } })).rejects.toThrow(
      /append-only/,
    );

    // The audit chain holds the digest of what was sent, and verifies.
    const audit = await app.db.prisma.auditLog.findFirst({
      where: { action: 'cra.submitted' },
      orderBy: { seq: 'desc' },
    });
    expect(audit?.data).toMatchObject({ stage: 'EARLY_WARNING', reference: 'SRP-EW-1', sha256: frozen.sha256 });
    expect((await verifyAuditChain(app.db.prisma)).ok).toBe(true);

    // An early advisory on the exploitation is offered, and its CSAF says so, machine-readably (Art. 14(8)).
    const sa = await publishedAdvisory(app, w, caseId);
    const a = await ok(w.analyst, 'query($a: String!) { advisory(publicId: $a) { publicationBases csaf } }', { a: sa });
    expect(a.advisory.publicationBases).toEqual(['FIXES_AVAILABLE', 'EXPLOITATION_OBSERVED']);
    const threat = a.advisory.csaf.vulnerabilities[0].threats.find((t: any) => t.category === 'exploit_status');
    expect(threat).toMatchObject({
      details: expect.stringContaining('actively exploited'),
      product_ids: expect.any(Array),
    });
    expect(new Date(threat.date).getTime()).toBeGreaterThan(0);
    expect(await csafProblems(a.advisory.csaf)).toEqual([]);
  });

  it('puts evidence to the PSIRT as prompts, never as a started notification', async () => {
    const kevCase = await exploitedCase('CVE-2026-40003');
    await app.db.prisma.exploitSignal.create({
      data: { cveId: 'CVE-2026-40003', kev: { dateAdded: '2026-12-01', vulnerabilityName: 'Gateway auth bypass' } },
    });
    const sub = await app.anonymous.gql(SUBMIT, {
      input: reportInput({ title: 'Exploited in the wild', exploited: true }),
    });
    const reportId = sub.data?.submitVulnerabilityReport.publicId;
    const acc = await ok(
      w.analyst,
      'mutation($r: String!) { acceptReport(reportId: $r, products: ["gateway"]) { publicId } }',
      {
        r: reportId,
      },
    );
    const reporterCase = acc.acceptReport.publicId;

    expect((await check()).prompts).toBeGreaterThanOrEqual(2);
    expect((await check()).prompts).toBe(0); // once per evidence
    const PROMPTS = '{ craPrompts { caseId evidence detail } }';
    const prompts = (await ok(w.analyst, PROMPTS, {})).craPrompts;
    expect(prompts).toEqual(
      expect.arrayContaining([
        {
          caseId: kevCase,
          evidence: 'KNOWN_EXPLOITED',
          detail: expect.stringContaining('CVE-2026-40003 is in a known-exploited'),
        },
        { caseId: reporterCase, evidence: 'REPORTER', detail: `${reportId}: the reporter says it is exploited` },
      ]),
    );
    expect(
      await app.db.prisma.craNotification.count({ where: { case: { publicId: { in: [kevCase, reporterCase] } } } }),
    ).toBe(0);
    const timeline = await ok(w.analyst, 'query($c: String!) { case(publicId: $c) { timeline { type } } }', {
      c: kevCase,
    });
    expect(timeline.case.timeline.map((e: any) => e.type)).toContain('CRA_PROMPTED');

    // Decided either way, the prompt leaves the list.
    await ok(
      w.analyst,
      'mutation($c: String!) { dismissCraPrompt(caseId: $c, reason: "Exploited only in a lab; no customer product is reachable") { id } }',
      {
        c: reporterCase,
      },
    );
    await ok(w.analyst, START, {
      i: {
        caseId: kevCase,
        kind: 'ACTIVELY_EXPLOITED_VULNERABILITY',
        awareAt: now(),
        basis: 'KEV entry reviewed: our gateway is the product named',
      },
    });
    const left = (await ok(w.analyst, PROMPTS, {})).craPrompts.map((p: any) => p.caseId);
    expect(left).not.toContain(kevCase);
    expect(left).not.toContain(reporterCase);
    // Prompts are the PSIRT's.
    expect(code(await w.gridPrime.gql(PROMPTS))).toBe('FORBIDDEN');
  });

  it('keeps notifications within need-to-know: members read, auditors read the evidence, others see nothing', async () => {
    const caseId = await exploitedCase('CVE-2026-40004');
    const { startCraNotification: s } = await ok(w.analyst, START, {
      i: { caseId, kind: 'SEVERE_INCIDENT', awareAt: now(), basis: 'Build server intrusion confirmed by forensics' },
    });
    await ok(
      w.analyst,
      'mutation($id: String!, $at: DateTime!) { recordCraSubmission(id: $id, stage: EARLY_WARNING, submittedAt: $at, reference: "SRP-9") { id } }',
      { id: s.handle, at: now() },
    );
    const ONE = 'query($id: String!) { craNotification(id: $id) { handle basis stages { stage draft { frozen } } } }';
    // The building line's Prime is not on the case: nothing, by handle, by node id, in lists.
    for (const outsider of [w.buildingPrime, w.integrator, w.outsider]) {
      expect((await outsider.gql(ONE, { id: s.handle })).data?.craNotification).toBeNull();
      expect((await outsider.gql('query($id: ID!) { node(id: $id) { id } }', { id: s.id })).data?.node).toBeNull();
      expect((await outsider.gql('{ craNotifications(open: null) { handle } }')).data?.craNotifications).toEqual([]);
    }
    const reporter = app.client(
      (await app.anonymous.gql(SUBMIT, { input: reportInput() })).data?.submitVulnerabilityReport.reporterToken,
    );
    expect((await reporter.gql(ONE, { id: s.handle })).data?.craNotification ?? null).toBeNull();
    expect((await app.anonymous.gql(ONE, { id: s.handle })).data?.craNotification ?? null).toBeNull();

    // The grid Prime is on the case (product-line staff join it): reads everything.
    const member = (await w.gridPrime.gql(ONE, { id: s.handle })).data?.craNotification;
    expect(member.stages.every((x: any) => x.draft !== null)).toBe(true);
    // An auditor reads the notification and what was submitted, not the case's facts in unsent drafts.
    const audited = (await w.auditor.gql(ONE, { id: s.handle })).data?.craNotification;
    expect(audited.basis).toBe('Build server intrusion confirmed by forensics');
    expect(stage(audited, 'EARLY_WARNING').draft).toEqual({ frozen: true });
    expect(stage(audited, 'NOTIFICATION').draft).toBeNull();

    // Live: the member hears the clock move; someone off the case hears nothing of it.
    const member2 = liveWs(app, w.gridPrime.token);
    const other = liveWs(app, w.buildingPrime.token);
    try {
      const SUB = 'subscription { craDeadlineChanged { type caseId stage notification { handle } } }';
      const heard = member2.subscribe(SUB);
      const unheard = other.subscribe(SUB);
      await new Promise((r) => setTimeout(r, 300));
      await ok(
        w.analyst,
        'mutation($id: String!, $at: DateTime!) { recordCraSubmission(id: $id, stage: NOTIFICATION, submittedAt: $at, reference: "SRP-10") { id } }',
        { id: s.handle, at: now() },
      );
      expect(await heard.waitFor(1)).toEqual([
        { type: 'CRA_SUBMITTED', caseId, stage: 'NOTIFICATION', notification: { handle: s.handle } },
      ]);
      // Each delivery reads the clocks as they are then, not as the first one did.
      const clocks = member2.subscribe(
        'subscription { craDeadlineChanged { stage notification { stages { stage submittedAt } } } }',
      );
      await new Promise((r) => setTimeout(r, 300));
      for (const [stage, reference] of [
        ['FINAL_REPORT', 'SRP-11'],
        ['INTERMEDIATE', 'SRP-12'],
      ]) {
        if (stage === 'INTERMEDIATE') {
          await ok(
            w.analyst,
            'mutation($id: String!, $at: DateTime!, $due: DateTime!) { requestCraIntermediateReport(id: $id, requestedAt: $at, dueAt: $due) { id } }',
            { id: s.handle, at: now(), due: new Date(now().getTime() + DAY) },
          );
        }
        await ok(
          w.analyst,
          `mutation($id: String!, $at: DateTime!) { recordCraSubmission(id: $id, stage: ${stage}, submittedAt: $at, reference: "${reference}") { id } }`,
          { id: s.handle, at: now() },
        );
      }
      const seen = await clocks.waitFor(3).catch((e) => {
        throw new Error(`${e.message}: ${JSON.stringify(clocks.errors)}`);
      });
      const last = seen.at(-1).notification.stages;
      expect(last.map((x: any) => [x.stage, x.submittedAt !== null])).toEqual([
        ['EARLY_WARNING', true],
        ['NOTIFICATION', true],
        ['INTERMEDIATE', true],
        ['FINAL_REPORT', true],
      ]);
      await new Promise((r) => setTimeout(r, 300));
      expect(unheard.items).toEqual([]);
    } finally {
      await member2.dispose();
      await other.dispose();
    }

    // Managing is the PSIRT's.
    const denied = await w.gridPrime.gql(
      'mutation($id: String!) { recordCraSubmission(id: $id, stage: NOTIFICATION, submittedAt: "2026-12-01T00:00:00Z", reference: "x") { id } }',
      { id: s.handle },
    );
    expect(code(denied)).toBe('FORBIDDEN');
    expect(
      code(
        await w.gridPrime.gql(START, {
          i: { caseId, kind: 'ACTIVELY_EXPLOITED_VULNERABILITY', awareAt: now(), basis: 'Not mine to decide' },
        }),
      ),
    ).toBe('FORBIDDEN');
  });

  it('reminds 6 h and 1 h before a stage is due and when it is overdue, once each, across a restart', async () => {
    const caseId = await exploitedCase('CVE-2026-40005');
    const awareAt = now();
    const { startCraNotification: s } = await ok(w.analyst, START, {
      i: { caseId, kind: 'ACTIVELY_EXPLOITED_VULNERABILITY', awareAt, basis: 'Exploit published with proof of use' },
    });
    const reminders = async () =>
      (
        await app.db.prisma.timelineEvent.findMany({
          where: { type: 'cra.reminder', case: { publicId: caseId } },
          orderBy: { createdAt: 'asc' },
        })
      ).map((e) => {
        const d = e.data as { stage: string; threshold: string };
        return `${d.stage}:${d.threshold}`;
      });
    await check();
    expect(await reminders()).toEqual([]);
    advance(18 * HOUR + 60_000); // 6 h before the early warning
    await check();
    await check();
    expect(await reminders()).toEqual(['EARLY_WARNING:H6']);
    advance(5 * HOUR); // 1 h before
    await check();
    expect(await reminders()).toEqual(['EARLY_WARNING:H6', 'EARLY_WARNING:H1']);

    // The server is down while the early warning falls overdue; the next one to start sends the reminder, once.
    await app.stopServer();
    const offset = moved + 2 * HOUR;
    const next = buildApp({
      db: app.db,
      log: createLogger('silent'),
      clock: () => new Date(Date.now() + offset),
      releaseIntervalMs: 0,
      cra: { memberState: 'DE', checkIntervalMs: 50 },
    });
    await next.listen(0, '127.0.0.1');
    try {
      const end = Date.now() + 10_000;
      while (!(await reminders()).includes('EARLY_WARNING:OVERDUE') && Date.now() < end)
        await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 300)); // a few more ticks: nothing is sent twice
    } finally {
      await next.stop();
    }
    expect(await reminders()).toEqual(['EARLY_WARNING:H6', 'EARLY_WARNING:H1', 'EARLY_WARNING:OVERDUE']);
    const n = await app.db.prisma.craNotification.findFirstOrThrow({ where: { case: { publicId: caseId } } });
    expect(n.awareAt).toEqual(awareAt);
    expect(s.handle).toBe(`${caseId}/exploited`);
  });
});
