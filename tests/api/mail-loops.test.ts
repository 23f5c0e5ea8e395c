// Mail that must not become a report, or must not be answered: auto-replies,
// bounces and bulk (RFC 3834), a flood from one address, a NUL in a header,
// a mail over the size limit. What the PSIRT sends automatically says so.
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { generatePsirtKey, MailDecoder, receiveMail } from '@psirt/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { dialect } from '../support/db.ts';
import { type Gpg, gpgAvailable, gpgHome } from '../support/gpg.ts';
import { sendRaw } from '../support/pgp-mail.ts';
import { startSmtp, type TestSmtp } from '../support/smtp.ts';
import { makeWorld, type World } from '../support/world.ts';

const PSIRT = 'psirt@example.com';
const MAX = 64 * 1024;

let app: TestApp;
let w: World;
let sink: TestSmtp;
let gpg: Gpg | undefined;
let psirtFpr: string;

beforeAll(async () => {
  sink = await startSmtp();
  app = await startTestApp({
    keys: { passphrase: 'test passphrase for the stored keys' },
    mail: { url: sink.url, intervalMs: 50, from: 'Example PSIRT <psirt@example.com>', quiet: true },
    intake: { smtpPort: 0, recipients: [PSIRT], maxBytes: MAX },
  });
  w = await makeWorld(app);
  const key = await generatePsirtKey(app.db.prisma, {
    passphrase: 'test passphrase for the stored keys',
    name: 'Example PSIRT',
    email: PSIRT,
    overlapDays: 30,
  });
  psirtFpr = key.fingerprint;
  if (gpgAvailable) {
    gpg = gpgHome();
    await gpg.run(['--import'], key.armored);
  }
});
afterAll(async () => {
  gpg?.[Symbol.dispose]();
  await app?.[Symbol.asyncDispose]();
  await sink?.close();
});

const mail = (from: string, subject: string, extra: string[] = [], body = 'Hello.') =>
  [
    `From: ${from}`,
    `To: ${PSIRT}`,
    `Subject: ${subject}`,
    `Message-ID: <${randomUUID()}@example.org>`,
    ...extra,
    'Content-Type: text/plain; charset=utf-8',
    '',
    body,
    '',
  ].join('\r\n');
const send = (raw: string, from: string) => sendRaw(app.smtpPort() as number, raw, { from, to: [PSIRT] });

async function inbound(status: string) {
  const r = await w.analyst.gql(
    `{ inboundMails(first: 100, status: [${status}]) { edges { node { subject status reason detail size truncated report { publicId } } } } }`,
  );
  expect(r.errors).toBeUndefined();
  return r.data?.inboundMails.edges.map((e: { node: unknown }) => e.node) as {
    subject: string;
    status: string;
    reason: string | null;
    detail: string | null;
    size: number;
    truncated: boolean;
    report: null | { publicId: string };
  }[];
}
const reportTitles = async () =>
  (await w.analyst.gql('{ reports(first: 200) { edges { node { title acknowledgedAt } } } }')).data?.reports.edges.map(
    (e: { node: { title: string; acknowledgedAt: string | null } }) => e.node,
  ) as { title: string; acknowledgedAt: string | null }[];

