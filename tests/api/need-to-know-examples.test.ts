// Need-to-know, by hand: the examples that came before the generated matrix
// (need-to-know.test.ts, which checks every path of the schema against the rule
// table), kept for what they show plainly — every kind of viewer × the
// sensitive reads people ask about, and mutations on real records (which the
// matrix can only probe with placeholder arguments). A refusal is a typed
// FORBIDDEN / NOT_FOUND / UNAUTHENTICATED (or a null / zero that is
// indistinguishable from "does not exist"), and never carries the confidential
// data in its message.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, startTestApp, type TestApp } from '../support/app.ts';
import { dialect } from '../support/db.ts';
import { makeWorld, reportInput, SUBMIT, type World } from '../support/world.ts';

let app: TestApp;
let w: World;
let viewers: Record<string, Client>;
const ids = {
  case: '',
  caseNode: '',
  report: '',
  reportNode: '',
  triaged: '',
  impact: '',
  message: '',
  event: '',
  audit: '',
  member: '',
  score: '',
  advisory: '',
  advisoryNode: '',
  cra: '',
  craNode: '',
};
const SECRET_TITLE = 'Hard-coded root password in GridLink';
const SECRET_NAME = 'Rhea Confidential';

beforeAll(async () => {
  app = await startTestApp({ submissionsPerHour: 1000 });
  w = await makeWorld(app);
  // An integrator submits for a confidential reporter; the analyst opens the case.
  const sub = await w.integrator.gql(SUBMIT, {
    input: reportInput({ reporter: { name: SECRET_NAME, email: 'rhea@secret.example', confidential: true } }),
  });
  const { publicId, reporterToken } = sub.data?.submitVulnerabilityReport ?? {};
  const acc = await w.analyst.gql(
    'mutation($r: String!) { acceptReport(reportId: $r, title: "' +
      SECRET_TITLE +
      '", products: ["gateway"]) { id publicId reports { id } } }',
    { r: publicId },
  );
  ids.case = acc.data?.acceptReport.publicId;
  ids.caseNode = acc.data?.acceptReport.id;
  ids.report = publicId;
  ids.reportNode = acc.data?.acceptReport.reports[0].id;
  ids.triaged = publicId;
  const parts = await w.analyst.gql(
    `{ case(publicId: "${ids.case}") { impacts { id } messages { id } timeline { id } members { id } } }`,
  );
  if (parts.errors) throw new Error(JSON.stringify(parts.errors));
  ids.impact = parts.data?.case.impacts[0].id;
  ids.message = parts.data?.case.messages[0].id;
  ids.event = parts.data?.case.timeline[0].id;
  ids.member = parts.data?.case.members[0].id;
  const scored = await w.analyst.gql(
    `mutation { recordScore(input: { caseId: "${ids.case}", kind: VENDOR_BASE, vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" }) { scores { id } } }`,
  );
  if (scored.errors) throw new Error(JSON.stringify(scored.errors));
  ids.score = scored.data?.recordScore.scores[0].id;
  const drafted = await w.analyst.gql(
    `mutation { createAdvisory(cases: ["${ids.case}"], title: "Draft advisory for the root password") { id publicId } }`,
  );
  if (drafted.errors) throw new Error(JSON.stringify(drafted.errors));
  ids.advisory = drafted.data?.createAdvisory.publicId;
  ids.advisoryNode = drafted.data?.createAdvisory.id;
  const cra = await w.analyst.gql(
    `mutation { startCraNotification(input: { caseId: "${ids.case}", kind: SEVERE_INCIDENT, awareAt: "${new Date().toISOString()}", basis: "Root password used against a customer" }) { id handle } }`,
  );
  if (cra.errors) throw new Error(JSON.stringify(cra.errors));
  ids.cra = cra.data?.startCraNotification.handle;
  ids.craNode = cra.data?.startCraNotification.id;
  ids.audit = (await w.auditor.gql('{ auditLog(first: 1) { edges { node { id } } } }')).data?.auditLog.edges[0].node.id;
  const other = await app.anonymous.gql(SUBMIT, { input: reportInput() });
  // The Slack bot's account, on its own and acting for each kind of linked user.
  const bot = await app.login('CHAT_OPS');
  const lineless = await app.login('PRODUCT_SECURITY_PRIME');
  const staff = {
    admin: w.admin,
    analyst: w.analyst,
    casePrime: w.gridPrime,
    caseSpecialist: w.gridSpecialist,
    otherPrime: w.buildingPrime,
    committee: w.committee,
    auditor: w.auditor,
    integrator: w.integrator,
  };
  const acting: Record<string, Client> = {};
  for (const [who, c] of Object.entries(staff)) {
    const slackUserId = `U${who.toUpperCase()}`;
    await app.db.prisma.user.update({ where: { id: c.userId }, data: { slackUserId } });
    acting[`${ACTING}${who}`] = app.client(bot.token, { 'x-psirt-slack-user': slackUserId });
  }
  viewers = {
    anonymous: app.anonymous,
    reporter: app.client(reporterToken),
    otherReporter: app.client(other.data?.submitVulnerabilityReport.reporterToken),
    ...staff,
    bot,
    linelessPrime: lineless,
    ...acting,
  };
});

