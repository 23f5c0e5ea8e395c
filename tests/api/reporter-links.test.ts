// A reporter's private status link: rotated (the old token dead at once), asked
// for again by mail (the same answer whether or not the address matches; the
// links already sent keep working), and what the reporter reads on it — the
// next update, the public advisory, their credit — within the API's rules.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { dialect } from '../support/db.ts';
import { startSmtp, type TestSmtp } from '../support/smtp.ts';
import { makeWorld, reportInput, SUBMIT, type World } from '../support/world.ts';

let app: TestApp;
let w: World;
let smtp: TestSmtp;
beforeAll(async () => {
  smtp = await startSmtp();
  app = await startTestApp({ submissionsPerHour: 1000, mail: { url: smtp.url, intervalMs: 50, quiet: true } });
  w = await makeWorld(app);
});
afterAll(async () => {
  await app?.[Symbol.asyncDispose]();
  await smtp?.close();
});

/** Requests for links are resolved by the mail worker (every 50 ms here): wait until none waits. */
async function resolved() {
  while ((await app.db.prisma.outboxMessage.count({ where: { topic: 'reporter.link' } })) > 0) {
    await new Promise((r) => setTimeout(r, 20));
  }
}

const ASK = 'mutation($r: String!, $e: String!) { requestReporterLink(reportId: $r, email: $e) }';
const MINE =
  '{ reports(first: 5) { edges { node { publicId status nextUpdateDue credit advisories { publicId } } } } }';
const linkMails = () =>
  app.db.prisma.outboxMessage
    .findMany({ where: { topic: 'mail.reporter' }, orderBy: { createdAt: 'asc' } })
    .then((rows) => rows.filter((r) => JSON.stringify(r.payload).includes('Your private status link')));

describe(`reporter status links (${dialect})`, () => {
  it('mails a new link only to the address the report came from, and says the same either way', async () => {
    const sub = await app.anonymous.gql(SUBMIT, {
      input: reportInput({
        reporter: {
          name: 'Rhea Reporter',
          organization: 'Example Lab',
          email: 'Rhea@Example.org',
          creditPreference: 'NAME_AND_ORGANIZATION',
        },
      }),
    });
    const { publicId, reporterToken } = sub.data?.submitVulnerabilityReport ?? {};
    const wrong = await app.anonymous.gql(ASK, { r: publicId, e: 'mallory@example.net' });
    const unknown = await app.anonymous.gql(ASK, { r: 'VSR-2026-9999', e: 'rhea@example.org' });
    const right = await app.anonymous.gql(ASK, { r: publicId.toLowerCase(), e: 'RHEA@example.org' });
    expect(wrong.data?.requestReporterLink).toBe(right.data?.requestReporterLink);
    expect(unknown.data?.requestReporterLink).toBe(right.data?.requestReporterLink);
    await resolved();
    const mails = await linkMails();
    expect(mails).toHaveLength(1);
    const sent = JSON.stringify(mails[0]?.payload);
    expect(sent).toContain('rhea@example.org');
    const fresh = /#(psirt_[A-Za-z0-9_-]+)/.exec(sent)?.[1] ?? '';
    // The thread has the message, not the link.
    const thread = await app.db.prisma.reporterMessage.findMany({ where: { report: { publicId } } });
    expect(thread.map((m) => m.body).join()).not.toContain('psirt_');
    // Both links work: asking for one never kills another (whoever asks cannot lock the reporter out).
    for (const token of [fresh, reporterToken]) {
      const mine = await app.client(token).gql(MINE);
      expect(mine.data?.reports.edges[0].node).toMatchObject({
        publicId,
        status: 'ACKNOWLEDGED',
        credit: 'Rhea Reporter (Example Lab)',
        advisories: [],
      });
    }
  });

  it('rotates a link: a new token, the old one refused at once; only a reporter token rotates', async () => {
    const sub = await app.anonymous.gql(SUBMIT, { input: reportInput() });
    const old = sub.data?.submitVulnerabilityReport.reporterToken;
    const rotated = await app.client(old).gql('mutation { rotateReporterToken }');
    const fresh = rotated.data?.rotateReporterToken;
    expect(fresh).toMatch(/^psirt_/);
    expect((await app.client(old).gql(MINE)).status).toBe(401);
    expect((await app.client(fresh).gql(MINE)).data?.reports.edges).toHaveLength(1);
    expect((await app.anonymous.gql('mutation { rotateReporterToken }')).errors?.[0]?.extensions?.code).toBe(
      'FORBIDDEN',
    );
    expect((await w.analyst.gql('mutation { rotateReporterToken }')).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('tells the reporter when the next update is due once triaged; the credit line is the reporter’s and the PSIRT’s only', async () => {
    const sub = await w.integrator.gql(SUBMIT, {
      input: reportInput({
        reporter: {
          kind: 'RESEARCHER',
          name: 'Ivo Open',
          email: 'ivo@example.org',
          confidential: false,
          creditPreference: 'NAME',
        },
      }),
    });
    const { publicId, reporterToken } = sub.data?.submitVulnerabilityReport ?? {};
    await w.analyst.gql('mutation($r: String!) { acceptReport(reportId: $r, products: ["gateway"]) { id } }', {
      r: publicId,
    });
    const mine = (await app.client(reporterToken).gql(MINE)).data?.reports.edges[0].node;
    expect(mine.status).toBe('IN_ANALYSIS');
    expect(new Date(mine.nextUpdateDue).getTime()).toBeGreaterThan(Date.now());
    const ONE = `{ report(publicId: "${publicId}") { credit } }`;
    expect((await w.analyst.gql(ONE)).data?.report.credit).toBe('Ivo Open');
    for (const other of [w.integrator, w.gridPrime]) {
      const r = await other.gql(ONE);
      expect(r.data?.report?.credit ?? null).toBeNull();
      expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
  });
});
