// Security Advisories: drafting from cases, committee review with one vote per
// member per revision, publication under the disclosure policy, revisions of
// a published advisory — and what the public may read of it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readyCase } from '../support/advisories.ts';
import { type Client, startTestApp, type TestApp } from '../support/app.ts';
import { csafProblems } from '../support/csaf.ts';
import { dialect } from '../support/db.ts';
import { makeWorld, reportInput, SUBMIT, type World } from '../support/world.ts';

let app: TestApp;
let w: World;
let committee: Client[];

beforeAll(async () => {
  app = await startTestApp({ submissionsPerHour: 1000 });
  w = await makeWorld(app);
  committee = [w.committee, await app.login('COMMITTEE_MEMBER'), await app.login('COMMITTEE_MEMBER')];
  // The catalogue names its products (CSAF product_identification_helper, optional test 6.2.16).
  await app.db.prisma.product.update({
    where: { key: 'gateway' },
    data: { purl: 'pkg:generic/example/gridlink-gateway', cpe: 'cpe:2.3:h:example:gridlink_gateway' },
  });
  await app.db.prisma.product.update({ where: { key: 'rtu' }, data: { cpe: 'cpe:2.3:h:example:rtu500' } });
  await app.db.prisma.product.update({ where: { key: 'bms' }, data: { cpe: 'cpe:2.3:h:example:bms_controller' } });
});
afterAll(() => app?.[Symbol.asyncDispose]());

const code = (r: { errors?: { extensions?: { code?: string } }[] }) => r.errors?.[0]?.extensions?.code;
const FIELDS = `publicId title state early publicationBasis publishedAt currentRevision
  tally { approve reject abstain missing decision }
  published { number changelog content }
  revisions { number changelog votes { decision comment voter { id } } }
  timeline { type data }`;
const CREATE = `mutation($c: [String!]!, $t: String!) { createAdvisory(cases: $c, title: $t) { ${FIELDS} } }`;
const REVIEW = `mutation($a: String!, $l: String!) { requestAdvisoryReview(advisoryId: $a, changelog: $l) { ${FIELDS} } }`;
const VOTE = `mutation($a: String!, $d: VoteDecision!, $c: String) { castAdvisoryVote(advisoryId: $a, decision: $d, comment: $c) { ${FIELDS} } }`;
const PUBLISH = `mutation($a: String!, $b: PublicationBasis, $j: String) { publishAdvisory(advisoryId: $a, basis: $b, justification: $j) { ${FIELDS} } }`;
const UPDATE_CASE = 'mutation($i: UpdateCaseInput!) { updateCase(input: $i) { id } }';
const CSAF = `query($a: String!) { advisory(publicId: $a) { advisory: csaf vex: csaf(profile: VEX) } }`;

/**
 * Both CSAF documents of a published advisory, as the public gets them, checked
 * by the CSAF validator: valid (strict schema, mandatory tests), and without a
 * finding of the optional tests (§6.2).
 */
async function validCsaf(a: string, stays: string[] = []) {
  const res = await app.anonymous.gql(CSAF, { a });
  expect(res.errors).toBeUndefined();
  const { advisory, vex } = res.data?.advisory ?? {};
  expect(await csafProblems(advisory)).toEqual([]);
  expect(await csafProblems(vex)).toEqual([]);
  expect(await csafProblems(advisory, 'optional')).toEqual(stays);
  expect(await csafProblems(vex, 'optional')).toEqual(stays);
  return { advisory, vex };
}