/** The bot acting for a linked user: `bot→analyst` must answer exactly as `analyst` does. */
const ACTING = 'bot→';
afterAll(() => app?.[Symbol.asyncDispose]());

type Outcome = 'allowed' | 'denied';
const DENIED = new Set(['FORBIDDEN', 'NOT_FOUND', 'UNAUTHENTICATED']);

interface Probe {
  name: string;
  /** Probes reading the same data by different paths: they must answer alike. */
  data?: string;
  allowed: string[];
  run(c: Client): Promise<Outcome>;
}

const read =
  (query: string, ok: (data: any) => boolean): Probe['run'] =>
  async (c) => {
    const res = await c.gql(query);
    for (const e of res.errors ?? []) {
      expect(DENIED.has(String(e.extensions?.code)), `${query}: ${e.message}`).toBe(true);
    }
    expect(JSON.stringify(res.errors ?? [])).not.toContain(SECRET_TITLE);
    expect(JSON.stringify(res.errors ?? [])).not.toContain(SECRET_NAME);
    return res.data && ok(res.data) ? 'allowed' : 'denied';
  };

/** A mutation is allowed when it gets past authorization (it may still fail validation or a guard). */
const write =
  (query: string): Probe['run'] =>
  async (c) => {
    const res = await c.gql(query);
    const code = res.errors?.[0]?.extensions?.code;
    expect(JSON.stringify(res.errors ?? [])).not.toContain(SECRET_TITLE);
    return code && DENIED.has(String(code)) ? 'denied' : 'allowed';
  };

const PSIRT = ['admin', 'analyst'];
const TEAM = [...PSIRT, 'casePrime', 'caseSpecialist'];
/** Case data (not what reporters wrote): the team, and the bot's account, which routes case notifications. */
const CASE_READERS = [...TEAM, 'bot'];

