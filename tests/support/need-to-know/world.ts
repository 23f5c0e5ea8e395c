// The world the need-to-know matrix probes: every kind of viewer, and a record
// of every kind in every state that matters — an embargoed case with all its
// parts, a confidential reporter, advisories in each state and TLP, a CRA
// notification with a submitted stage, CVE records, third-party assessments,
// inbound mail, the audit log. Made through the API as people would, except
// what only intake or a feed makes (an attachment, a mail, a CVE feed).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  checkCraClocks,
  craSettings,
  createLogger,
  importNvdRecords,
  importSbom,
  matchInventory,
  receiveMail,
  recordsOf,
} from '@psirt/api';
import { publishedAdvisory, readyCase } from '../advisories.ts';
import type { Client, TestApp } from '../app.ts';
import { makeWorld, reportInput, SUBMIT, type World } from '../world.ts';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures');
const json = (name: string) => JSON.parse(readFileSync(path.join(fixtures, name), 'utf8')) as unknown;

/** Words only the confidential records hold: no refusal, page or feed may carry them. */
export const SECRETS = {
  caseTitle: 'Hard-coded root password in GridLink',
  reporterName: 'Rhea Confidential',
  reporterEmail: 'rhea@secret.example',
  description: 'The service account root/gl-7f3a opens every gateway (secret detail 51c0).',
  note: 'Internal note: the vendor key is in firmware 4.2 (secret 8d1e).',
  message: 'Confirmed; the fix ships under embargo (secret 2b77).',
  draftTitle: 'Draft advisory for the root password',
  greenTitle: 'Partner-only advisory about RTU500',
  reviewTitle: 'Advisory under review about the diag page',
  withdrawnTitle: 'Withdrawn advisory about the backup port',
  nextTitle: 'Next revision working title (not yet public)',
  craBasis: 'Root password used against a customer (secret 90aa)',
} as const;

export interface Viewer {
  name: string;
  client: Client;
  kind: 'anonymous' | 'reporter' | 'user';
  /** For staff: their user id; for the bot acting for someone, that person's. */
  userId?: string;
  reporterId?: string;
  roles: readonly string[];
  /** The Slack bot's own account, acting for nobody. */
  botAlone?: boolean;
  /** The bot acting for this viewer (by name): its answers must be this viewer's. */
  actingFor?: string;
}

export interface NeedToKnowWorld extends World {
  viewers: Viewer[];
  /** Public ids and handles, for the root lookups. */
  keys: {
    secretCase: string;
    secretReport: string;
    triageReport: string;
    duplicateReport: string;
    publicAdvisory: string;
    draftAdvisory: string;
    greenAdvisory: string;
    reviewAdvisory: string;
    withdrawnAdvisory: string;
    craHandle: string;
    secretCve: string;
    publicCve: string;
    reporterToken: string;
    otherReporterToken: string;
  };
}

async function must(c: Client, query: string, variables?: Record<string, unknown>) {
  const r = await c.gql(query, variables);
  if (r.errors) throw new Error(`${query}: ${JSON.stringify(r.errors)}`);
  return r.data as Record<string, any>;
}