describe(`security advisories (${dialect})`, () => {
  it('goes from draft through committee review to publication, and keeps the public to the published revision', async () => {
    const caseId = await readyCase(app, w);
    const created = await w.analyst.gql(CREATE, { c: [caseId], t: 'GridLink Gateway authentication bypass' });
    expect(created.errors).toBeUndefined();
    const sa = created.data?.createAdvisory;
    expect(sa).toMatchObject({ state: 'DRAFT', currentRevision: 0, tally: null, published: null });
    expect(sa.publicId).toMatch(/^SA-\d{4}-\d{4}$/);
    const a = sa.publicId as string;
    // TLP 2.0 names throughout; TLP 1.0's WHITE is taken as CLEAR, and shown as CLEAR.
    const white = await w.analyst.gql(`mutation { updateAdvisory(advisoryId: "${a}", tlp: WHITE) { tlp } }`);
    expect(white.errors).toBeUndefined();
    expect(white.data?.updateAdvisory.tlp).toBe('CLEAR');

    // Nothing to vote on yet; only the PSIRT asks for a review.
    expect(code((await committee[0]?.gql(VOTE, { a, d: 'APPROVE' })) ?? {})).toBe('CONFLICT');
    expect(code(await w.gridPrime.gql(REVIEW, { a, l: 'Initial release' }))).toBe('FORBIDDEN');
    const review = await w.analyst.gql(REVIEW, { a, l: 'Initial release' });
    expect(review.data?.requestAdvisoryReview).toMatchObject({
      state: 'IN_REVIEW',
      currentRevision: 1,
      tally: { approve: 0, reject: 0, abstain: 0, missing: 3, decision: null },
    });
    const content = review.data?.requestAdvisoryReview.revisions[0];
    expect(content).toMatchObject({ number: 1, changelog: 'Initial release', votes: [] });

    // Before publication the public sees nothing: not the advisory, not a count.
    expect((await app.anonymous.gql(`{ advisory(publicId: "${a}") { title } }`)).data?.advisory).toBeNull();
    expect((await w.outsider.gql('{ advisories(first: 5) { totalCount } }')).data?.advisories.totalCount).toBe(0);

    // One vote per member per revision: voting again changes the vote, never adds one.
    const [c1, c2, c3] = committee as [Client, Client, Client];
    await c1.gql(VOTE, { a, d: 'APPROVE' });
    const changed = await c1.gql(VOTE, { a, d: 'REJECT', c: 'The workaround section is missing.' });
    expect(changed.data?.castAdvisoryVote.tally).toMatchObject({ approve: 0, reject: 1, missing: 2 });
    const back = await c1.gql(VOTE, { a, d: 'APPROVE', c: 'Fine now.' });
    expect(back.data?.castAdvisoryVote.tally).toMatchObject({ approve: 1, reject: 0, missing: 2 });
    expect(code(await w.analyst.gql(VOTE, { a, d: 'APPROVE' }))).toBe('FORBIDDEN');
    await c2.gql(VOTE, { a, d: 'APPROVE' });
    const decided = await c3.gql(VOTE, { a, d: 'ABSTAIN' });
    expect(decided.data?.castAdvisoryVote).toMatchObject({
      state: 'APPROVED',
      tally: { approve: 2, reject: 0, abstain: 1, missing: 0, decision: 'APPROVED' },
    });
    expect(code(await c3.gql(VOTE, { a, d: 'REJECT' }))).toBe('CONFLICT');

    // Under embargo nothing is published.
    await w.analyst.gql(UPDATE_CASE, { i: { caseId, embargoUntil: new Date(Date.now() + 86_400_000).toISOString() } });
    const early = await w.analyst.gql(PUBLISH, { a });
    expect(code(early)).toBe('CONFLICT');
    expect(early.errors?.[0]?.message).toMatch(
      /^Embargoed: VAR-\d{4}-\d{4} until .*Nothing is published before the embargo ends\.$/,
    );
    await w.analyst.gql(UPDATE_CASE, { i: { caseId, embargoUntil: null } });

    const pub = await w.analyst.gql(PUBLISH, { a });
    expect(pub.errors).toBeUndefined();
    expect(pub.data?.publishAdvisory).toMatchObject({
      state: 'PUBLISHED',
      early: false,
      publicationBasis: 'FIXES_AVAILABLE',
    });
    const published = pub.data?.publishAdvisory.published;
    expect(published.number).toBe(1);
    expect(published.content).toMatchObject({
      title: 'GridLink Gateway authentication bypass',
      cves: ['CVE-2026-10001'],
      credits: ['Rhea Reporter (Example Lab)'],
      products: [
        {
          key: 'gateway',
          status: 'AFFECTED',
          affectedVersions: '<4.2.1',
          avss: { version: 'V3_1', score: 8.8, severity: 'HIGH' },
        },
        { key: 'rtu', status: 'NOT_AFFECTED', justification: 'VULNERABLE_CODE_NOT_PRESENT', avss: null },
      ],
      remediations: [{ kind: 'FIX', product: 'gateway', fixVersion: '4.2.1' }],
    });
    expect(pub.data?.publishAdvisory.timeline.map((e: { type: string }) => e.type)).toEqual([
      'ADVISORY_CREATED',
      'ADVISORY_REVIEW_REQUESTED',
      'ADVISORY_VOTE_CAST',
      'ADVISORY_VOTE_CAST',
      'ADVISORY_VOTE_CAST',
      'ADVISORY_VOTE_CAST',
      'ADVISORY_VOTE_CAST',
      'ADVISORY_DECIDED',
      'ADVISORY_PUBLISHED',
    ]);

    // The public reads the published revision, and only that.
    const pubRead = await app.anonymous.gql(
      `{ advisory(publicId: "${a}") { title state published { number content } } }`,
    );
    expect(pubRead.data?.advisory).toMatchObject({
      title: 'GridLink Gateway authentication bypass',
      state: 'PUBLISHED',
      published: { number: 1 },
    });
    const pry = await app.anonymous.gql(`{ advisory(publicId: "${a}") { tally { approve } } }`);
    expect(code(pry)).toBe('UNAUTHENTICATED');
    expect(JSON.stringify(pry)).not.toContain('approve":');

    // An update is a new revision before the committee; votes start from zero and the public keeps revision 1.
    const update = await w.analyst.gql(REVIEW, { a, l: 'Workaround for older firmware added' });
    expect(update.data?.requestAdvisoryReview).toMatchObject({
      state: 'IN_REVIEW',
      currentRevision: 2,
      tally: { approve: 0, missing: 3 },
      published: { number: 1 },
    });
    expect(
      (await app.anonymous.gql(`{ advisory(publicId: "${a}") { published { number } } }`)).data?.advisory.published
        .number,
    ).toBe(1);
    // …and the public state: that a next revision is in review is not public.
    const publicView = await app.anonymous.gql(`{ advisory(publicId: "${a}") { state } }`);
    expect(publicView.data?.advisory.state).toBe('PUBLISHED');
    const listed = (states: string) =>
      app.anonymous.gql(`{ advisories(first: 50, states: [${states}]) { totalCount edges { node { publicId } } } }`);
    expect((await listed('IN_REVIEW')).data?.advisories).toEqual({ totalCount: 0, edges: [] });
    expect((await listed('PUBLISHED')).data?.advisories.edges).toContainEqual({ node: { publicId: a } });
    expect((await w.committee.gql(`{ advisory(publicId: "${a}") { state } }`)).data?.advisory.state).toBe('IN_REVIEW');

    // Approved and published again: the CSAF revision history lists both publications.
    for (const c of committee) await c.gql(VOTE, { a, d: 'APPROVE' });
    const again = await w.analyst.gql(PUBLISH, { a });
    expect(again.data?.publishAdvisory).toMatchObject({ state: 'PUBLISHED', published: { number: 2 } });
    const csaf = await validCsaf(a);
    expect(csaf.advisory.document).toMatchObject({
      category: 'csaf_security_advisory',
      csaf_version: '2.0',
      title: 'GridLink Gateway authentication bypass',
      distribution: { tlp: { label: 'WHITE' } },
      acknowledgments: [{ names: ['Rhea Reporter (Example Lab)'] }],
      tracking: {
        id: a,
        status: 'final',
        version: '2',
        revision_history: [
          { number: '1', summary: 'Initial release' },
          { number: '2', summary: 'Workaround for older firmware added' },
        ],
      },
    });
    expect(csaf.advisory.vulnerabilities).toEqual([
      expect.objectContaining({
        cve: 'CVE-2026-10001',
        product_status: {
          known_affected: ['CSAFPID-gateway'],
          fixed: ['CSAFPID-gateway-4.2.1'],
          known_not_affected: ['CSAFPID-rtu'],
        },
        flags: [{ label: 'vulnerable_code_not_present', product_ids: ['CSAFPID-rtu'] }],
        remediations: [expect.objectContaining({ category: 'vendor_fix', product_ids: ['CSAFPID-gateway'] })],
        scores: [
          {
            cvss_v3: expect.objectContaining({ version: '3.1', baseScore: 8.8, baseSeverity: 'HIGH' }),
            products: ['CSAFPID-gateway'],
          },
        ],
      }),
    ]);
    expect(csaf.vex.document.category).toBe('csaf_vex');
    // The validator is not a rubber stamp: a product left out of the tree is caught (test 6.1.1).
    const broken = { ...csaf.advisory, product_tree: { branches: [] } };
    expect((await csafProblems(broken)).join('\n')).toMatch(/mandatoryTest_6_1_1/);
    // The same bytes every time (hashes in the provider layout stay valid).
    expect(await validCsaf(a)).toEqual(csaf);
  });

  it('enforces the disclosure policy at publish time: early advisories need exploitation or public information', async () => {
    const open = await app.anonymous.gql(SUBMIT, { input: reportInput() });
    const acc = await w.analyst.gql(
      'mutation($r: String!) { acceptReport(reportId: $r, products: ["gateway"]) { publicId } }',
      {
        r: open.data?.submitVulnerabilityReport.publicId,
      },
    );
    const caseId = acc.data?.acceptReport.publicId as string;
    const a = (await w.analyst.gql(CREATE, { c: [caseId], t: 'Early warning: GridLink Gateway' })).data?.createAdvisory
      .publicId;
    await w.analyst.gql(REVIEW, { a, l: 'Initial release' });
    for (const c of committee) await c.gql(VOTE, { a, d: 'APPROVE' });

    const refused = await w.analyst.gql(PUBLISH, { a });
    expect(code(refused)).toBe('CONFLICT');
    expect(refused.errors?.[0]?.message).toContain(
      `no basis holds: ${caseId} is in ANALYSIS, not yet in DISCLOSURE (move it to REMEDIATION, then to DISCLOSURE: transitionCase(caseId: "${caseId}", to: …)); ${caseId}: gateway is still under investigation`,
    );
    expect(code(await w.analyst.gql(PUBLISH, { a, b: 'EXCEPTION', j: 'We want to publish anyway, honestly.' }))).toBe(
      'FORBIDDEN',
    );

    await w.analyst.gql(UPDATE_CASE, { i: { caseId, exploitationObserved: { value: true, source: 'CERT report' } } });
    const pub = await w.analyst.gql(PUBLISH, { a });
    expect(pub.data?.publishAdvisory).toMatchObject({
      state: 'PUBLISHED',
      early: true,
      publicationBasis: 'EXPLOITATION_OBSERVED',
    });
    // A confidential reporter is never credited.
    expect(pub.data?.publishAdvisory.published.content.credits).toEqual([]);
    // An early advisory is interim CSAF and says so; nothing is known about the gateway yet.
    const { advisory: early } = await validCsaf(a);
    expect(early.document.tracking.status).toBe('interim');
    expect(early.document.notes).toContainEqual(
      expect.objectContaining({ category: 'general', title: 'Early advisory' }),
    );
    expect(early.vulnerabilities[0]).toMatchObject({ product_status: { under_investigation: ['CSAFPID-gateway'] } });

    // The PSIRT keeps a list of early advisories and what each still misses; once fixes ship it is due for revision.
    const EARLY = '{ earlyAdvisories { publicId remediationGaps } }';
    const listed = (await w.analyst.gql(EARLY)).data?.earlyAdvisories.find(
      (x: { publicId: string }) => x.publicId === a,
    );
    expect(listed.remediationGaps).toEqual([
      `${caseId} is in ANALYSIS, not yet in DISCLOSURE (move it to REMEDIATION, then to DISCLOSURE: transitionCase(caseId: "${caseId}", to: …))`,
      `${caseId}: gateway is still under investigation`,
    ]);
    expect((await app.anonymous.gql(EARLY)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    for (const [q, v] of [
      [
        'mutation($i: ProductImpactInput!) { setProductImpact(input: $i) { id } }',
        { i: { caseId, product: 'gateway', status: 'FIXED', fixedVersion: '4.2.1' } },
      ],
      [
        'mutation($i: MitigationInput!) { addMitigation(input: $i) { id } }',
        { i: { caseId, product: 'gateway', kind: 'FIX', description: 'Update to 4.2.1.', fixVersion: '4.2.1' } },
      ],
      ['mutation($c: String!) { transitionCase(caseId: $c, to: REMEDIATION) { id } }', { c: caseId }],
      ['mutation($c: String!) { transitionCase(caseId: $c, to: DISCLOSURE) { id } }', { c: caseId }],
    ] as const) {
      const r = await w.analyst.gql(q, v);
      expect(r.errors).toBeUndefined();
    }
    const due = (await committee[0]?.gql(EARLY))?.data?.earlyAdvisories.find(
      (x: { publicId: string }) => x.publicId === a,
    );
    expect(due.remediationGaps).toEqual([]);

    // Withdrawal is an admin's, with a reason; then the public sees nothing again.
    expect(
      code(
        await w.analyst.gql(`mutation { withdrawAdvisory(advisoryId: "${a}", reason: "Published in error.") { id } }`),
      ),
    ).toBe('FORBIDDEN');
    const gone = await w.admin.gql(
      `mutation { withdrawAdvisory(advisoryId: "${a}", reason: "Published in error.") { state } }`,
    );
    expect(gone.data?.withdrawAdvisory.state).toBe('WITHDRAWN');
    expect((await app.anonymous.gql(`{ advisory(publicId: "${a}") { title } }`)).data?.advisory).toBeNull();
  });

  it('says in CSAF what customers need: the CWE, a fix by version, a CVSS v4.0 score, product identifiers', async () => {
    const caseId = await readyCase(app, w, { cve: 'CVE-2026-10077' });
    const steps: [string, Record<string, unknown>][] = [
      [UPDATE_CASE, { i: { caseId, cweIds: ['CWE-287'] } }],
      // The BMS is fixed in 2.0.4 — said on its impact only, with no FIX recorded for it.
      [
        'mutation($i: ProductImpactInput!) { setProductImpact(input: $i) { id } }',
        { i: { caseId, product: 'bms', status: 'FIXED', affectedVersions: '<2.0.4', fixedVersion: '2.0.4' } },
      ],
      // …and scored with CVSS 4.0 only.
      [
        'mutation($i: RecordScoreInput!) { recordScore(input: $i) { id } }',
        {
          i: {
            caseId,
            kind: 'AVSS',
            product: 'bms',
            vector: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N',
            rationale: 'Reachable from the building network.',
          },
        },
      ],
    ];
    for (const [q, v] of steps) expect((await w.analyst.gql(q, v)).errors).toBeUndefined();
    const { publishedAdvisory } = await import('../support/advisories.ts');
    const a = await publishedAdvisory(app, w, caseId);
    // A product scored with CVSS 4.0 only has no CSAF 2.0 score (6.2.3): the note says it until CSAF 2.1.
    const { advisory } = await validCsaf(a, [
      'optionalTest_6_2_3: /vulnerabilities/0/product_status/known_affected/1 missing score',
    ]);
    const [vuln] = advisory.vulnerabilities;
    expect(vuln.cwe).toEqual({ id: 'CWE-287', name: 'Improper Authentication' });
    // A fixed version is a vendor fix, never "no fix or workaround is available yet".
    const bmsFix = vuln.remediations.filter((r: { product_ids: string[] }) => r.product_ids.includes('CSAFPID-bms'));
    expect(bmsFix).toEqual([
      { category: 'vendor_fix', details: 'Update BMS Controller to 2.0.4 or later.', product_ids: ['CSAFPID-bms'] },
    ]);
    expect(JSON.stringify(vuln.remediations)).not.toContain('none_available');
    expect(vuln.notes).toContainEqual({
      category: 'other',
      title: 'CVSS v4.0: BMS Controller',
      text: 'BMS Controller: CVSS v4.0 base score 9.3 (CRITICAL), CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N. CSAF 2.0 has no field for CVSS v4.0 scores.',
    });
    const products = JSON.stringify(advisory.product_tree);
    expect(products).toContain(
      '"product_identification_helper":{"cpe":"cpe:2.3:h:example:gridlink_gateway:4.2.1:*:*:*:*:*:*:*","purl":"pkg:generic/example/gridlink-gateway@4.2.1"}',
    );
    expect(products).toContain('"product_identification_helper":{"cpe":"cpe:2.3:h:example:rtu500:*:*:*:*:*:*:*:*"}');
  });

  it('lists advisories with titles, published revisions and tallies in the same number of statements for 1 or many', async () => {
    const LIST = (n: number) =>
      `{ advisories(first: ${n}) { edges { node { title published { number } tally { approve missing } } } } }`;
    const many = await w.committee.gql(LIST(10));
    expect(many.data?.advisories.edges.length).toBeGreaterThan(1);
    app.queryCount();
    await w.committee.gql(LIST(1));
    const forOne = app.queryCount();
    await w.committee.gql(LIST(10));
    expect(app.queryCount()).toBe(forOne);
  });

  it('lets admins set the quorum and majority, and publishes the lifecycle', async () => {
    expect(code(await w.analyst.gql('mutation { setCommitteePolicy(quorum: 2) { quorum } }'))).toBe('FORBIDDEN');
    expect(code(await w.admin.gql('mutation { setCommitteePolicy(quorum: 0) { quorum } }'))).toBe('VALIDATION');
    const set = await w.admin.gql(
      'mutation { setCommitteePolicy(quorum: 2, majority: TWO_THIRDS) { quorum majority } }',
    );
    expect(set.data?.setCommitteePolicy).toEqual({ quorum: 2, majority: 'TWO_THIRDS' });
    await w.admin.gql('mutation { setCommitteePolicy(quorum: 3, majority: SIMPLE) { quorum } }');
    const wf = await app.anonymous.gql('{ advisoryWorkflow { from to name roles byCommittee } }');
    expect(wf.data?.advisoryWorkflow).toContainEqual({
      from: 'IN_REVIEW',
      to: 'APPROVED',
      name: 'approve',
      roles: [],
      byCommittee: 'APPROVED',
    });
    expect(wf.data?.advisoryWorkflow).toContainEqual({
      from: 'PUBLISHED',
      to: 'WITHDRAWN',
      name: 'withdraw',
      roles: ['ADMIN'],
      byCommittee: null,
    });
  });
});
