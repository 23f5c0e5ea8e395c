// Intake, acknowledgement and triage, as a reporter and an analyst live them.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { dialect } from '../support/db.ts';
import { makeWorld, reportInput, SUBMIT, type World } from '../support/world.ts';

let app: TestApp;
let w: World;

beforeAll(async () => {
  app = await startTestApp({ submissionsPerHour: 1000, supportContact: 'support@vendor.example' });
  w = await makeWorld(app);
});
afterAll(() => app?.[Symbol.asyncDispose]());

const MY_REPORTS = `{ reports(first: 10) { totalCount edges { node { publicId title status acknowledgedAt
  messages { direction kind subject body queued } } } } }`;

describe(`intake and triage (${dialect})`, () => {
  it('takes an anonymous report, acknowledges it, and gives the reporter a token for their own reports only', async () => {
    const res = await app.anonymous.gql(SUBMIT, { input: reportInput() });
    expect(res.errors).toBeUndefined();
    const { publicId, reporterToken, replayed } = res.data?.submitVulnerabilityReport ?? {};
    expect(publicId).toMatch(/^VSR-\d{4}-\d{4}$/);
    expect(replayed).toBe(false);

    const reporter = app.client(reporterToken);
    const mine = await reporter.gql(MY_REPORTS);
    expect(mine.errors).toBeUndefined();
    expect(mine.data?.reports.totalCount).toBe(1);
    const report = mine.data?.reports.edges[0].node;
    expect(report).toMatchObject({ publicId, status: 'ACKNOWLEDGED' });
    expect(report.acknowledgedAt).toBeTruthy();
    expect(report.messages).toEqual([
      expect.objectContaining({ direction: 'OUTBOUND', kind: 'ACKNOWLEDGEMENT', queued: true }),
    ]);
    expect(report.messages[0].body).toContain(publicId);

    // The acknowledgement is waiting in the outbox for the mailer.
    const outbox = await app.db.prisma.outboxMessage.findMany({ where: { topic: 'mail.reporter' } });
    expect(outbox.some((o) => (o.payload as { to: string }).to === 'rhea@example.org')).toBe(true);

    // Nothing else: not the internals of their report, not cases, not reporters, not other reports.
    const internals = await reporter.gql(`{ report(publicId: "${publicId}") { title description reporter { name } } }`);
    expect(internals.data?.report).toEqual({ title: report.title, description: null, reporter: null });
    expect(internals.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN', 'FORBIDDEN']);
    for (const q of [
      '{ cases(first: 1) { totalCount } }',
      '{ reporters(first: 1) { edges { node { id } } } }',
      '{ triageQueue(first: 1) { totalCount } }',
    ]) {
      const r = await reporter.gql(q);
      expect(r.data, q).toBeNull();
      expect(r.errors?.[0]?.extensions?.code, q).toBe('FORBIDDEN');
    }
    const other = await app.anonymous.gql(SUBMIT, { input: reportInput({ title: 'Someone else' }) });
    const otherId = other.data?.submitVulnerabilityReport.publicId;
    expect((await reporter.gql(`{ report(publicId: "${otherId}") { title } }`)).data).toEqual({ report: null });
  });

  it('lets the reporter reply on their thread, and nobody else', async () => {
    const res = await app.anonymous.gql(SUBMIT, { input: reportInput() });
    const { publicId, reporterToken } = res.data?.submitVulnerabilityReport ?? {};
    const reply =
      'mutation($r: String!, $b: String!) { replyToReport(reportId: $r, body: $b) { messages { direction body } } }';
    const ok = await app.client(reporterToken).gql(reply, { r: publicId, b: 'Here is a proof of concept.' });
    expect(ok.errors).toBeUndefined();
    expect(ok.data?.replyToReport.messages.at(-1)).toEqual({
      direction: 'INBOUND',
      body: 'Here is a proof of concept.',
    });
    const stranger = await app.anonymous.gql(SUBMIT, { input: reportInput() });
    const theirs = app.client(stranger.data?.submitVulnerabilityReport.reporterToken);
    expect((await theirs.gql(reply, { r: publicId, b: 'x' })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('never creates a second report for a retried submission, and refuses a reused key', async () => {
    const input = reportInput({ idempotencyKey: 'retry-key-0001' });
    const first = await app.anonymous.gql(SUBMIT, { input });
    const again = await Promise.all([app.anonymous.gql(SUBMIT, { input }), app.anonymous.gql(SUBMIT, { input })]);
    const id = first.data?.submitVulnerabilityReport.publicId;
    for (const r of again) {
      expect(r.errors).toBeUndefined();
      expect(r.data?.submitVulnerabilityReport).toMatchObject({ publicId: id, replayed: true });
    }
    // A retry is answered exactly as the first request was: the same VSR and the same token.
    const token = first.data?.submitVulnerabilityReport.reporterToken;
    for (const r of again) expect(r.data?.submitVulnerabilityReport.reporterToken).toBe(token);
    expect((await app.client(token).gql(MY_REPORTS)).data?.reports.totalCount).toBe(1);
    // The database keeps neither the key nor the token: a digest of one, the other sealed under the key.
    const row = await app.db.prisma.vulnerabilityReport.findUniqueOrThrow({
      where: { publicId: id },
      select: { idempotencyKey: true, idempotentAnswer: true },
    });
    expect(row.idempotencyKey).toBe(createHash('sha256').update('retry-key-0001').digest('hex'));
    expect(JSON.stringify(row)).not.toContain(token);
    expect(await app.db.prisma.vulnerabilityReport.count({ where: { idempotencyKey: row.idempotencyKey } })).toBe(1);
    // After the reporter rotates the token, a retry still answers the first answer (now revoked), never a new one.
    const rotated = await app.client(token).gql('mutation { rotateReporterToken }');
    expect(rotated.errors).toBeUndefined();
    const late = await app.anonymous.gql(SUBMIT, { input });
    expect(late.data?.submitVulnerabilityReport).toMatchObject({ publicId: id, replayed: true, reporterToken: token });
    expect((await app.client(token).gql(MY_REPORTS)).status).toBe(401);
    // The minimum length is said.
    const short = await app.anonymous.gql(SUBMIT, { input: reportInput({ idempotencyKey: 'short' }) });
    expect(short.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'input.idempotencyKey' });
    expect(short.errors?.[0]?.message).toMatch(/at least 8 characters/);

    const before = await app.db.prisma.vulnerabilityReport.count();
    const reused = await app.anonymous.gql(SUBMIT, { input: { ...input, title: 'A different report' } });
    expect(reused.errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT', field: 'input.idempotencyKey' } });
    expect(await app.db.prisma.vulnerabilityReport.count()).toBe(before);
  });

  it('names the invalid field and stores nothing', async () => {
    const before = await app.db.prisma.vulnerabilityReport.count();
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ reporter: { email: 'not-an-email' } }, 'input.reporter.email', /e-mail/],
      [{ title: 'x' }, 'input.title', /at least 3/],
      [{ description: 'y'.repeat(50_001) }, 'input.description', /at most 50000/],
      [{ cvssVector: 'AV:N/AC:L' }, 'input.cvssVector', /CVSS/],
      [{ reporter: { pgpPublicKey: 'hello' } }, 'input.reporter.pgpPublicKey', /OpenPGP/],
    ];
    for (const [over, field, message] of cases) {
      const res = await app.anonymous.gql(SUBMIT, { input: reportInput(over) });
      expect(res.errors?.[0]?.extensions, field).toMatchObject({ code: 'VALIDATION', field });
      expect(res.errors?.[0]?.message).toMatch(message);
      expect(JSON.stringify(res)).not.toMatch(/at .*\.ts:\d+/);
    }
    expect(await app.db.prisma.vulnerabilityReport.count()).toBe(before);
  });

  it('rate-limits anonymous submissions per address, but not staff', async () => {
    await using limited = await startTestApp({ submissionsPerHour: 2 });
    for (let i = 0; i < 2; i++)
      expect((await limited.anonymous.gql(SUBMIT, { input: reportInput() })).errors).toBeUndefined();
    const refused = await limited.anonymous.gql(SUBMIT, { input: reportInput() });
    expect(refused.errors?.[0]).toMatchObject({ extensions: { code: 'RATE_LIMITED' } });
    expect(refused.errors?.[0]?.message).toMatch(/try again in \d+ minute/);
    const integrator = await limited.login('INTEGRATOR');
    expect((await integrator.gql(SUBMIT, { input: reportInput() })).errors).toBeUndefined();
    expect(await limited.db.prisma.vulnerabilityReport.count()).toBe(3);
  });

  it('lets an integrator submit on behalf of a reporter and follow only what it submitted', async () => {
    const res = await w.integrator.gql(SUBMIT, { input: reportInput({ title: 'Via the ticketing bridge' }) });
    expect(res.errors).toBeUndefined();
    const list = await w.integrator.gql(
      '{ reports(first: 50) { totalCount edges { node { title status description } } } }',
    );
    expect(list.data?.reports.totalCount).toBe(1);
    expect(list.data?.reports.edges[0].node).toEqual({
      title: 'Via the ticketing bridge',
      status: 'ACKNOWLEDGED',
      description: null,
    });
    expect((await w.committee.gql(SUBMIT, { input: reportInput() })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('queues untriaged reports oldest first, with their age', async () => {
    const q = await w.analyst.gql(
      '{ triageQueue(first: 100) { totalCount edges { node { publicId receivedAt ageHours } } } }',
    );
    expect(q.errors).toBeUndefined();
    const nodes = q.data?.triageQueue.edges.map((e: any) => e.node);
    expect(nodes.length).toBe(q.data?.triageQueue.totalCount);
    const times = nodes.map((n: any) => Date.parse(n.receivedAt));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(nodes[0].ageHours).toBeGreaterThanOrEqual(0);
    expect((await w.gridPrime.gql('{ triageQueue(first: 1) { totalCount } }')).errors?.[0]?.extensions?.code).toBe(
      'FORBIDDEN',
    );
  });

  it('accepts a report into a new case with the product line team, and tells the reporter', async () => {
    const sub = await app.anonymous.gql(SUBMIT, { input: reportInput() });
    const { publicId, reporterToken } = sub.data?.submitVulnerabilityReport ?? {};
    const acc = await w.analyst.gql(
      'mutation($r: String!) { acceptReport(reportId: $r, products: ["gateway"]) { publicId state members { role user { id } } impacts { status product { key } } reports { publicId } } }',
      { r: publicId },
    );
    expect(acc.errors).toBeUndefined();
    const kase = acc.data?.acceptReport;
    expect(kase.publicId).toMatch(/^VAR-\d{4}-\d{4}$/);
    expect(kase.state).toBe('ANALYSIS');
    expect(kase.impacts).toEqual([{ status: 'UNDER_INVESTIGATION', product: { key: 'gateway' } }]);
    const roles = Object.fromEntries(kase.members.map((m: any) => [m.user.id, m.role]));
    expect(Object.values(roles).sort()).toEqual(['ANALYST', 'PRIME', 'SPECIALIST']);
    expect(kase.reports).toEqual([{ publicId }]);

    const mine = await app.client(reporterToken).gql(MY_REPORTS);
    const node = mine.data?.reports.edges[0].node;
    expect(node.status).toBe('IN_ANALYSIS');
    expect(node.messages.at(-1)).toMatchObject({
      kind: 'TRIAGE_OUTCOME',
      subject: `[${publicId}] Your report is under analysis`,
    });

    // Triage happens once.
    const twice = await w.analyst.gql('mutation($r: String!) { acceptReport(reportId: $r) { id } }', { r: publicId });
    expect(twice.errors?.[0]?.extensions?.code).toBe('CONFLICT');

    // A second report of the same vulnerability joins the case.
    const dup = await app.anonymous.gql(SUBMIT, { input: reportInput() });
    const dupId = dup.data?.submitVulnerabilityReport.publicId;
    const att = await w.analyst.gql(
      'mutation($r: String!, $c: String!) { attachReport(reportId: $r, caseId: $c) { reports { publicId } } }',
      {
        r: dupId,
        c: kase.publicId,
      },
    );
    expect(att.data?.attachReport.reports.map((r: any) => r.publicId)).toEqual([publicId, dupId]);
  });

  it('rejects with a reason and sends the policy message for it', async () => {
    const submit = async () =>
      (await app.anonymous.gql(SUBMIT, { input: reportInput() })).data?.submitVulnerabilityReport;
    const reject =
      'mutation($r: String!, $why: RejectReason!, $d: String) { rejectReport(reportId: $r, reason: $why, duplicateOf: $d) { triageOutcome messages { kind body } } }';

    const incident = await submit();
    const live = await w.analyst.gql(reject, { r: incident.publicId, why: 'LIVE_INCIDENT' });
    expect(live.errors).toBeUndefined();
    expect(live.data?.rejectReport.triageOutcome).toBe('LIVE_INCIDENT');
    expect(live.data?.rejectReport.messages.at(-1).body).toContain('support@vendor.example');
    const asReporter = await app.client(incident.reporterToken).gql(MY_REPORTS);
    expect(asReporter.data?.reports.edges[0].node.status).toBe('REJECTED');

    const more = await submit();
    const rfi = await w.analyst.gql(reject, { r: more.publicId, why: 'INSUFFICIENT_INFORMATION' });
    expect(rfi.data?.rejectReport.messages.at(-1)).toMatchObject({ kind: 'REQUEST_FOR_INFORMATION' });

    const dup = await submit();
    const missing = await w.analyst.gql(reject, { r: dup.publicId, why: 'DUPLICATE' });
    expect(missing.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'input.duplicateOf' });
    const self = await w.analyst.gql(reject, { r: dup.publicId, why: 'DUPLICATE', d: dup.publicId });
    expect(self.errors?.[0]?.extensions?.code).toBe('VALIDATION');
    const ok = await w.analyst.gql(reject, { r: dup.publicId, why: 'DUPLICATE', d: incident.publicId });
    expect(ok.data?.rejectReport.triageOutcome).toBe('DUPLICATE');

    for (const why of ['OUT_OF_SCOPE', 'NOT_A_VULNERABILITY']) {
      const r = await submit();
      const res = await w.analyst.gql(reject, { r: r.publicId, why });
      expect(res.data?.rejectReport.messages.at(-1).kind, why).toBe('TRIAGE_OUTCOME');
    }
    // Only the PSIRT triages.
    const r = await submit();
    expect((await w.gridPrime.gql(reject, { r: r.publicId, why: 'OUT_OF_SCOPE' })).errors?.[0]?.extensions?.code).toBe(
      'FORBIDDEN',
    );
  });
});
