// The reporter's side of the website, in a real browser (Debian's chromium
// through playwright-core): a report sent without JavaScript, one encrypted in
// the browser to the PSIRT key (only ciphertext in the request, a readable VSR
// after), the private status link with a PSIRT message and a reply, a
// rate-limited submission that keeps the form filled, link rotation, and the
// token never in the server's request log. Screenshots at desktop and 390 px.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createLogger, generatePsirtKey } from '@psirt/api';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { dialect } from '../support/db.ts';
import { TEST_KEY_POLICY } from '../support/keys.ts';
import { makeWorld, type World } from '../support/world.ts';

const CHROMIUM = process.env.PSIRT_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = path.resolve(import.meta.dirname, '../../.ci-results/artifacts');
const policy = TEST_KEY_POLICY;

let app: TestApp;
let w: World;
let browser: Browser;
const logLines: string[] = [];

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _enc, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  app = await startTestApp({
    keys: { passphrase: policy.passphrase },
    submissionsPerHour: 1000,
    log: createLogger('debug', sink),
  });
  w = await makeWorld(app);
  await generatePsirtKey(app.db.prisma, policy);
  if (existsSync(CHROMIUM)) {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    });
  }
  mkdirSync(ARTIFACTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await app?.[Symbol.asyncDispose]();
});

const url = (p: string) => new URL(p, app.origin).href;
const SECRET = 'The gl_session cookie derived from the serial number gives admin access (secret detail 7f3a).';

async function fill(page: import('playwright-core').Page, o: { title: string; email?: string }) {
  await page.fill('#title', o.title);
  await page.fill('#description', SECRET);
  await page.selectOption('#product', { label: 'GridLink Gateway' });
  await page.fill('#version', '4.2.0');
  await page.fill('#name', 'Rhea Reporter');
  await page.fill('#email', o.email ?? 'rhea@example.org');
  await page.check('input[name="confidential"]');
  await page.check('input[name="policy"]');
}

