// The reporter pages as an attacker meets them, over plain HTTP (no browser
// needed): a form posted from a sandboxed frame (Origin: null), a form token
// replayed (on the same instance and on another), a link request whose answer
// and work must not tell whether the address matches, a flood of link requests
// that must not lock the real reporter out, and pages that promise only what is
// true of the connection.
import { request } from 'node:http';
import { generatePsirtKey } from '@psirt/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { dialect } from '../support/db.ts';
import { TEST_KEY_POLICY } from '../support/keys.ts';
import { startSmtp, type TestSmtp } from '../support/smtp.ts';
import { makeWorld, reportInput, SUBMIT } from '../support/world.ts';

const policy = TEST_KEY_POLICY;

let app: TestApp;
let smtp: TestSmtp;

beforeAll(async () => {
  smtp = await startSmtp();
  app = await startTestApp({
    keys: { passphrase: policy.passphrase },
    submissionsPerHour: 1000,
    mail: { url: smtp.url, intervalMs: 50, from: 'Example PSIRT <psirt@example.com>', quiet: true },
  });
  await makeWorld(app);
  await generatePsirtKey(app.db.prisma, policy);
});
afterAll(async () => {
  await app?.[Symbol.asyncDispose]();
  await smtp?.close();
});

/** The form token of a freshly shown page. */
async function formToken(target: TestApp, path = '/report'): Promise<string> {
  const html = await (await fetch(new URL(path, target.origin))).text();
  const token = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error(`no form token on ${path}`);
  return token;
}

const reportForm = (csrf: string, title: string) =>
  new URLSearchParams({
    csrf,
    title,
    description: 'The gl_session cookie derived from the serial number gives admin access.',
    product: 'GridLink Gateway',
    version: '4.2.0',
    name: 'Rhea Reporter',
    policy: '1',
  });

const post = (target: TestApp, path: string, body: URLSearchParams, origin: string | null = target.origin) =>
  fetch(new URL(path, target.origin), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(origin === null ? {} : { origin }) },
    body,
  });

const reportsTitled = (target: TestApp, title: string) =>
  target.db.prisma.vulnerabilityReport.count({ where: { title } });

/** GraphQL from a chosen loopback address (127.0.0.x), as a client elsewhere would be. */
function gqlFrom(localAddress: string, query: string, variables: Record<string, unknown>) {
  const url = new URL(app.url);
  return new Promise<{ data?: Record<string, unknown>; errors?: { message: string }[] }>((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        localAddress,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ query, variables }));
  });
}

const ASK = 'mutation($r: String!, $e: String!) { requestReporterLink(reportId: $r, email: $e) }';

/** Link requests queued and not yet resolved, and mails queued and not yet sent. */
const outboxBusy = () =>
  app.db.prisma.outboxMessage.count({
    where: { status: 'PENDING', topic: { in: ['reporter.link', 'mail.reporter'] } },
  });