export async function seedNeedToKnowWorld(app: TestApp): Promise<NeedToKnowWorld> {
  const w = await makeWorld(app);
  const bot = await app.login('CHAT_OPS');
  const lineless = await app.login('PRODUCT_SECURITY_PRIME');

  // The confidential reporter, through an integrator; the report says it is exploited.
  const secret = await must(w.integrator, SUBMIT, {
    input: reportInput({
      title: 'Root password in the gateway',
      description: SECRETS.description,
      exploited: true,
      reporter: { name: SECRETS.reporterName, email: SECRETS.reporterEmail, confidential: true },
    }),
  });
  const secretReport = secret.submitVulnerabilityReport.publicId as string;
  const reporterToken = secret.submitVulnerabilityReport.reporterToken as string;
  const accepted = await must(
    w.analyst,
    'mutation($r: String!, $t: String!) { acceptReport(reportId: $r, title: $t, products: ["gateway"]) { publicId } }',
    { r: secretReport, t: SECRETS.caseTitle },
  );
  const secretCase = accepted.acceptReport.publicId as string;
  const caseSteps: [Client, string, Record<string, unknown>][] = [
    [
      w.analyst,
      'mutation($i: UpdateCaseInput!) { updateCase(input: $i) { id } }',
      { i: { caseId: secretCase, embargoUntil: '2099-01-01T09:00:00Z', embargoTimeZone: 'Europe/Berlin' } },
    ],
    [
      w.gridSpecialist,
      'mutation($i: ProductImpactInput!) { setProductImpact(input: $i) { id } }',
      { i: { caseId: secretCase, product: 'gateway', status: 'AFFECTED', affectedVersions: '<4.2.1' } },
    ],
    [
      w.analyst,
      'mutation($i: RecordScoreInput!) { recordScore(input: $i) { id } }',
      { i: { caseId: secretCase, kind: 'VENDOR_BASE', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' } },
    ],
    [
      w.gridSpecialist,
      'mutation($i: RecordScoreInput!) { recordScore(input: $i) { id } }',
      {
        i: {
          caseId: secretCase,
          kind: 'AVSS',
          product: 'gateway',
          vector: 'CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
          rationale: 'Plant network only (secret rationale).',
        },
      },
    ],
    [
      w.gridSpecialist,
      'mutation($i: MitigationInput!) { addMitigation(input: $i) { id } }',
      {
        i: {
          caseId: secretCase,
          product: 'gateway',
          kind: 'FIX',
          description: 'Update to 4.2.1.',
          fixVersion: '4.2.1',
        },
      },
    ],
    [
      w.analyst,
      'mutation($c: String!) { recordCve(caseId: $c, cveId: "CVE-2026-31001", state: RESERVED) { id } }',
      { c: secretCase },
    ],
    [
      w.analyst,
      'mutation($c: String!) { recordCertNotification(caseId: $c, organization: "CERT-Bund", reference: "CB-2026-1") { id } }',
      { c: secretCase },
    ],
    [
      w.analyst,
      'mutation($c: String!, $b: String!) { messageReporters(caseId: $c, body: $b) { id } }',
      { c: secretCase, b: SECRETS.message },
    ],
    [
      w.gridPrime,
      'mutation($c: String!, $t: String!) { addCaseNote(caseId: $c, text: $t) { id } }',
      { c: secretCase, t: SECRETS.note },
    ],
  ];
  for (const [who, query, vars] of caseSteps) await must(who, query, vars);
  const reporter = app.client(reporterToken);
  await must(
    reporter,
    'mutation($r: String!) { replyToReport(reportId: $r, body: "More detail from the reporter.") { id } }',
    {
      r: secretReport,
    },
  );
  const secretRow = await app.db.prisma.vulnerabilityReport.findUniqueOrThrow({ where: { publicId: secretReport } });
  await app.db.prisma.attachment.create({
    data: {
      reportId: secretRow.id,
      filename: 'poc.py',
      contentType: 'text/x-python',
      size: 12,
      sha256: '0'.repeat(64),
      content: new Uint8Array(Buffer.from('print("poc")')),
      encrypted: false,
      createdAt: new Date(),
    },
  });

  // A CRA notification on the case with its early warning submitted; the reporter's word is a prompt.
  const cra = await must(
    w.analyst,
    'mutation($i: StartCraNotificationInput!) { startCraNotification(input: $i) { handle } }',
    {
      i: {
        caseId: secretCase,
        kind: 'SEVERE_INCIDENT',
        awareAt: new Date(Date.now() - 3_600_000).toISOString(),
        basis: SECRETS.craBasis,
      },
    },
  );
  const craHandle = cra.startCraNotification.handle as string;
  await must(
    w.analyst,
    'mutation($id: String!, $at: DateTime!) { recordCraSubmission(id: $id, stage: EARLY_WARNING, submittedAt: $at, reference: "ENISA-1") { id } }',
    { id: craHandle, at: new Date().toISOString() },
  );
  await checkCraClocks({
    db: app.db.prisma,
    now: () => new Date(),
    live: app.live,
    log: createLogger('silent'),
    settings: craSettings({ memberState: 'DE' }),
    manufacturer: { name: 'Example Vendor PSIRT', contact: 'psirt@example.com' },
  });

  // Another reporter: one report waiting in the queue, one rejected as a duplicate of the secret one.
  const other = await must(app.anonymous, SUBMIT, { input: reportInput({ title: 'Waiting in the triage queue' }) });
  const otherReporterToken = other.submitVulnerabilityReport.reporterToken as string;
  const triageReport = other.submitVulnerabilityReport.publicId as string;
  const dup = await must(app.client(otherReporterToken), SUBMIT, {
    input: reportInput({ title: 'The same root password', reporter: {} }),
  });
  const duplicateReport = dup.submitVulnerabilityReport.publicId as string;
  await must(
    w.analyst,
    'mutation($r: String!, $d: String!) { rejectReport(reportId: $r, reason: DUPLICATE, duplicateOf: $d) { id } }',
    { r: duplicateReport, d: secretReport },
  );

  // Advisories: a draft on the secret case; published (then a next revision in work); TLP:GREEN;
  // under review with a vote; withdrawn.
  const draft = await must(
    w.analyst,
    'mutation($c: String!, $t: String!) { createAdvisory(cases: [$c], title: $t) { publicId } }',
    {
      c: secretCase,
      t: SECRETS.draftTitle,
    },
  );
  const publicCase = await readyCase(app, w, { cve: 'CVE-2026-31002' });
  const publicAdvisory = await publishedAdvisory(app, w, publicCase, {
    title: 'GridLink Gateway authentication bypass',
    summary: 'A crafted session cookie grants administrative access.',
  });
  // Its next revision in work: put to review, taken back, retitled — the public still reads the published one.
  await must(
    w.analyst,
    `mutation { requestAdvisoryReview(advisoryId: "${publicAdvisory}", changelog: "Fixes") { id } }`,
  );
  await must(w.analyst, `mutation { recallAdvisory(advisoryId: "${publicAdvisory}") { id } }`);
  await must(w.analyst, 'mutation($a: String!, $t: String!) { updateAdvisory(advisoryId: $a, title: $t) { id } }', {
    a: publicAdvisory,
    t: SECRETS.nextTitle,
  });
  const greenAdvisory = await publishedAdvisory(app, w, await readyCase(app, w, { cve: 'CVE-2026-31003' }), {
    title: SECRETS.greenTitle,
    tlp: 'GREEN',
  });
  const review = await must(
    w.analyst,
    'mutation($c: String!, $t: String!) { createAdvisory(cases: [$c], title: $t) { publicId } }',
    { c: await readyCase(app, w, { cve: 'CVE-2026-31004' }), t: SECRETS.reviewTitle },
  );
  const reviewAdvisory = review.createAdvisory.publicId as string;
  await must(
    w.analyst,
    `mutation { requestAdvisoryReview(advisoryId: "${reviewAdvisory}", changelog: "First") { id } }`,
  );
  await must(
    w.committee,
    `mutation { castAdvisoryVote(advisoryId: "${reviewAdvisory}", decision: APPROVE, comment: "ok") { id } }`,
  );
  const withdrawnAdvisory = await publishedAdvisory(app, w, await readyCase(app, w, { cve: 'CVE-2026-31005' }), {
    title: SECRETS.withdrawnTitle,
  });
  await must(
    w.admin,
    `mutation { withdrawAdvisory(advisoryId: "${withdrawnAdvisory}", reason: "Published in error.") { id } }`,
  );

  // Third-party CVEs matched to the grid line's products; one escalated into the secret case.
  await importSbom(app.db.prisma, 'gateway', '4.2.0', json('sbom/gateway-4.2.0.cdx.json'));
  const nvd = await importNvdRecords(app.db.prisma, recordsOf(json('nvd/page-1.json'), 'page-1.json'));
  await matchInventory(app.db.prisma, { vulnerabilityIds: nvd.changed });
  const assessment = await app.db.prisma.componentAssessment.findFirstOrThrow({ orderBy: { id: 'asc' } });
  await must(
    w.analyst,
    'mutation($ids: [String!]!, $c: String) { escalateAssessments(ids: $ids, caseId: $c) { id } }',
    {
      ids: [Buffer.from(`ComponentAssessment:${assessment.id}`).toString('base64')],
      c: secretCase,
    },
  );

  // A mail that became a report; a Slack channel subscription.
  await receiveMail(
    {
      db: app.db.prisma,
      now: () => new Date(),
      requestId: 'seed',
      passphrase: '',
      maxBytes: 1 << 20,
      publisherNamespace: 'https://psirt.example.com',
    },
    Buffer.from(
      'From: Mia Mailer <mia@mail.example>\r\nTo: psirt@example.com\r\nSubject: Report by mail about the RTU\r\nMessage-ID: <seed-1@mail.example>\r\n\r\nThe RTU500 web server crashes on a long header.\r\n',
    ),
    'CLI',
  );
  await must(
    w.analyst,
    'mutation { subscribeSlackChannel(channelId: "C0123SEED", private: true, embargoed: true) { channelId } }',
  );

  // The viewers: every kind, and the Slack bot acting for each staff member.
  const reporterRow = await app.db.prisma.reporter.findFirstOrThrow({ where: { email: SECRETS.reporterEmail } });
  const otherReport = await app.db.prisma.vulnerabilityReport.findUniqueOrThrow({ where: { publicId: triageReport } });
  const staff: [string, Client & { userId: string }, string[]][] = [
    ['admin', w.admin, ['ADMIN']],
    ['analyst', w.analyst, ['ANALYST']],
    ['casePrime', w.gridPrime, ['PRODUCT_SECURITY_PRIME']],
    ['caseSpecialist', w.gridSpecialist, ['PRODUCT_SECURITY_SPECIALIST']],
    ['otherPrime', w.buildingPrime, ['PRODUCT_SECURITY_PRIME']],
    ['linelessPrime', lineless, ['PRODUCT_SECURITY_PRIME']],
    ['committee', w.committee, ['COMMITTEE_MEMBER']],
    ['auditor', w.auditor, ['AUDITOR']],
    ['integrator', w.integrator, ['INTEGRATOR']],
  ];
  const viewers: Viewer[] = [
    { name: 'anonymous', client: app.anonymous, kind: 'anonymous', roles: [] },
    { name: 'reporter', client: reporter, kind: 'reporter', reporterId: reporterRow.id, roles: [] },
    {
      name: 'otherReporter',
      client: app.client(otherReporterToken),
      kind: 'reporter',
      reporterId: otherReport.reporterId ?? '',
      roles: [],
    },
    ...staff.map(([name, client, roles]) => ({ name, client, kind: 'user' as const, userId: client.userId, roles })),
    { name: 'bot', client: bot, kind: 'user', userId: bot.userId, roles: ['CHAT_OPS'], botAlone: true },
  ];
  for (const [name, client, roles] of staff) {
    const slackUserId = `U${name.toUpperCase()}`;
    await app.db.prisma.user.update({ where: { id: client.userId }, data: { slackUserId } });
    viewers.push({
      name: `bot→${name}`,
      client: app.client(bot.token, { 'x-psirt-slack-user': slackUserId }),
      kind: 'user',
      userId: client.userId,
      roles,
      actingFor: name,
    });
  }
  return {
    ...w,
    viewers,
    keys: {
      secretCase,
      secretReport,
      triageReport,
      duplicateReport,
      publicAdvisory,
      draftAdvisory: draft.createAdvisory.publicId as string,
      greenAdvisory,
      reviewAdvisory,
      withdrawnAdvisory,
      craHandle,
      secretCve: 'CVE-2026-31001',
      publicCve: 'CVE-2026-31002',
      reporterToken,
      otherReporterToken,
    },
  };
}