describe(`mail loops and junk (${dialect})`, () => {
  it('keeps auto-replies, bounces and bulk as IGNORED with the reason: no VSR, no answer', async () => {
    const cases: [string, string, string[], string][] = [
      ['Out of office', 'ooo@example.org', ['Auto-Submitted: auto-replied'], 'Auto-Submitted: auto-replied'],
      ['Vacation', 'vac@example.org', ['X-Autoreply: yes'], 'x-autoreply'],
      ['Newsletter', 'news@example.org', ['Precedence: bulk'], 'Precedence: bulk'],
      ['Undelivered Mail Returned to Sender', 'MAILER-DAEMON@mx.example.org', [], 'a bounce'],
    ];
    for (const [subject, from, extra] of cases) expect(await send(mail(from, subject, extra), from)).toMatch(/^250/);
    // A bounce proper: empty envelope sender (MAIL FROM:<>), a multipart/report.
    const dsn = [
      'From: Mail Delivery System <postmaster@mx.example.org>',
      `To: ${PSIRT}`,
      'Subject: Delivery Status Notification (Failure)',
      `Message-ID: <${randomUUID()}@mx.example.org>`,
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain',
      '',
      'Your message could not be delivered.',
      '--b--',
      '',
    ].join('\r\n');
    expect(await send(dsn, '')).toMatch(/^250/);

    const ignored = await inbound('IGNORED');
    const bySubject = Object.fromEntries(ignored.map((m) => [m.subject, m]));
    for (const [subject, , , why] of cases) {
      expect(bySubject[subject], subject).toMatchObject({ status: 'IGNORED', report: null });
      expect(bySubject[subject]?.detail, subject).toContain(why);
    }
    expect(bySubject['Delivery Status Notification (Failure)']?.detail).toMatch(/bounce|report/);
    const titles = (await reportTitles()).map((r) => r.title);
    for (const s of [...cases.map((c) => c[0]), 'Delivery Status Notification (Failure)'])
      expect(titles).not.toContain(s);
    await new Promise((r) => setTimeout(r, 300));
    for (const to of ['ooo@example.org', 'vac@example.org', 'news@example.org', 'mailer-daemon@mx.example.org']) {
      expect(sink.to(to), to).toEqual([]);
    }
  });

  it('marks its acknowledgements Auto-Submitted, and acknowledges a flood only a few times an hour', async () => {
    const from = 'flood@example.org';
    for (let i = 1; i <= 7; i++) await send(mail(from, `Flood report ${i}`), from);
    const reports = (await reportTitles()).filter((r) => r.title.startsWith('Flood report'));
    expect(reports).toHaveLength(7);
    expect(reports.filter((r) => r.acknowledgedAt).length).toBe(5);
    await sink.waitFor(() => sink.to(from).length >= 5);
    await new Promise((r) => setTimeout(r, 300));
    const acks = sink.to(from);
    expect(acks).toHaveLength(5);
    for (const ack of acks) expect(ack.headers.get('auto-submitted')).toBe('auto-replied');
  });

  it('limits connections per client address, as configured (behind a relay, raise it)', async () => {
    const small = await startTestApp({
      mail: { quiet: true },
      intake: { smtpPort: 0, recipients: [PSIRT], maxBytes: MAX, connectionsPerMinute: 2 },
    });
    try {
      const port = small.smtpPort() as number;
      const greetings = [];
      for (let i = 0; i < 3; i++) greetings.push(await smtpDialogue(port, ['QUIT']));
      expect(greetings.slice(0, 2).every((g) => g.startsWith('220'))).toBe(true);
      expect(greetings[2]).toMatch(/^421 /);
    } finally {
      await small[Symbol.asyncDispose]();
    }
  });

  it('quarantines a mail with a NUL in a header instead of refusing it for ever', async () => {
    const from = 'nul@example.org';
    const raw = mail(from, 'Bad\u0000header', ['X-Note: a\u0000b']);
    expect(await send(raw, from)).toMatch(/^250/);
    const all = [...(await inbound('PROCESSED')), ...(await inbound('QUARANTINED'))];
    expect(all.find((m) => m.subject === 'Badheader')).toBeDefined();
  });

  it('advertises SIZE, and keeps only the start of a mail over it', async () => {
    const ehlo = await smtpDialogue(app.smtpPort() as number, ['EHLO test', 'QUIT']);
    expect(ehlo).toMatch(new RegExp(`250[- ]SIZE ${MAX}\\b`));
    const from = 'big@example.org';
    const big = mail(
      from,
      'Far too big',
      [],
      'x'
        .repeat(76)
        .concat('\r\n')
        .repeat(4 * 1024),
    );
    await expect(send(big, from)).rejects.toThrow(/552/);
    const [kept] = (await inbound('QUARANTINED')).filter((m) => m.subject === 'Far too big');
    expect(kept).toMatchObject({ reason: 'OVERSIZED', truncated: true });
    expect(kept?.size).toBeGreaterThan(300_000);
    const stored = await app.db.prisma.inboundMail.findFirstOrThrow({ where: { subject: 'Far too big' } });
    const pieces = await app.db.prisma.inboundMailChunk.findMany({ where: { mailId: stored.id } });
    expect(pieces.reduce((n, p) => n + p.bytes.length, 0)).toBeLessThanOrEqual(64 * 1024);
  });
});