async function outboxSettled() {
  // The worker runs every 50 ms; it is done when nothing of these topics waits.
  for (;;) {
    if ((await outboxBusy()) === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}
const linkMailsTo = (address: string) =>
  smtp.to(address).filter((m) => (m.subject ?? '').endsWith('Your private status link'));

describe(`the reporter pages under attack (${dialect})`, () => {
  it('refuses a form posted from a sandboxed frame (Origin: null) or another site, whatever its token', async () => {
    for (const origin of ['null', 'https://evil.example']) {
      const res = await post(app, '/report', reportForm(await formToken(app), `Framed ${origin}`), origin);
      expect(res.status, origin).toBe(400);
      expect(await res.text()).toContain('did not come from our site');
      expect(await reportsTitled(app, `Framed ${origin}`)).toBe(0);
    }
    // The same form from this site (or from a client that sends no Origin) goes through.
    expect((await post(app, '/report', reportForm(await formToken(app), 'From here'))).status).toBe(200);
    expect((await post(app, '/report', reportForm(await formToken(app), 'No origin'), null)).status).toBe(200);
    expect(await reportsTitled(app, 'From here')).toBe(1);
  });

  it('takes each form token once, on every instance sharing the database', async () => {
    const second = await startTestApp({ shareDatabaseOf: app, keys: { passphrase: policy.passphrase } });
    try {
      const token = await formToken(app);
      const first = await post(app, '/report', reportForm(token, 'Replayed form'));
      expect(first.status).toBe(200);
      const again = await post(app, '/report', reportForm(token, 'Replayed form'));
      const elsewhere = await post(second, '/report', reportForm(token, 'Replayed form'));
      for (const res of [again, elsewhere]) {
        expect(res.status).toBe(400);
        // Refused, and the form comes back filled in with a fresh token.
        const html = await res.text();
        expect(html).toContain('This form has expired or did not come from our site');
        expect(html).toContain('value="Replayed form"');
        expect(/name="csrf" value="([^"]+)"/.exec(html)?.[1]).not.toBe(token);
      }
      expect(await reportsTitled(app, 'Replayed form')).toBe(1);
      // The status page's forms too: a reply's token is good once.
      const sub = await app.anonymous.gql(SUBMIT, { input: reportInput({ title: 'Reply target' }) });
      const { publicId, reporterToken } = sub.data?.submitVulnerabilityReport ?? {};
      const page = await post(app, '/report/status', new URLSearchParams({ token: reporterToken }));
      const csrf = /name="csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
      const reply = new URLSearchParams({ csrf, token: reporterToken, reportId: publicId, body: 'Reply once' });
      expect(await (await post(app, '/report/reply', reply)).text()).toContain('Your message was sent');
      expect(await (await post(app, '/report/reply', reply)).text()).toContain('nothing was sent');
      expect(await app.db.prisma.reporterMessage.count({ where: { report: { publicId }, body: 'Reply once' } })).toBe(
        1,
      );
    } finally {
      await second[Symbol.asyncDispose]();
    }
  });

  it('says plain HTTP when the page was not reached over HTTPS', async () => {
    const form = await (await fetch(new URL('/report', app.origin))).text();
    expect(form).toContain('this page was opened over plain HTTP, not HTTPS');
    expect(form).not.toContain('sent over HTTPS');
    const sent = await (await post(app, '/report', reportForm(await formToken(app), 'Over plain HTTP'))).text();
    expect(sent).toContain('It was sent over plain HTTP (not HTTPS), not encrypted to our OpenPGP key.');
    expect(sent).not.toContain('over HTTPS,');
  });

  it('does the same work for a link request whether or not the address matches, and answers before mailing', async () => {
    // An instance with no mail worker, so that only the requests' own statements are counted.
    await using quiet = await startTestApp({ keys: { passphrase: policy.passphrase }, submissionsPerHour: 1000 });
    const sub = await quiet.anonymous.gql(SUBMIT, {
      input: reportInput({ title: 'Timing target', reporter: { name: 'Tia', email: 'tia@example.org' } }),
    });
    const publicId = sub.data?.submitVulnerabilityReport.publicId;
    const mailsBefore = await quiet.db.prisma.outboxMessage.count({ where: { topic: 'mail.reporter' } });
    const statements = async (email: string, reportId = publicId) => {
      const before = quiet.db.queries.length;
      const r = await quiet.anonymous.gql(ASK, { r: reportId, e: email });
      // Statement shapes, without the values they carry.
      const shapes = quiet.db.queries.slice(before).map((q) => q.replace(/\$\d+/g, '?'));
      return { answer: r.data?.requestReporterLink, shapes };
    };
    const right = await statements('tia@example.org');
    const wrong = await statements('mallory@example.net');
    const unknown = await statements('tia@example.org', 'VSR-2026-9999');
    expect(right.answer).toMatch(/If that address is the one the report was submitted with/);
    expect(wrong).toEqual(right);
    expect(unknown).toEqual(right);
    // Nothing about the report is read while the request is answered; nothing is mailed yet.
    expect(right.shapes.join('\n')).not.toMatch(/vulnerability_report|"reporter"/);
    expect(await quiet.db.prisma.outboxMessage.count({ where: { topic: 'reporter.link' } })).toBe(3);
    expect(await quiet.db.prisma.outboxMessage.count({ where: { topic: 'mail.reporter' } })).toBe(mailsBefore);

    // Where a worker runs, it mails the one that matched, and only it.
    const mine = await app.anonymous.gql(SUBMIT, {
      input: reportInput({ title: 'Link target', reporter: { name: 'Tia', email: 'tia@example.org' } }),
    });
    const id = mine.data?.submitVulnerabilityReport.publicId;
    await app.anonymous.gql(ASK, { r: id, e: 'mallory@example.net' });
    await app.anonymous.gql(ASK, { r: id, e: 'TIA@example.org' });
    await outboxSettled();
    expect(linkMailsTo('tia@example.org').map((m) => m.subject)).toEqual([`[${id}] Your private status link`]);
    expect(linkMailsTo('mallory@example.net')).toHaveLength(0);
    expect(await app.db.prisma.outboxMessage.count({ where: { topic: 'reporter.link' } })).toBe(0);
  });

  it('never locks the reporter out: requests naming other addresses do not count, and the address on record gets its links', async () => {
    const sub = await app.anonymous.gql(SUBMIT, {
      input: reportInput({ title: 'Lockout target', reporter: { name: 'Lou', email: 'lou@example.org' } }),
    });
    const publicId = sub.data?.submitVulnerabilityReport.publicId;
    // Twenty clients, twenty guessed addresses, one report.
    for (let i = 2; i < 22; i++) {
      const r = await gqlFrom(`127.0.0.${i}`, ASK, { r: publicId, e: `guess${i}@example.net` });
      expect(r.errors).toBeUndefined();
    }
    await outboxSettled();
    // The real reporter, afterwards: a link.
    const mine = await gqlFrom('127.0.0.30', ASK, { r: publicId, e: 'lou@example.org' });
    expect(mine.errors).toBeUndefined();
    await outboxSettled();
    expect(linkMailsTo('lou@example.org')).toHaveLength(1);
    // Asked for over and over with the right address: a few links an hour, then quiet — and the
    // address on record already holds working links.
    for (let i = 0; i < 6; i++) await gqlFrom('127.0.0.31', ASK, { r: publicId, e: 'lou@example.org' });
    await outboxSettled();
    const links = linkMailsTo('lou@example.org');
    expect(links).toHaveLength(3);
    const token = /#(psirt_[A-Za-z0-9_-]+)/.exec(links.at(-1)?.text ?? '')?.[1];
    expect((await app.client(token).gql('{ reports(first: 1) { totalCount } }')).data?.reports.totalCount).toBe(1);
  });
});
