// Advisories for tests: a case ready for disclosure, and an advisory taken all
// the way to publication through the API (review, committee votes, publish).
import type { Client, TestApp } from './app.ts';
import { reportInput, SUBMIT, type World } from './world.ts';

/** A case in DISCLOSURE: the gateway affected with an AVSS, a fix, a CVE; credited reporter. */
export async function readyCase(app: TestApp, w: World, options: { cve?: string } = {}) {
  const cve = options.cve ?? 'CVE-2026-10001';
  const sub = await app.anonymous.gql(SUBMIT, {
    input: reportInput({
      reporter: {
        name: 'Rhea Reporter',
        organization: 'Example Lab',
        email: 'rhea@lab.example',
        confidential: false,
        creditPreference: 'NAME_AND_ORGANIZATION',
      },
    }),
  });
  const acc = await w.analyst.gql(
    'mutation($r: String!) { acceptReport(reportId: $r, products: ["gateway"]) { publicId } }',
    {
      r: sub.data?.submitVulnerabilityReport.publicId,
    },
  );
  const caseId = acc.data?.acceptReport.publicId as string;
  const steps: [Client, string, Record<string, unknown>][] = [
    [
      w.gridSpecialist,
      'mutation($i: ProductImpactInput!) { setProductImpact(input: $i) { id } }',
      { i: { caseId, product: 'gateway', status: 'AFFECTED', affectedVersions: '<4.2.1' } },
    ],
    [
      w.gridSpecialist,
      'mutation($i: ProductImpactInput!) { setProductImpact(input: $i) { id } }',
      {
        i: {
          caseId,
          product: 'rtu',
          status: 'NOT_AFFECTED',
          justification: 'VULNERABLE_CODE_NOT_PRESENT',
          justificationText: 'The RTU500 web server does not use session cookies.',
        },
      },
    ],
    [
      w.gridSpecialist,
      'mutation($i: RecordScoreInput!) { recordScore(input: $i) { id } }',
      {
        i: {
          caseId,
          kind: 'AVSS',
          product: 'gateway',
          vector: 'CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
          rationale: 'Plant network only.',
        },
      },
    ],
    [
      w.gridSpecialist,
      'mutation($i: MitigationInput!) { addMitigation(input: $i) { id } }',
      { i: { caseId, product: 'gateway', kind: 'FIX', description: 'Update to 4.2.1.', fixVersion: '4.2.1' } },
    ],
    [
      w.analyst,
      `mutation($c: String!) { recordCve(caseId: $c, cveId: "${cve}", state: RESERVED) { id } }`,
      { c: caseId },
    ],
    [w.analyst, 'mutation($c: String!) { transitionCase(caseId: $c, to: REMEDIATION) { id } }', { c: caseId }],
    [w.analyst, 'mutation($c: String!) { transitionCase(caseId: $c, to: DISCLOSURE) { id } }', { c: caseId }],
  ];
  for (const [who, query, vars] of steps) {
    const res = await who.gql(query, vars);
    if (res.errors) throw new Error(`${query}: ${JSON.stringify(res.errors)}`);
  }
  return caseId;
}

/** Takes an advisory on `caseId` through review, three committee approvals and publication. */
export async function publishedAdvisory(
  app: TestApp,
  w: World,
  caseId: string,
  options: { title?: string; tlp?: string; summary?: string } = {},
): Promise<string> {
  const created = await w.analyst.gql(
    'mutation($c: [String!]!, $t: String!, $s: String, $tlp: Tlp) { createAdvisory(cases: $c, title: $t, summary: $s, tlp: $tlp) { publicId } }',
    {
      c: [caseId],
      t: options.title ?? 'GridLink Gateway authentication bypass',
      s: options.summary ?? null,
      tlp: options.tlp ?? null,
    },
  );
  if (created.errors) throw new Error(JSON.stringify(created.errors));
  const a = created.data?.createAdvisory.publicId as string;
  const steps: [Client, string][] = [
    [w.analyst, `mutation { requestAdvisoryReview(advisoryId: "${a}", changelog: "Initial release") { id } }`],
  ];
  for (const [who, q] of steps) {
    const r = await who.gql(q);
    if (r.errors) throw new Error(JSON.stringify(r.errors));
  }
  const members = [w.committee, await app.login('COMMITTEE_MEMBER'), await app.login('COMMITTEE_MEMBER')];
  for (const m of members) {
    const r = await m.gql(`mutation { castAdvisoryVote(advisoryId: "${a}", decision: APPROVE) { id } }`);
    if (r.errors) throw new Error(JSON.stringify(r.errors));
  }
  const pub = await w.analyst.gql(`mutation { publishAdvisory(advisoryId: "${a}") { state } }`);
  if (pub.errors) throw new Error(JSON.stringify(pub.errors));
  return a;
}
