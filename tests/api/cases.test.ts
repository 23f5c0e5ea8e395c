// The analysis case (VAR) from opening to closure: workflow, team, impact,
// mitigations, coordination, reporter communication, timeline and SLA.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { dialect } from '../support/db.ts';
import { makeWorld, openCase, type World } from '../support/world.ts';

let app: TestApp;
let w: World;

beforeAll(async () => {
  app = await startTestApp({ submissionsPerHour: 1000 });
  w = await makeWorld(app);
});
afterAll(() => app?.[Symbol.asyncDispose]());

const MOVE = `mutation($c: String!, $to: CaseState!, $conclusion: String) {
  transitionCase(caseId: $c, to: $to, conclusion: $conclusion) { state closedAt conclusion } }`;
const IMPACT = `mutation($i: ProductImpactInput!) { setProductImpact(input: $i) { impacts { product { key } status justification fixedVersion } } }`;
const MITIGATE = `mutation($i: MitigationInput!) { addMitigation(input: $i) { mitigations { kind description fixVersion product { key } } } }`;
const CASE = `query($c: String!) { case(publicId: $c) { publicId state } }`;

const code = (r: { errors?: { extensions?: { code?: string } }[] }) => r.errors?.[0]?.extensions?.code;

describe(`analysis cases (${dialect})`, () => {
  it('publishes the workflow so clients need not hard-code it', async () => {
    const res = await w.analyst.gql(
      '{ varWorkflow { initial states { state } transitions { from to name roles requiresConclusion } } }',
    );
    expect(res.data?.varWorkflow.initial).toBe('ANALYSIS');
    expect(res.data?.varWorkflow.states.map((s: any) => s.state)).toEqual([
      'ANALYSIS',
      'REMEDIATION',
      'DISCLOSURE',
      'CLOSED',
    ]);
    expect(res.data?.varWorkflow.transitions).toContainEqual({
      from: 'DISCLOSURE',
      to: 'CLOSED',
      name: 'close',
      roles: ['ADMIN', 'ANALYST'],
      requiresConclusion: true,
    });
  });

  it('runs a case through its workflow, refusing moves the workflow does not allow', async () => {
    const { caseId, reporterToken } = await openCase(app, w);
    // Not allowed from ANALYSIS: the error lists what is.
    const skip = await w.analyst.gql(MOVE, { c: caseId, to: 'DISCLOSURE' });
    expect(skip.errors?.[0]).toMatchObject({
      message: 'A case in ANALYSIS cannot move to DISCLOSURE; allowed: REMEDIATION, CLOSED.',
      extensions: { code: 'INVALID_TRANSITION' },
    });
    // Allowed, but its guard does not hold yet.
    expect(code(await w.analyst.gql(MOVE, { c: caseId, to: 'REMEDIATION' }))).toBe('CONFLICT');

    // The grid Specialist records the impact on their product.
    const affected = await w.gridSpecialist.gql(IMPACT, {
      i: { caseId, product: 'gateway', status: 'AFFECTED', affectedVersions: '>=4.1 <4.2.1' },
    });
    expect(affected.errors).toBeUndefined();
    expect((await w.gridPrime.gql(MOVE, { c: caseId, to: 'REMEDIATION' })).data?.transitionCase.state).toBe(
      'REMEDIATION',
    );

    // DISCLOSURE needs a fix or mitigation for the affected product.
    expect(code(await w.analyst.gql(MOVE, { c: caseId, to: 'DISCLOSURE' }))).toBe('CONFLICT');
    const fix = await w.gridSpecialist.gql(MITIGATE, {
      i: {
        caseId,
        product: 'gateway',
        kind: 'FIX',
        description: 'Session cookies are now signed.',
        fixVersion: '4.2.1',
      },
    });
    expect(fix.data?.addMitigation.mitigations).toEqual([
      { kind: 'FIX', description: 'Session cookies are now signed.', fixVersion: '4.2.1', product: { key: 'gateway' } },
    ]);
    expect((await w.analyst.gql(MOVE, { c: caseId, to: 'DISCLOSURE' })).data?.transitionCase.state).toBe('DISCLOSURE');

    // Only the PSIRT closes, and only with a conclusion, which the reporter receives.
    expect(code(await w.gridPrime.gql(MOVE, { c: caseId, to: 'CLOSED', conclusion: 'Fixed.' }))).toBe('FORBIDDEN');
    const noConclusion = await w.analyst.gql(MOVE, { c: caseId, to: 'CLOSED' });
    expect(noConclusion.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'conclusion' });
    const closed = await w.analyst.gql(MOVE, {
      c: caseId,
      to: 'CLOSED',
      conclusion: 'Fixed in 4.2.1; advisory SA-1 follows.',
    });
    expect(closed.data?.transitionCase).toMatchObject({
      state: 'CLOSED',
      conclusion: 'Fixed in 4.2.1; advisory SA-1 follows.',
    });
    const mine = await app
      .client(reporterToken)
      .gql('{ reports(first: 1) { edges { node { status messages { kind body } } } } }');
    const node = mine.data?.reports.edges[0].node;
    expect(node.status).toBe('CLOSED');
    expect(node.messages.at(-1)).toEqual({ kind: 'CONCLUSION', body: 'Fixed in 4.2.1; advisory SA-1 follows.' });

    // The timeline tells the story, in order, with who did it.
    const tl = await w.analyst.gql(`{ case(publicId: "${caseId}") { timeline { type actor { id } data } } }`);
    const types = tl.data?.case.timeline.map((e: any) => e.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'CASE_OPENED',
        'IMPACT_ADDED',
        'MEMBER_ADDED',
        'IMPACT_CHANGED',
        'CASE_TRANSITIONED',
        'MITIGATION_ADDED',
        'MESSAGE_SENT',
      ]),
    );
    const moves = tl.data?.case.timeline
      .filter((e: any) => e.type === 'CASE_TRANSITIONED')
      .map((e: any) => [e.data.from, e.data.to]);
    expect(moves).toEqual([
      ['ANALYSIS', 'REMEDIATION'],
      ['REMEDIATION', 'DISCLOSURE'],
      ['DISCLOSURE', 'CLOSED'],
    ]);
    expect(tl.data?.case.timeline.find((e: any) => e.type === 'IMPACT_CHANGED').actor.id).toBe(
      Buffer.from(`User:${w.gridSpecialist.userId}`).toString('base64'),
    );
  });

  it('lets only the product line record impact, and insists on a justification for NOT_AFFECTED', async () => {
    const { caseId } = await openCase(app, w, ['gateway', 'bms']);
    // The building Prime is on the case (bms), but gateway is not theirs.
    expect(code(await w.buildingPrime.gql(IMPACT, { i: { caseId, product: 'gateway', status: 'AFFECTED' } }))).toBe(
      'FORBIDDEN',
    );
    const noWhy = await w.buildingPrime.gql(IMPACT, { i: { caseId, product: 'bms', status: 'NOT_AFFECTED' } });
    expect(noWhy.errors?.[0]).toMatchObject({
      message: 'input.justification: NOT_AFFECTED needs a VEX justification',
      extensions: { code: 'VALIDATION', field: 'input.justification' },
    });
    const ok = await w.buildingPrime.gql(IMPACT, {
      i: { caseId, product: 'bms', status: 'NOT_AFFECTED', justification: 'COMPONENT_NOT_PRESENT' },
    });
    expect(ok.data?.setProductImpact.impacts).toContainEqual({
      product: { key: 'bms' },
      status: 'NOT_AFFECTED',
      justification: 'COMPONENT_NOT_PRESENT',
      fixedVersion: null,
    });
    const fixedNoVersion = await w.gridPrime.gql(IMPACT, { i: { caseId, product: 'gateway', status: 'FIXED' } });
    expect(fixedNoVersion.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'input.fixedVersion' });
    const unknown = await w.analyst.gql(IMPACT, { i: { caseId, product: 'toaster', status: 'AFFECTED' } });
    expect(unknown.errors?.[0]).toMatchObject({
      message: 'input.product: unknown product "toaster".',
      extensions: { code: 'VALIDATION' },
    });
    // A mitigation is not a fix.
    const bad = await w.gridPrime.gql(MITIGATE, {
      i: { caseId, product: 'gateway', kind: 'WORKAROUND', description: 'Block port 443.', fixVersion: '4.2.1' },
    });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'input.fixVersion' });
    const wa = await w.gridPrime.gql(MITIGATE, {
      i: { caseId, product: 'gateway', kind: 'WORKAROUND', description: 'Restrict the web UI to the management VLAN.' },
    });
    expect(wa.data?.addMitigation.mitigations).toHaveLength(1);
  });

  it('keeps a case to its team: removing a member takes it out of their sight at once', async () => {
    const { caseId } = await openCase(app, w);
    const add = `mutation($c: String!, $u: ID!) { addCaseMember(caseId: $c, userId: $u, role: NEED_TO_KNOW) { members { role user { id } } } }`;
    const remove = `mutation($c: String!, $u: ID!) { removeCaseMember(caseId: $c, userId: $u) { publicId } }`;
    const outsiderId = Buffer.from(`User:${w.outsider.userId}`).toString('base64');

    expect((await w.outsider.gql(CASE, { c: caseId })).data).toEqual({ case: null });
    // Only the PSIRT or the case's Prime manage the team.
    expect(code(await w.gridSpecialist.gql(add, { c: caseId, u: outsiderId }))).toBe('FORBIDDEN');
    expect(code(await w.outsider.gql(add, { c: caseId, u: outsiderId }))).toBe('NOT_FOUND');
    const added = await w.gridPrime.gql(add, { c: caseId, u: outsiderId });
    expect(added.data?.addCaseMember.members).toContainEqual({ role: 'NEED_TO_KNOW', user: { id: outsiderId } });
    expect((await w.outsider.gql(CASE, { c: caseId })).data?.case.publicId).toBe(caseId);

    // A Prime who only needs to know does not act as Prime on this case.
    const otherPrime = Buffer.from(`User:${w.buildingPrime.userId}`).toString('base64');
    await w.analyst.gql(add, { c: caseId, u: otherPrime });
    const moves = await w.buildingPrime.gql(`{ case(publicId: "${caseId}") { allowedTransitions { to } } }`);
    expect(moves.data?.case.allowedTransitions).toEqual([]);
    expect(code(await w.buildingPrime.gql(MOVE, { c: caseId, to: 'REMEDIATION' }))).toBe('FORBIDDEN');
    const own = await w.gridPrime.gql(`{ case(publicId: "${caseId}") { allowedTransitions { to } } }`);
    expect(own.data?.case.allowedTransitions).toEqual([{ to: 'REMEDIATION' }]);

    expect((await w.analyst.gql(remove, { c: caseId, u: outsiderId })).errors).toBeUndefined();
    expect((await w.outsider.gql(CASE, { c: caseId })).data).toEqual({ case: null });
    expect(
      code(await w.outsider.gql('mutation($c: String!) { addCaseNote(caseId: $c, text: "hi") { id } }', { c: caseId })),
    ).toBe('NOT_FOUND');
  });

  it('records coordination: embargo with its time zone, exploitation, public knowledge, CVEs, CERTs, notification plan', async () => {
    const { caseId } = await openCase(app, w);
    const update = `mutation($i: UpdateCaseInput!) { updateCase(input: $i) {
      embargoUntil embargoTimeZone exploitationObserved exploitationObservedAt exploitationSource publiclyKnown notificationPlan } }`;
    const res = await w.analyst.gql(update, {
      i: {
        caseId,
        embargoUntil: '2027-03-10T09:00:00.000Z',
        embargoTimeZone: 'Europe/Zurich',
        exploitationObserved: { value: true, at: '2026-11-01T00:00:00.000Z', source: 'Customer SOC report' },
        notificationPlan: 'Customers with support contracts 7 days before publication.',
      },
    });
    expect(res.errors).toBeUndefined();
    expect(res.data?.updateCase).toEqual({
      embargoUntil: '2027-03-10T09:00:00.000Z',
      embargoTimeZone: 'Europe/Zurich',
      exploitationObserved: true,
      exploitationObservedAt: '2026-11-01T00:00:00.000Z',
      exploitationSource: 'Customer SOC report',
      publiclyKnown: false,
      notificationPlan: 'Customers with support contracts 7 days before publication.',
    });
    const badZone = await w.analyst.gql(update, { i: { caseId, embargoTimeZone: 'Mars/Olympus' } });
    expect(badZone.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'input.embargoTimeZone' });

    const cve =
      'mutation($c: String!, $id: String, $s: CveState) { recordCve(caseId: $c, cveId: $id, state: $s, assigner: "MITRE") { cveAssignments { cveId state assigner } } }';
    expect((await w.analyst.gql(cve, { c: caseId })).data?.recordCve.cveAssignments).toEqual([
      { cveId: null, state: 'REQUESTED', assigner: 'MITRE' },
    ]);
    const reserved = await w.analyst.gql(cve, { c: caseId, id: 'CVE-2026-41234', s: 'RESERVED' });
    expect(reserved.data?.recordCve.cveAssignments).toEqual([
      { cveId: 'CVE-2026-41234', state: 'RESERVED', assigner: 'MITRE' },
    ]);
    expect((await w.analyst.gql(cve, { c: caseId, id: 'CVE-26-1', s: 'RESERVED' })).errors?.[0]?.extensions?.code).toBe(
      'VALIDATION',
    );
    expect(code(await w.gridPrime.gql(cve, { c: caseId }))).toBe('FORBIDDEN');
    const other = await openCase(app, w);
    expect(code(await w.analyst.gql(cve, { c: other.caseId, id: 'CVE-2026-41234', s: 'RESERVED' }))).toBe('CONFLICT');

    const cert = await w.analyst.gql(
      'mutation($c: String!) { recordCertNotification(caseId: $c, organization: "CISA", reference: "VU#123456") { certNotifications { organization reference notifiedAt } } }',
      { c: caseId },
    );
    expect(cert.data?.recordCertNotification.certNotifications).toEqual([
      expect.objectContaining({ organization: 'CISA', reference: 'VU#123456' }),
    ]);
  });

  it('knows when reporters are owed an update, and filters on it', async () => {
    await using timed = await startTestApp({ submissionsPerHour: 1000 });
    const tw = await makeWorld(timed);
    const { caseId } = await openCase(timed, tw);
    const q = `{ cases(first: 10, filter: { overdue: true }) { totalCount edges { node { publicId updateOverdue nextUpdateDue } } } }`;
    expect((await tw.analyst.gql(q)).data?.cases.totalCount).toBe(0);
    const sla = await tw.admin.gql(
      'mutation { setSlaPolicy(updateEveryDays: 7) { updateEveryDays acknowledgeWithinHours } }',
    );
    expect(sla.data?.setSlaPolicy).toEqual({ updateEveryDays: 7, acknowledgeWithinHours: 24 });
    expect(code(await tw.analyst.gql('mutation { setSlaPolicy(updateEveryDays: 3) { updateEveryDays } }'))).toBe(
      'FORBIDDEN',
    );
    expect(
      (await tw.admin.gql('mutation { setSlaPolicy(updateEveryDays: 0) { updateEveryDays } }')).errors?.[0]?.extensions
        ?.code,
    ).toBe('VALIDATION');

    timed.advanceClock(8 * 86_400_000);
    const overdue = await tw.analyst.gql(q);
    expect(overdue.data?.cases.edges).toEqual([
      { node: expect.objectContaining({ publicId: caseId, updateOverdue: true }) },
    ]);
    // A status update resets the clock.
    await tw.analyst.gql(
      'mutation($c: String!) { messageReporters(caseId: $c, body: "Still analysing; fix expected in March.") { id } }',
      { c: caseId },
    );
    const after = await tw.analyst.gql(
      `{ case(publicId: "${caseId}") { updateOverdue nextUpdateDue lastReporterUpdateAt } }`,
    );
    expect(after.data?.case.updateOverdue).toBe(false);
    expect(Date.parse(after.data?.case.nextUpdateDue) - Date.parse(after.data?.case.lastReporterUpdateAt)).toBe(
      7 * 86_400_000,
    );
  });

  it('lists cases with filters and stable sorting, counting only what the viewer may see', async () => {
    await using listed = await startTestApp({ submissionsPerHour: 1000 });
    const lw = await makeWorld(listed);
    const a = await openCase(listed, lw, ['gateway']);
    const b = await openCase(listed, lw, ['bms']);
    const c = await openCase(listed, lw, ['rtu']);
    await lw.analyst.gql('mutation($i: UpdateCaseInput!) { updateCase(input: $i) { id } }', {
      i: { caseId: b.caseId, title: 'Hard-coded credentials in BMS', embargoUntil: '2027-01-01T00:00:00Z' },
    });
    const ids = async (client: typeof lw.analyst, filter: string, order = 'CREATED_ASC') => {
      const r = await client.gql(
        `{ cases(first: 50, orderBy: ${order}, filter: ${filter}) { totalCount edges { node { publicId } } } }`,
      );
      if (r.errors) throw new Error(JSON.stringify(r.errors));
      return { total: r.data?.cases.totalCount, ids: r.data?.cases.edges.map((e: any) => e.node.publicId) };
    };
    expect(await ids(lw.analyst, '{}')).toEqual({ total: 3, ids: [a.caseId, b.caseId, c.caseId] });
    expect(await ids(lw.analyst, '{}', 'CREATED_DESC')).toEqual({ total: 3, ids: [c.caseId, b.caseId, a.caseId] });
    expect(await ids(lw.analyst, '{ productLine: "grid" }')).toEqual({ total: 2, ids: [a.caseId, c.caseId] });
    expect(await ids(lw.analyst, '{ products: ["bms"] }')).toEqual({ total: 1, ids: [b.caseId] });
    expect(await ids(lw.analyst, '{ search: "hard-CODED" }')).toEqual({ total: 1, ids: [b.caseId] });
    expect(await ids(lw.analyst, '{ embargoBefore: "2027-06-01T00:00:00Z" }')).toEqual({ total: 1, ids: [b.caseId] });
    expect(await ids(lw.analyst, '{ states: [CLOSED] }')).toEqual({ total: 0, ids: [] });
    const prime = Buffer.from(`User:${lw.buildingPrime.userId}`).toString('base64');
    expect(await ids(lw.analyst, `{ assignee: "${prime}" }`)).toEqual({ total: 1, ids: [b.caseId] });
    // The building Prime sees (and counts) only their case.
    expect(await ids(lw.buildingPrime, '{}')).toEqual({ total: 1, ids: [b.caseId] });
    expect(await ids(lw.outsider, '{}')).toEqual({ total: 0, ids: [] });
    // Pages follow one another without gaps or repeats.
    const p1 = await lw.analyst.gql(
      '{ cases(first: 2, orderBy: CREATED_ASC) { pageInfo { endCursor hasNextPage } edges { node { publicId } } } }',
    );
    const p2 = await lw.analyst.gql(
      `{ cases(first: 2, after: "${p1.data?.cases.pageInfo.endCursor}", orderBy: CREATED_ASC) { pageInfo { hasNextPage } edges { node { publicId } } } }`,
    );
    expect([...(p1.data?.cases.edges ?? []), ...(p2.data?.cases.edges ?? [])].map((e: any) => e.node.publicId)).toEqual(
      [a.caseId, b.caseId, c.caseId],
    );
    expect(p2.data?.cases.pageInfo.hasNextPage).toBe(false);
  });
});