const probes = (): Probe[] => [
  {
    name: 'case(publicId:)',
    allowed: CASE_READERS,
    run: read(`{ case(publicId: "${ids.case}") { title } }`, (d) => d.case?.title === SECRET_TITLE),
  },
  {
    name: 'node(id:) of the case',
    allowed: CASE_READERS,
    run: read(
      `{ node(id: "${ids.caseNode}") { ... on AnalysisCase { title } } }`,
      (d) => d.node?.title === SECRET_TITLE,
    ),
  },
  {
    name: 'node(id:) of a product impact, a timeline event, a team member (parts of the case)',
    allowed: CASE_READERS,
    run: read(`{ a: node(id: "${ids.impact}") { id } b: node(id: "${ids.event}") { id } }`, (d) =>
      Boolean(d.a?.id && d.b?.id),
    ),
  },
  {
    name: 'node(id:) of a message to the reporter',
    allowed: [...TEAM, 'reporter', 'integrator'],
    run: read(`{ node(id: "${ids.message}") { id } }`, (d) => Boolean(d.node?.id)),
  },
  {
    name: 'node(id:) of an audit entry',
    allowed: ['admin', 'auditor'],
    run: read(`{ node(id: "${ids.audit}") { id } }`, (d) => Boolean(d.node?.id)),
  },
  {
    name: 'nodes(ids:) of the case',
    allowed: CASE_READERS,
    run: read(`{ nodes(ids: ["${ids.caseNode}"]) { id } }`, (d) => d.nodes?.[0]?.id === ids.caseNode),
  },
  {
    name: 'cases.totalCount',
    allowed: CASE_READERS,
    run: read('{ cases(first: 0) { totalCount } }', (d) => d.cases?.totalCount === 1),
  },
  {
    name: 'cases search by the secret title',
    allowed: CASE_READERS,
    run: read(
      `{ cases(first: 5, filter: { search: "root password" }) { edges { node { id } } } }`,
      (d) => d.cases?.edges.length === 1,
    ),
  },
  {
    name: 'report status',
    allowed: [...TEAM, 'reporter', 'integrator'],
    run: read(`{ report(publicId: "${ids.report}") { status } }`, (d) => Boolean(d.report?.status)),
  },
  {
    name: 'node(id:) of the report',
    allowed: [...TEAM, 'reporter', 'integrator'],
    run: read(`{ node(id: "${ids.reportNode}") { id } }`, (d) => Boolean(d.node?.id)),
  },
  {
    name: 'reports list',
    allowed: [...TEAM, 'reporter', 'integrator'],
    run: read('{ reports(first: 50) { edges { node { publicId } } } }', (d) =>
      d.reports?.edges.some((e: any) => e.node.publicId === ids.report),
    ),
  },
  {
    name: 'report description',
    data: 'report internals',
    allowed: TEAM,
    run: read(`{ report(publicId: "${ids.report}") { description } }`, (d) => Boolean(d.report?.description)),
  },
  {
    name: 'case → reports → description and triage note',
    data: 'report internals',
    allowed: TEAM,
    run: read(
      `{ case(publicId: "${ids.case}") { reports { description triageNote attachments { filename } } } }`,
      (d) => Boolean(d.case?.reports?.[0]?.description),
    ),
  },
  {
    name: 'node(id:) of the case → reports → description',
    data: 'report internals',
    allowed: TEAM,
    run: read(`{ node(id: "${ids.caseNode}") { ... on AnalysisCase { reports { description } } } }`, (d) =>
      Boolean(d.node?.reports?.[0]?.description),
    ),
  },
  {
    name: 'case → reports → messages with the reporter',
    data: 'case thread',
    allowed: TEAM,
    run: read(`{ case(publicId: "${ids.case}") { reports { messages { body } } } }`, (d) =>
      Boolean(d.case?.reports?.[0]?.messages?.length),
    ),
  },
  {
    name: 'report → case',
    allowed: TEAM,
    run: read(
      `{ report(publicId: "${ids.report}") { case { title } } }`,
      (d) => d.report?.case?.title === SECRET_TITLE,
    ),
  },
  {
    name: 'report → reporter (any field)',
    allowed: [...PSIRT],
    run: read(`{ report(publicId: "${ids.report}") { reporter { kind } } }`, (d) => Boolean(d.report?.reporter?.kind)),
  },
  {
    name: "confidential reporter's name",
    allowed: PSIRT,
    run: read(`{ reporters(first: 10) { edges { node { name } } } }`, (d) =>
      d.reporters?.edges.some((e: any) => e.node.name === SECRET_NAME),
    ),
  },
  {
    name: 'case timeline (nested)',
    allowed: CASE_READERS,
    run: read(
      `{ node(id: "${ids.caseNode}") { ... on AnalysisCase { timeline { type } } } }`,
      (d) => (d.node?.timeline?.length ?? 0) > 0,
    ),
  },
  {
    name: 'case messages with the reporter',
    data: 'case thread',
    allowed: TEAM,
    run: read(`{ case(publicId: "${ids.case}") { messages { body } } }`, (d) => (d.case?.messages?.length ?? 0) > 0),
  },
  {
    name: 'triage queue',
    allowed: PSIRT,
    run: read('{ triageQueue(first: 1) { totalCount } }', (d) => d.triageQueue?.totalCount >= 0),
  },
  {
    name: 'audit log',
    allowed: ['admin', 'auditor'],
    run: read('{ auditLog(first: 1) { edges { node { action } } } }', (d) => Boolean(d.auditLog)),
  },
  {
    name: 'case severity and score history',
    allowed: CASE_READERS,
    run: read(
      `{ case(publicId: "${ids.case}") { severity scores { vector } } }`,
      (d) => d.case?.severity === 'CRITICAL' && d.case.scores.length > 0,
    ),
  },
  {
    name: 'node(id:) of a score',
    allowed: CASE_READERS,
    run: read(`{ node(id: "${ids.score}") { ... on Score { vector } } }`, (d) => Boolean(d.node?.vector)),
  },
  {
    name: 'cases filtered by minSeverity (counts only what may be seen)',
    allowed: CASE_READERS,
    run: read(
      '{ cases(first: 0, filter: { minSeverity: CRITICAL }) { totalCount } }',
      (d) => d.cases?.totalCount === 1,
    ),
  },
  {
    name: 'the cvss calculator',
    allowed: [
      'anonymous',
      'reporter',
      'otherReporter',
      'admin',
      'analyst',
      'casePrime',
      'caseSpecialist',
      'otherPrime',
      'committee',
      'auditor',
      'integrator',
      'bot',
      'linelessPrime',
    ],
    run: read(
      '{ cvss(vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N") { score } }',
      (d) => d.cvss?.score === 9.3,
    ),
  },
  {
    name: 'recordScore: an AVSS for the grid product',
    allowed: TEAM,
    run: write(
      `mutation { recordScore(input: { caseId: "${ids.case}", kind: AVSS, product: "gateway", vector: "CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", rationale: "Plant network only." }) { id } }`,
    ),
  },
  {
    name: 'recordScore: the vendor base score',
    allowed: [...PSIRT, 'casePrime'],
    run: write(
      `mutation { recordScore(input: { caseId: "${ids.case}", kind: VENDOR_BASE, vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" }) { id } }`,
    ),
  },
  {
    name: "recordScore: a third party's score",
    allowed: PSIRT,
    run: write(
      `mutation { recordScore(input: { caseId: "${ids.case}", kind: THIRD_PARTY, vector: "AV:N/AC:L/Au:N/C:C/I:C/A:C", source: "nvd@nist.gov" }) { id } }`,
    ),
  },
  {
    name: 'a draft advisory',
    allowed: ['admin', 'analyst', 'committee', 'auditor', 'bot'],
    run: read(`{ advisory(publicId: "${ids.advisory}") { title } }`, (d) => Boolean(d.advisory?.title)),
  },
  {
    name: 'node(id:) of a draft advisory',
    allowed: ['admin', 'analyst', 'committee', 'auditor', 'bot'],
    run: read(`{ node(id: "${ids.advisoryNode}") { id } }`, (d) => Boolean(d.node?.id)),
  },
  {
    name: 'advisories.totalCount (drafts count only for their readers)',
    allowed: ['admin', 'analyst', 'committee', 'auditor', 'bot'],
    run: read('{ advisories(first: 0) { totalCount } }', (d) => d.advisories?.totalCount === 1),
  },
  {
    name: 'createAdvisory',
    allowed: PSIRT,
    run: write('mutation { createAdvisory(cases: [], title: "x") { id } }'),
  },
  {
    name: 'castAdvisoryVote',
    allowed: ['committee'],
    run: write(`mutation { castAdvisoryVote(advisoryId: "${ids.advisory}", decision: APPROVE) { id } }`),
  },
  {
    name: 'publishAdvisory',
    allowed: PSIRT,
    run: write(`mutation { publishAdvisory(advisoryId: "${ids.advisory}") { id } }`),
  },
  {
    name: 'withdrawAdvisory',
    allowed: ['admin'],
    run: write(`mutation { withdrawAdvisory(advisoryId: "${ids.advisory}", reason: "Published in error.") { id } }`),
  },
  {
    name: 'addCaseNote',
    allowed: TEAM,
    run: write(`mutation { addCaseNote(caseId: "${ids.case}", text: "seen") { id } }`),
  },
  {
    name: 'transitionCase (ANALYSIS → REMEDIATION: PSIRT and Primes)',
    allowed: [...PSIRT, 'casePrime'],
    run: write(`mutation { transitionCase(caseId: "${ids.case}", to: REMEDIATION) { id } }`),
  },
  {
    name: 'setProductImpact on the grid product',
    allowed: TEAM,
    run: write(
      `mutation { setProductImpact(input: { caseId: "${ids.case}", product: "gateway", status: UNDER_INVESTIGATION }) { id } }`,
    ),
  },
  {
    name: 'updateCase (embargo)',
    allowed: [...PSIRT, 'casePrime'],
    run: write(`mutation { updateCase(input: { caseId: "${ids.case}", embargoTimeZone: "UTC" }) { id } }`),
  },
  {
    name: 'addCaseMember',
    allowed: [...PSIRT, 'casePrime'],
    run: write(
      `mutation { addCaseMember(caseId: "${ids.case}", userId: "00000000-0000-0000-0000-000000000001") { id } }`,
    ),
  },
  {
    name: 'recordCve',
    allowed: PSIRT,
    run: write(`mutation { recordCve(caseId: "${ids.case}", cveId: "bad") { id } }`),
  },
  {
    name: 'recordCertNotification',
    allowed: PSIRT,
    run: write(`mutation { recordCertNotification(caseId: "${ids.case}", organization: "") { id } }`),
  },
  {
    name: 'messageReporters',
    allowed: PSIRT,
    run: write(`mutation { messageReporters(caseId: "${ids.case}", body: "") { id } }`),
  },
  {
    name: 'craNotification(id:) by handle',
    data: 'cra',
    allowed: [...CASE_READERS, 'auditor'],
    run: read(`{ craNotification(id: "${ids.cra}") { basis } }`, (d) => Boolean(d.craNotification?.basis)),
  },
  {
    name: 'node(id:) of the CRA notification',
    data: 'cra',
    allowed: [...CASE_READERS, 'auditor'],
    run: read(`{ node(id: "${ids.craNode}") { ... on CraNotification { basis } } }`, (d) => Boolean(d.node?.basis)),
  },
  {
    name: 'craNotifications',
    data: 'cra',
    allowed: [...CASE_READERS, 'auditor'],
    run: read('{ craNotifications(open: null) { basis } }', (d) => d.craNotifications?.length === 1),
  },
  {
    name: "an unsent CRA draft (the case's facts)",
    allowed: CASE_READERS,
    run: read(`{ craNotification(id: "${ids.cra}") { stages { draft { text } } } }`, (d) =>
      Boolean(d.craNotification?.stages[0].draft?.text.includes(SECRET_TITLE)),
    ),
  },
  {
    name: 'craPrompts',
    allowed: [...PSIRT, 'bot'],
    run: read('{ craPrompts { caseId } }', (d) => Array.isArray(d.craPrompts)),
  },
  {
    name: 'updateCraNotification',
    allowed: PSIRT,
    run: write(
      `mutation { updateCraNotification(input: { id: "${ids.cra}", rootCause: "Hard-coded credential" }) { id } }`,
    ),
  },
  {
    name: 'startCraNotification',
    allowed: PSIRT,
    run: write(
      `mutation { startCraNotification(input: { caseId: "${ids.case}", kind: ACTIVELY_EXPLOITED_VULNERABILITY, awareAt: "2026-12-01T00:00:00Z", basis: "" }) { id } }`,
    ),
  },
  {
    name: 'setProductMarkets',
    allowed: ['admin'],
    run: write('mutation { setProductMarkets(product: "gateway", markets: ["DE"]) }'),
  },
  { name: 'acceptReport', allowed: PSIRT, run: write(`mutation { acceptReport(reportId: "${ids.triaged}") { id } }`) },
  {
    name: 'rejectReport',
    allowed: PSIRT,
    run: write(`mutation { rejectReport(reportId: "${ids.triaged}", reason: OUT_OF_SCOPE) { id } }`),
  },
  {
    name: 'replyToReport',
    allowed: [...PSIRT, 'reporter'],
    run: write(`mutation { replyToReport(reportId: "${ids.report}", body: "ping") { id } }`),
  },
  {
    name: 'setSlaPolicy',
    allowed: ['admin'],
    run: write('mutation { setSlaPolicy(updateEveryDays: 14) { updateEveryDays } }'),
  },
  {
    name: 'submitVulnerabilityReport (staff on behalf)',
    allowed: ['admin', 'analyst', 'integrator', 'anonymous', 'reporter', 'otherReporter'],
    run: write(
      `mutation { submitVulnerabilityReport(input: { title: "t", description: "", reporter: {} }) { publicId } }`,
    ),
  },
];

describe(`need-to-know: every viewer × every sensitive read and mutation (${dialect})`, () => {
  it('grants exactly the table, and refuses everything else without leaking', async () => {
    const table: Record<string, Record<string, Outcome>> = {};
    const expected: Record<string, Record<string, Outcome>> = {};
    for (const probe of probes()) {
      const got: Record<string, Outcome> = {};
      const want: Record<string, Outcome> = {};
      for (const [who, client] of Object.entries(viewers)) {
        got[who] = await probe.run(client);
        const as = who.startsWith(ACTING) ? who.slice(ACTING.length) : who;
        want[who] = probe.allowed.includes(as) ? 'allowed' : 'denied';
      }
      table[probe.name] = got;
      expected[probe.name] = want;
    }
    expect(table).toEqual(expected);
    // Every path to the same data answers the same, for every viewer.
    const byData = new Map<string, string[]>();
    for (const probe of probes())
      if (probe.data) byData.set(probe.data, [...(byData.get(probe.data) ?? []), probe.name]);
    for (const [data, names] of byData) {
      for (const name of names.slice(1)) expect(table[name], `${data}: ${name}`).toEqual(table[names[0] as string]);
    }
  });
});