describe(`mail that would exhaust the server (${dialect})`, () => {
  it.skipIf(!gpgAvailable)('stops decompressing a compression bomb at the limit: OVERSIZED, with why', async () => {
    // 8 MiB of zeros compress to a few KiB; the limit for what a mail decrypts to is 4 × 64 KiB here.
    const armored = await (gpg as Gpg).run(
      ['--armor', '--compress-algo', 'zlib', '--compress-level', '9', '--encrypt', '--recipient', psirtFpr],
      '\0'.repeat(8 * 1024 * 1024),
    );
    expect(armored.length).toBeLessThan(MAX);
    const from = 'bomb@example.org';
    expect(await send(mail(from, 'Compression bomb', [], armored), from)).toMatch(/^250/);
    const [q] = (await inbound('QUARANTINED')).filter((m) => m.subject === 'Compression bomb');
    expect(q).toMatchObject({ reason: 'OVERSIZED' });
    expect(q?.detail).toContain(`decrypts to more than ${4 * MAX} bytes`);
  });

  it('ends a decoding past its time or memory limit in the quarantine, and decodes the next mail as before', async () => {
    const slow = new MailDecoder({ heapMb: 64, timeoutMs: 1 });
    const deps = {
      db: app.db.prisma,
      now: () => new Date(),
      requestId: 'test',
      passphrase: 'test passphrase for the stored keys',
      maxBytes: MAX,
      publisherNamespace: 'https://psirt.example.com',
      decoder: slow,
    };
    try {
      const r = await receiveMail(deps, Buffer.from(mail('slow@example.org', 'Too slow to decode')), 'CLI');
      expect(r).toMatchObject({ outcome: 'QUARANTINED', reason: 'PROCESSING_ERROR' });
      const [q] = (await inbound('QUARANTINED')).filter((m) => m.subject === 'Too slow to decode');
      expect(q?.detail).toBe('decoding it took longer than 0.001 s');
      // A fresh worker, with room to work, takes the next one.
      Object.assign(slow.limits, { timeoutMs: 60_000 });
      const next = await receiveMail(deps, Buffer.from(mail('slow@example.org', 'Decoded after')), 'CLI');
      expect(next).toMatchObject({ outcome: 'REPORT' });
    } finally {
      await slow.close();
    }
  });

  it('ends a decoding that needs more memory than the worker may use in the quarantine; the process lives on', async () => {
    const small = new MailDecoder({ heapMb: 8, timeoutMs: 60_000 });
    try {
      const r = await receiveMail(
        {
          db: app.db.prisma,
          now: () => new Date(),
          requestId: 'test',
          passphrase: 'test passphrase for the stored keys',
          maxBytes: 16 * 1024 * 1024,
          publisherNamespace: 'https://psirt.example.com',
          decoder: small,
        },
        Buffer.from(mail('heavy@example.org', 'Too heavy to decode', [], 'word '.repeat(2_000_000))),
        'CLI',
      );
      expect(r).toMatchObject({ outcome: 'QUARANTINED', reason: 'PROCESSING_ERROR' });
      const [q] = (await inbound('QUARANTINED')).filter((m) => m.subject === 'Too heavy to decode');
      expect(q?.detail).toBe('decoding it needed more than the 8 MB it may use');
      expect((await w.analyst.gql('{ viewer { email } }')).errors).toBeUndefined();
    } finally {
      await small.close();
    }
  });

  it('refuses MIME nested too deep or split into too many parts, at once', async () => {
    const nested = (depth: number) => {
      let body = 'Content-Type: text/plain\r\n\r\ndeep\r\n';
      for (let i = 0; i < depth; i++) {
        body = `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n${body}\r\n--b${i}--\r\n`;
      }
      return body;
    };
    const parts = (n: number) =>
      `Content-Type: multipart/mixed; boundary="p"\r\n\r\n${Array.from({ length: n }, (_, i) => `--p\r\nContent-Type: text/plain\r\n\r\npart ${i}\r\n`).join('')}--p--\r\n`;
    const from = 'mime@example.org';
    const head = (subject: string) =>
      `From: ${from}\r\nTo: ${PSIRT}\r\nSubject: ${subject}\r\nMessage-ID: <${randomUUID()}@example.org>\r\nMIME-Version: 1.0\r\n`;
    await send(`${head('Deep MIME')}${nested(200)}`, from);
    await send(`${head('Many parts')}${parts(600)}`, from);
    const q = await inbound('QUARANTINED');
    expect(q.find((m) => m.subject === 'Deep MIME')).toMatchObject({
      reason: 'MALFORMED_MIME',
      detail: 'MIME nested deeper than 30 levels',
    });
    expect(q.find((m) => m.subject === 'Many parts')).toMatchObject({
      reason: 'MALFORMED_MIME',
      detail: 'more than 500 MIME parts',
    });
  });
});

/** Speaks SMTP line by line; resolves with everything the server said. */
function smtpDialogue(port: number, commands: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let said = '';
    let next = 0;
    socket.on('data', (d) => {
      said += d;
      if (/^\d{3} /m.test(d.toString()) && next < commands.length) socket.write(`${commands[next++]}\r\n`);
    });
    socket.on('end', () => resolve(said));
    socket.on('error', reject);
  });
}