describe.skipIf(!existsSync(CHROMIUM))(`the reporter's side of the website (${dialect})`, () => {
  it('takes a report without JavaScript, and shows the private link once', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    const first = await page.goto(url('/report'));
    expect(await page.textContent('h1')).toBe('Report a vulnerability');
    // The policy before sending; nothing cached, nothing referred, scripts from here only.
    expect(await page.textContent('details#policy summary')).toBe('Our coordinated vulnerability disclosure policy');
    const headers = first?.headers() ?? {};
    expect(headers['cache-control']).toBe('no-store');
    // Same-origin: our forms carry their real Origin (under no-referrer it would be "null", refused).
    expect(headers['referrer-policy']).toBe('same-origin');
    expect(headers['content-security-policy']).toContain("script-src 'self';");
    for (const id of [
      'title',
      'description',
      'product',
      'version',
      'cvssVector',
      'attachments',
      'name',
      'email',
      'kind',
    ]) {
      expect(await page.locator(`label[for="${id}"]`).count(), id).toBe(1);
    }
    await page.screenshot({ path: path.join(ARTIFACTS, 'report-form.png'), fullPage: true });
    await fill(page, { title: 'Admin without a password (no JS)' });
    await page.setInputFiles('#attachments', {
      name: 'poc.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('curl -b gl_session=…'),
    });
    await Promise.all([page.waitForURL(/\/report$/), page.click('button[type="submit"]')]);
    // The test server is plain HTTP on 127.0.0.1, and the page says so.
    expect(await page.textContent('#sent')).toContain(
      'It was sent over plain HTTP (not HTTPS), not encrypted to our OpenPGP key (with 1 attachment).',
    );
    const link = (await page.textContent('#status-link')) ?? '';
    expect(link).toMatch(/\/report\/status#psirt_/);
    const publicId = /VSR-\d{4}-\d{4}/.exec((await page.textContent('h1')) ?? '')?.[0] ?? '';
    const stored = await app.db.prisma.vulnerabilityReport.findUniqueOrThrow({
      where: { publicId },
      include: { attachments: true, reporter: true },
    });
    expect(stored).toMatchObject({
      channel: 'WEB_FORM',
      encrypted: false,
      description: SECRET,
      reportedProducts: 'GridLink Gateway 4.2.0',
    });
    expect(stored.reporter).toMatchObject({ name: 'Rhea Reporter', confidential: true });
    expect(stored.attachments.map((a) => [a.filename, a.contentType, a.encrypted])).toEqual([
      ['poc.txt', 'text/plain', false],
    ]);
    // The acknowledgement mail has its own link; the thread, which staff read, has none.
    const ack = await app.db.prisma.reporterMessage.findFirstOrThrow({
      where: { reportId: stored.id },
      include: { outbox: true },
    });
    expect(ack.body).not.toContain('psirt_');
    expect(JSON.stringify(ack.outbox?.payload)).toMatch(/\/report\/status#psirt_/);
    await context.close();
  });

  it('encrypts the description and attachments in the browser: only ciphertext travels, a readable report arrives', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    // What arrives on the wire, as the server reads it (the browser does not expose multipart uploads).
    const bodies: string[] = [];
    const tee = (req: import('node:http').IncomingMessage) => {
      if (req.method !== 'POST' || req.url !== '/report') return;
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => bodies.push(Buffer.concat(chunks).toString('latin1')));
    };
    app.server.prependListener('request', tee);
    await page.goto(url('/report'));
    await page.waitForFunction(() =>
      document.getElementById('encryption-note')?.textContent?.includes('will be encrypted in this browser'),
    );
    await fill(page, { title: 'Admin without a password (encrypted)' });
    // The vector is checked by the calculator as it is typed.
    await page.fill('#cvssVector', 'CVSS:3.1/AV:Q');
    await page.waitForFunction(() => (document.getElementById('cvss-result')?.textContent ?? '').length > 0);
    expect(await page.textContent('#cvss-result')).toMatch(/AV:Q|Attack Vector|not a value/i);
    await page.fill('#cvssVector', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H');
    await page.waitForFunction(() => document.getElementById('cvss-result')?.textContent === 'CRITICAL 9.8');
    await page.setInputFiles('#attachments', {
      name: 'exploit.py',
      mimeType: 'text/x-python',
      buffer: Buffer.from('print("secret exploit 9c1d")'),
    });
    await Promise.all([page.waitForURL(/\/report$/), page.click('button[type="submit"]')]);
    expect(await page.textContent('#sent')).toContain(
      'Your description and 1 attachment were encrypted in your browser to our OpenPGP key',
    );
    app.server.off('request', tee);
    expect(bodies).toHaveLength(1);
    expect(bodies[0]).toContain('-----BEGIN PGP MESSAGE-----');
    expect(bodies[0]).not.toContain('secret detail 7f3a');
    expect(bodies[0]).not.toContain('secret exploit 9c1d');
    expect(bodies[0]).not.toContain('exploit.py');
    const publicId = /VSR-\d{4}-\d{4}/.exec((await page.textContent('h1')) ?? '')?.[0] ?? '';
    const stored = await app.db.prisma.vulnerabilityReport.findUniqueOrThrow({
      where: { publicId },
      include: { attachments: true },
    });
    expect(stored).toMatchObject({ channel: 'WEB_FORM', encrypted: true, description: SECRET });
    expect(stored.attachments.map((a) => [a.filename, Buffer.from(a.content).toString(), a.encrypted])).toEqual([
      ['exploit.py', 'print("secret exploit 9c1d")', true],
    ]);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(url('/report'));
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: path.join(ARTIFACTS, 'report-form-390px.png'), fullPage: true });
    await context.close();
  });

  it('opens the status from the private link, shows a PSIRT message, takes an encrypted reply, and rotates the link', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(url('/report'));
    await page.waitForFunction(() =>
      document.getElementById('encryption-note')?.textContent?.includes('will be encrypted'),
    );
    await fill(page, { title: 'Status page report' });
    await Promise.all([page.waitForURL(/\/report$/), page.click('button[type="submit"]')]);
    const link = (await page.textContent('#status-link')) ?? '';
    const token = link.slice(link.indexOf('#') + 1);
    const publicId = /VSR-\d{4}-\d{4}/.exec((await page.textContent('h1')) ?? '')?.[0] ?? '';
    const accepted = await w.analyst.gql(
      'mutation($r: String!) { acceptReport(reportId: $r, products: ["gateway"]) { publicId } }',
      {
        r: publicId,
      },
    );
    const caseId = accepted.data?.acceptReport.publicId;
    await w.analyst.gql(
      'mutation($c: String!) { messageReporters(caseId: $c, body: "Confirmed; a fix is planned for 4.2.1.") { id } }',
      {
        c: caseId,
      },
    );

    // The link: the token is in the fragment, posted, and the address bar forgets it.
    await page.goto(link);
    await page.waitForSelector(`#status-${publicId}`);
    expect(page.url()).not.toContain('psirt_');
    expect(await page.textContent(`#status-${publicId}`)).toBe('In analysis');
    expect(await page.textContent('main')).toContain('Confirmed; a fix is planned for 4.2.1.');
    expect(await page.textContent('main')).toContain('You will not be named.');
    expect(await page.textContent('main')).toMatch(/Next update\s*by \d{4}-\d\d-\d\d/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'report-status.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: path.join(ARTIFACTS, 'report-status-390px.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });

    // A reply, encrypted in the browser; the PSIRT reads it in clear.
    const replies: string[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/report/reply')) replies.push(r.postData() ?? '');
    });
    await page.waitForFunction(() => document.querySelector('.encryption-note')?.textContent?.includes('Encrypted'));
    await page.fill(`#body-${publicId}`, 'Thanks: the workaround works here (reply 51e2).');
    await Promise.all([page.waitForURL(/\/report\/reply$/), page.click('form.reply button[type="submit"]')]);
    expect(await page.textContent('[role=status]')).toContain(
      'Your message was sent, encrypted in your browser to our key.',
    );
    expect(replies[0]).not.toContain('reply 51e2');
    const inbound = await app.db.prisma.reporterMessage.findFirstOrThrow({
      where: { report: { publicId }, direction: 'INBOUND' },
    });
    expect(inbound.body).toBe('Thanks: the workaround works here (reply 51e2).');

    // Rotation: a new link at once; the old one is refused, here and by the API.
    await Promise.all([page.waitForURL(/\/report\/rotate$/), page.click('form[action="/report/rotate"] button')]);
    expect(await page.textContent('[role=status]')).toContain(
      'Your new private link (shown once; the old one no longer works)',
    );
    const old = await app.client(token).gql('{ reports(first: 1) { totalCount } }');
    expect(old.status).toBe(401);
    await page.goto(link);
    await page.waitForSelector('[role=alert]');
    expect(await page.textContent('[role=alert]')).toContain('This link does not work');

    // Whatever happened, the token was never in the server's request log.
    const log = logLines.join('');
    expect(log).toContain('"path":"/report/status"');
    expect(log).not.toContain(token);
    await context.close();
  });

  it('keeps the form filled when a submission is refused (rate limit, expired form), and says why', async () => {
    await using limited = await startTestApp({ submissionsPerHour: 1 });
    await makeWorld(limited);
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    for (const attempt of [1, 2]) {
      await page.goto(new URL('/report', limited.origin).href);
      await fill(page, { title: `Attempt ${attempt}` });
      await page.fill('#cvssVector', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H');
      await Promise.all([page.waitForURL(/\/report$/), page.click('button[type="submit"]')]);
    }
    expect(await page.textContent('[role=alert]')).toContain('Too many reports from your address');
    expect(await page.inputValue('#title')).toBe('Attempt 2');
    expect(await page.inputValue('#description')).toBe(SECRET);
    expect(await page.inputValue('#cvssVector')).toBe('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H');
    expect(await page.isChecked('input[name="confidential"]')).toBe(true);

    // A form posted from elsewhere (no valid token): refused, nothing stored.
    const before = await limited.db.prisma.vulnerabilityReport.count();
    const forged = await fetch(new URL('/report', limited.origin), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      body: new URLSearchParams({
        title: 'Forged',
        description: 'From another site entirely.',
        policy: '1',
        csrf: '1.x',
      }),
    });
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain('This form has expired or did not come from our site');
    expect(await limited.db.prisma.vulnerabilityReport.count()).toBe(before);

    // A hostile page that got a valid token and posts it from a frame of its own with no referrer
    // (the browser then sends "Origin: null"): refused, nothing stored.
    const html = await (await fetch(new URL('/report', limited.origin))).text();
    const token = /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
    const hostile = await browser.newContext();
    const attacker = await hostile.newPage();
    await attacker.setContent(`<meta name="referrer" content="no-referrer">
      <form method="post" action="${new URL('/report', limited.origin).href}">
        <input name="csrf" value="${token}"><input name="title" value="Forged in a frame">
        <input name="description" value="Sent from a page that is not the PSIRT's."><input name="policy" value="1">
        <button type="submit">go</button></form>`);
    await Promise.all([attacker.waitForURL(/\/report$/), attacker.click('button')]);
    expect(await attacker.textContent('[role=alert]')).toContain('did not come from our site');
    expect(await limited.db.prisma.vulnerabilityReport.count({ where: { title: 'Forged in a frame' } })).toBe(0);
    await hostile.close();
    await context.close();
  });
});
