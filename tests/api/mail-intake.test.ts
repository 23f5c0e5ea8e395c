// The encrypted reporting channel, end to end, with GnuPG as the reporters'
// OpenPGP and real SMTP both ways: mail to the PSIRT's SMTP receiver becomes
// VSRs (decrypted, signatures checked, attachments kept), replies thread into
// them, what cannot be processed waits in the quarantine with its reason, and
// what goes back to a reporter with a key is encrypted to it and signed.

import { randomBytes, randomUUID } from 'node:crypto';
import { generatePsirtKey, importPsirtKey, type KeyPolicy, retryStalledMail } from '@psirt/api';
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { dialect } from '../support/db.ts';
import { gpgAvailable } from '../support/gpg.ts';
import {
  type Correspondent,
  correspondent,
  encryptedMail,
  gpgDecrypt,
  plainMail,
  sendRaw,
  signedMail,
} from '../support/pgp-mail.ts';
import { startSmtp, type TestSmtp } from '../support/smtp.ts';
import { makeWorld, reportInput, SUBMIT, type World } from '../support/world.ts';

const policy: KeyPolicy = {
  passphrase: 'test passphrase for the stored keys',
  name: 'Example PSIRT',
  email: 'psirt@example.com',
  overlapDays: 30,
};
const PSIRT = 'psirt@example.com';
// Over 256 KiB: the mails below are stored in more than one piece.
const MAX = 1024 * 1024;

let app: TestApp;
let w: World;
let sink: TestSmtp;
let psirtFpr: string;
let psirtKey: string;
let ann: Correspondent;
let port: number;

beforeAll(async () => {
  if (!gpgAvailable) return;
  sink = await startSmtp();
  app = await startTestApp({
    keys: { passphrase: policy.passphrase },
    submissionsPerHour: 1000,
    mail: { url: sink.url, intervalMs: 50, from: 'Example PSIRT <psirt@example.com>', quiet: true },
    intake: { smtpPort: 0, recipients: [PSIRT, 'security@example.com'], maxBytes: MAX },
  });
  w = await makeWorld(app);
  const key = await generatePsirtKey(app.db.prisma, policy);
  psirtFpr = key.fingerprint;
  psirtKey = key.armored;
  port = app.smtpPort() as number;
  ann = await correspondent('Ann Analyst', 'ann@research.example.org');
  await ann.gpg.run(['--import'], psirtKey);
});
afterAll(async () => {
  ann?.[Symbol.dispose]();
  await app?.[Symbol.asyncDispose]();
  await sink?.close();
});

const send = (raw: string, from: string, to = PSIRT) => sendRaw(port, raw, { from, to: [to] });
const messageIdOf = (raw: string) => /^Message-ID: (.+)$/m.exec(raw)?.[1]?.trim() as string;

const REPORTS = `query($first: Int) { reports(first: $first) { edges { node {
  publicId title description channel encrypted signatureStatus
  reporter { email pgpFingerprint }
  attachments { filename contentType size encrypted contentBase64 }
  messages { direction subject body encrypted signatureStatus attachments { filename } }
} } } }`;

async function reportBy(title: string) {
  const r = await w.analyst.gql(REPORTS, { first: 100 });
  return r.data?.reports.edges.map((e: { node: unknown }) => e.node).find((n: { title: string }) => n.title === title);
}

async function quarantine(status?: string[]) {
  const r = await w.analyst.gql(
    `query($status: [InboundMailStatus!]) { inboundMails(first: 50, status: $status) {
      totalCount edges { node { id sender subject status reason detail via size truncated report { publicId } } } } }`,
    { status },
  );
  expect(r.errors).toBeUndefined();
  const c = r.data?.inboundMails;
  return { totalCount: c.totalCount, nodes: c.edges.map((e: { node: unknown }) => e.node) } as {
    totalCount: number;
    nodes: {
      id: string;
      sender: string;
      subject: string;
      status: string;
      reason: string;
      detail: string;
      truncated: boolean;
    }[];
  };
}

const mailTo = (address: string, match: (m: ParsedMail) => boolean = () => true) =>
  sink.waitFor(() => sink.to(address).some(match)).then(() => sink.to(address).find(match) as ParsedMail);

/** What gpg makes of a PGP/MIME mail from the PSIRT: the inner entity and its status lines. */
async function openWithGpg(c: Correspondent, mail: ParsedMail) {
  expect(mail.headers.get('content-type')).toMatchObject({
    value: 'multipart/encrypted',
    params: { protocol: 'application/pgp-encrypted' },
  });
  const payload = mail.attachments.find((a) => a.contentType === 'application/octet-stream');
  expect(payload?.content.toString()).toContain('-----BEGIN PGP MESSAGE-----');
  return gpgDecrypt(c.gpg, payload?.content.toString() as string);
}

describe.skipIf(!gpgAvailable)(`mail intake with GnuPG as the peer (${dialect})`, () => {
  it('turns a gpg-encrypted, signed PGP/MIME report into a VSR with a verified signature, and answers encrypted and signed', async () => {
    // Ann is known: she reported before through the API, with her key.
    const first = await app.anonymous.gql(SUBMIT, {
      input: reportInput({
        title: 'Earlier report by Ann',
        reporter: { kind: 'RESEARCHER', name: 'Ann Analyst', email: ann.email, pgpPublicKey: ann.publicKey },
      }),
    });
    expect(first.errors).toBeUndefined();

    // With a payload large enough that the mail is stored in several pieces (256 KiB each), and read back whole.
    const poc = Buffer.concat([
      Buffer.from('#!/usr/bin/env python3\nprint("gl_session forged")\n# '),
      Buffer.from(randomBytes(200 * 1024).toString('hex')),
    ]);
    const raw = await encryptedMail(ann, psirtFpr, {
      subject: 'RCE in GridLink Gateway web UI',
      text: 'The /cgi-bin/diag endpoint passes the host field to a shell. Proof of concept attached.',
      attachments: [{ filename: 'poc.py', contentType: 'text/x-python', content: poc }],
    });
    expect(raw).not.toContain('cgi-bin');
    expect(await send(raw, ann.email)).toMatch(/^250/);

    const vsr = await reportBy('RCE in GridLink Gateway web UI');
    expect(vsr).toMatchObject({
      channel: 'EMAIL',
      encrypted: true,
      signatureStatus: 'VALID',
      description: expect.stringContaining('/cgi-bin/diag endpoint'),
      reporter: { email: ann.email, pgpFingerprint: ann.fingerprint },
      // Inside the PGP/MIME encryption: it arrived encrypted (stored decrypted).
      attachments: [{ filename: 'poc.py', contentType: 'text/x-python', size: poc.length, encrypted: true }],
    });
    expect(Buffer.from(vsr.attachments[0].contentBase64, 'base64').equals(poc)).toBe(true);
    const stored = await app.db.prisma.inboundMail.findUniqueOrThrow({ where: { messageKey: messageIdOf(raw) } });
    expect(await app.db.prisma.inboundMailChunk.count({ where: { mailId: stored.id } })).toBeGreaterThan(1);

    // The acknowledgement: PGP/MIME, threaded, nothing readable outside; gpg decrypts it and checks the PSIRT's signature.
    const ack = await mailTo(ann.email, (m) => m.inReplyTo === messageIdOf(raw));
    expect(ack.subject).toBe(`[${vsr.publicId}] Encrypted message`);
    // The thread records it as it left: encrypted.
    expect(vsr.messages.find((m: { direction: string }) => m.direction === 'OUTBOUND')).toMatchObject({
      encrypted: true,
    });
    expect(ack.text ?? '').not.toContain(vsr.publicId);
    const opened = await openWithGpg(ann, ack);
    expect(opened.status).toMatch(/^\[GNUPG:\] DECRYPTION_OKAY/m);
    expect(opened.status).toMatch(new RegExp(`^\\[GNUPG:\\] VALIDSIG ${psirtFpr} `, 'm'));
    expect(opened.status).toMatch(/^\[GNUPG:\] GOODSIG /m);
    expect(opened.text).toContain(`Subject: [${vsr.publicId}] We received your report`);
    expect(opened.text).toContain(`registered as ${vsr.publicId}`);
    // Like every acknowledgement, a private status link — in the mail, never on the thread — that works.
    const unwrapped = opened.text.replace(/=\r?\n/g, ''); // quoted-printable soft line breaks
    const link = /\/report\/status#(psirt_[A-Za-z0-9_-]+)/.exec(unwrapped)?.[1] ?? '';
    expect(link).not.toBe('');
    const mine = await app.client(link).gql('{ reports(first: 5) { edges { node { publicId } } } }');
    expect(mine.data?.reports.edges.map((e: { node: { publicId: string } }) => e.node.publicId)).toContain(
      vsr.publicId,
    );
    expect(JSON.stringify(vsr.messages)).not.toContain(link);

    // The earlier API report's acknowledgement went the same way.
    const apiAck = await mailTo(ann.email, (m) =>
      (m.subject ?? '').startsWith(`[${first.data?.submitVulnerabilityReport.publicId}]`),
    );
    expect((await openWithGpg(ann, apiAck)).status).toMatch(/GOODSIG/);

    // A reply to the acknowledgement is a message on the VSR, not a new report.
    const reply = await encryptedMail(ann, psirtFpr, {
      subject: `Re: [${vsr.publicId}] We received your report`,
      text: 'Firmware 4.2.1 is affected too.',
      inReplyTo: ack.messageId as string,
      attachments: [{ filename: 'trace.txt', contentType: 'text/plain', content: Buffer.from('strace output') }],
    });
    expect(await send(reply, ann.email)).toMatch(/^250/);
    // The same mail again (a retry by Ann's server): received once.
    expect(await send(reply, ann.email)).toMatch(/^250/);
    const after = await reportBy('RCE in GridLink Gateway web UI');
    const inbound = after.messages.filter((m: { direction: string }) => m.direction === 'INBOUND');
    expect(inbound).toEqual([
      {
        direction: 'INBOUND',
        subject: `Re: [${vsr.publicId}] We received your report`,
        body: 'Firmware 4.2.1 is affected too.',
        encrypted: true,
        signatureStatus: 'VALID',
        attachments: [{ filename: 'trace.txt' }],
      },
    ]);
    expect(after.attachments.map((a: { filename: string }) => a.filename)).toEqual(['poc.py', 'trace.txt']);
    expect((await quarantine()).totalCount).toBe(0);
  });

  it('threads by the VSR id in the subject only for its reporter; a stranger quoting it starts a new report', async () => {
    const raw = plainMail(ann, { subject: 'Telnet left open on RTU500', text: 'Port 23 answers with a root shell.' });
    await send(raw, ann.email);
    const vsr = await reportBy('Telnet left open on RTU500');
    expect(vsr).toMatchObject({ encrypted: false, signatureStatus: 'UNSIGNED' });

    await send(plainMail(ann, { subject: `More on ${vsr.publicId}`, text: 'Also on port 2323.' }), ann.email);
    const stranger = { name: 'Mallory', email: 'mallory@elsewhere.example' };
    await send(
      plainMail(stranger, { subject: `Re: ${vsr.publicId} update`, text: 'Please send me the details.' }),
      stranger.email,
    );

    const after = await reportBy('Telnet left open on RTU500');
    expect(after.messages.filter((m: { direction: string }) => m.direction === 'INBOUND')).toHaveLength(1);
    const theirs = await reportBy(`Re: ${vsr.publicId} update`);
    expect(theirs).toMatchObject({ reporter: { email: stranger.email }, messages: [expect.anything()] });
  });

  it('reads inline OpenPGP, takes an attached key for replies, and checks PGP/MIME signatures: valid, altered, unknown key', async () => {
    using bob = await correspondent('Bob Builder', 'bob@partner.example');
    await bob.gpg.run(['--import'], psirtKey);
    const secret = await bob.gpg.run(
      ['--armor', '--encrypt', '--recipient', psirtFpr],
      'Default SNMP community "private" is writable on BMS Controller 2.x.',
    );
    const inline = plainMail(bob, {
      subject: 'Writable SNMP on BMS',
      text: `Hello PSIRT,\n\n${secret}`,
      attachments: [{ filename: 'bob.asc', contentType: 'application/pgp-keys', content: Buffer.from(bob.publicKey) }],
    });
    await send(inline, bob.email);
    const vsr = await reportBy('Writable SNMP on BMS');
    expect(vsr).toMatchObject({
      encrypted: true,
      signatureStatus: 'UNSIGNED',
      description: expect.stringContaining('Default SNMP community "private"'),
      reporter: { pgpFingerprint: bob.fingerprint },
      attachments: [],
    });
    expect(vsr.description).not.toContain('BEGIN PGP MESSAGE');
    // Bob sent his key, so the acknowledgement is encrypted to it.
    const ack = await mailTo(bob.email);
    expect((await openWithGpg(bob, ack)).text).toContain(`registered as ${vsr.publicId}`);

    // Now Bob's key is known: his PGP/MIME signed mail verifies…
    await send(await signedMail(bob, { subject: 'Signed: SNMP write', text: 'Signed details.' }), bob.email);
    expect(await reportBy('Signed: SNMP write')).toMatchObject({ signatureStatus: 'VALID', encrypted: false });
    // …an altered one does not…
    await send(
      await signedMail(
        bob,
        { subject: 'Signed: altered', text: 'Version 2.1 only.' },
        { tamper: (p) => p.replace('2.1', '2.9') },
      ),
      bob.email,
    );
    expect(await reportBy('Signed: altered')).toMatchObject({
      signatureStatus: 'BAD',
      description: 'Version 2.9 only.',
    });
    // …and a signature by a key the PSIRT does not have for the sender is recorded as such.
    using carol = await correspondent('Carol', 'carol@research.example.org');
    await send(await signedMail(carol, { subject: 'Signed by a stranger key', text: 'Hello.' }), carol.email);
    expect(await reportBy('Signed by a stranger key')).toMatchObject({ signatureStatus: 'UNKNOWN_KEY' });
  });

  it('quarantines what it cannot process, with the reason, tells the sender nothing, and re-processes on request', async () => {
    using dave = await correspondent('Dave', 'dave@research.example.org');
    const before = sink.mails.length;
    const garbage = plainMail(dave, {
      subject: 'garbage pgp',
      text: '-----BEGIN PGP MESSAGE-----\n\nbm90IGFuIG9wZW5wZ3AgbWVzc2FnZQ==\n=AAAA\n-----END PGP MESSAGE-----\n',
    });
    // Encrypted to a key the PSIRT does not hold (yet).
    const wrongKey = await encryptedMail(
      dave,
      dave.fingerprint,
      { subject: 'To the wrong key', text: 'Secret details.' },
      { sign: false },
    );
    const oversized = plainMail(dave, { subject: 'big', text: 'x'.repeat(MAX + 10) });
    const noParts = [
      'From: Dave <dave@research.example.org>',
      `To: ${PSIRT}`,
      'Subject: broken pgp/mime',
      `Message-ID: <${randomUUID()}@mail.example.org>`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="b"',
      '',
      '--b',
      'Content-Type: application/pgp-encrypted',
      '',
      'Version: 1',
      '--b--',
      '',
    ].join('\r\n');
    const noSender = `To: ${PSIRT}\r\nSubject: who am I\r\nMessage-ID: <${randomUUID()}@x>\r\n\r\nhello\r\n`;
    for (const raw of [garbage, wrongKey, noParts, noSender]) {
      expect(await send(raw, dave.email)).toMatch(/^250/);
    }
    // Past the limit (SIZE) the SMTP answer is a refusal, and the start of the mail is still kept.
    for (const raw of [oversized, plainMail(dave, { subject: 'huge', text: 'y'.repeat(3 * MAX) })]) {
      await expect(send(raw, dave.email)).rejects.toThrow(/552/);
    }

    const q = await quarantine();
    const bySubject = (subject: string) => {
      const found = q.nodes.find((n) => n.subject === subject);
      if (!found) throw new Error(`no quarantined mail "${subject}"`);
      return found;
    };
    expect(bySubject('garbage pgp')).toMatchObject({ reason: 'UNREADABLE_PGP', status: 'QUARANTINED', via: 'SMTP' });
    expect(bySubject('...')).toMatchObject({ reason: 'NOT_DECRYPTABLE', sender: dave.email });
    expect(bySubject('...').detail).toContain('none of which the PSIRT can use now');
    expect(bySubject('big')).toMatchObject({ reason: 'OVERSIZED', truncated: true });
    expect(bySubject('huge')).toMatchObject({ reason: 'OVERSIZED', truncated: true });
    expect(bySubject('broken pgp/mime')).toMatchObject({ reason: 'MALFORMED_MIME' });
    expect(bySubject('who am I')).toMatchObject({ reason: 'MALFORMED_MIME', detail: 'no sender address (From)' });
    // The sender heard nothing: no acknowledgement, no detail.
    await new Promise((r) => setTimeout(r, 300));
    expect(sink.mails.slice(before).filter((m) => JSON.stringify(m.to).includes('dave@'))).toEqual([]);

    // Only the PSIRT sees the quarantine.
    const prime = await w.gridPrime.gql('{ inboundMails(first: 5) { totalCount } }');
    expect(prime.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const anon = await app.anonymous.gql('{ inboundMails(first: 5) { totalCount } }');
    expect(anon.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const nodeQuery = `query($id: ID!) { node(id: $id) { id } }`;
    const someId = bySubject('garbage pgp').id;
    expect((await w.gridPrime.gql(nodeQuery, { id: someId })).data?.node).toBeNull();
    expect((await w.analyst.gql(nodeQuery, { id: someId })).data?.node).toEqual({ id: someId });

    // The PSIRT imports the key the mail was encrypted to, and re-processes it.
    const secretKey = await dave.gpg.run(['--armor', '--export-secret-keys', dave.email]);
    await importPsirtKey(app.db.prisma, secretKey, undefined, policy);
    const re = await w.analyst.gql(
      'mutation($id: String!) { reprocessInboundMail(id: $id) { outcome reportPublicId } }',
      { id: bySubject('...').id },
    );
    expect(re.data?.reprocessInboundMail).toMatchObject({
      outcome: 'REPORT',
      reportPublicId: expect.stringMatching(/^VSR-/),
    });
    expect(await reportBy('To the wrong key')).toMatchObject({ encrypted: true, description: 'Secret details.' });
    const again = await w.analyst.gql('mutation($id: String!) { reprocessInboundMail(id: $id) { outcome } }', {
      id: bySubject('...').id,
    });
    expect(again.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    // Still garbage: re-processing keeps it in the quarantine.
    const still = await w.analyst.gql('mutation($id: String!) { reprocessInboundMail(id: $id) { outcome } }', {
      id: bySubject('garbage pgp').id,
    });
    expect(still.data?.reprocessInboundMail.outcome).toBe('QUARANTINED');
    const dismissed = await w.analyst.gql(
      'mutation($id: String!) { dismissInboundMail(id: $id, note: "test message") { status reason } }',
      { id: bySubject('who am I').id },
    );
    expect(dismissed.data?.dismissInboundMail).toEqual({ status: 'DISMISSED', reason: 'MALFORMED_MIME' });
    expect((await quarantine()).totalCount).toBe(4);
    expect((await quarantine(['DISMISSED'])).nodes.map((n) => n.subject)).toEqual(['who am I']);
  });

  it('clear-signs mailing-list mail with the PSIRT key, and gpg verifies it', async () => {
    const res = await app.anonymous.gql(
      'mutation { subscribeToAdvisories(email: "list-reader@example.org") { message } }',
    );
    expect(res.errors).toBeUndefined();
    const mail = await mailTo('list-reader@example.org');
    const text = mail.text ?? '';
    expect(text).toMatch(/^-----BEGIN PGP SIGNED MESSAGE-----/);
    expect(text).toContain('/subscriptions/confirm?token=');
    // Signed by the current key (an earlier test imported a new one), as published.
    const current = await app.anonymous.gql('{ pgpKey { fingerprint armored } }');
    await ann.gpg.run(['--import'], current.data?.pgpKey.armored);
    const status = await ann.gpg.run(['--status-fd', '1', '--verify'], text);
    expect(status).toMatch(new RegExp(`^\\[GNUPG:\\] VALIDSIG ${current.data?.pgpKey.fingerprint} `, 'm'));
    await expect(ann.gpg.run(['--status-fd', '1', '--verify'], text.replace('confirm', 'c0nfirm'))).rejects.toThrow(
      /BAD signature/,
    );
  });

  it('takes up mail a stopped instance stored but never processed, and sweeps pieces a crash left without their mail', async () => {
    const raw = Buffer.from(
      plainMail(ann, { subject: 'Stored before a crash', text: 'The process died right after storing me.' }),
    );
    const mail = await app.db.prisma.inboundMail.create({
      data: {
        messageKey: messageIdOf(raw.toString()),
        size: raw.length,
        via: 'SMTP',
        sender: ann.email,
        receivedAt: new Date(Date.now() - 11 * 60_000),
      },
    });
    // Its bytes in two pieces, as a mail over 256 KiB is stored.
    const cut = Math.floor(raw.length / 2);
    await app.db.prisma.inboundMailChunk.createMany({
      data: [
        { mailId: mail.id, seq: 1, bytes: new Uint8Array(raw.subarray(cut)) },
        { mailId: mail.id, seq: 0, bytes: new Uint8Array(raw.subarray(0, cut)) },
      ],
    });
    // Pieces a crash left before their mail's row was written: one old, one being written now.
    const orphan = { seq: 0, bytes: new Uint8Array([1, 2, 3]) };
    await app.db.prisma.inboundMailChunk.createMany({
      data: [
        { ...orphan, mailId: '01900000-0000-7000-8000-000000000001', writtenAt: new Date(Date.now() - 2 * 3600_000) },
        { ...orphan, mailId: '01900000-0000-7000-8000-000000000002' },
      ],
    });
    const deps = {
      db: app.db.prisma,
      now: () => new Date(),
      requestId: 'test',
      passphrase: policy.passphrase,
      maxBytes: MAX,
      publisherNamespace: 'https://psirt.example.com',
    };
    expect(await retryStalledMail(deps)).toBe(1);
    expect(await reportBy('Stored before a crash')).toMatchObject({
      channel: 'EMAIL',
      description: expect.stringContaining('The process died right after storing me.'),
    });
    expect(await retryStalledMail(deps)).toBe(0);
    const left = await app.db.prisma.inboundMailChunk.findMany({
      where: { mailId: { in: ['01900000-0000-7000-8000-000000000001', '01900000-0000-7000-8000-000000000002'] } },
    });
    expect(left.map((c) => c.mailId)).toEqual(['01900000-0000-7000-8000-000000000002']);
    expect(await app.db.prisma.inboundMailChunk.count({ where: { mailId: mail.id } })).toBe(2);
  });

  it('refuses mail for other addresses at RCPT, and takes mail for every configured one', async () => {
    await expect(send(plainMail(ann, { subject: 'x', text: 'x' }), ann.email, 'root@example.com')).rejects.toThrow(
      /550/,
    );
    await send(
      plainMail(ann, {
        subject: 'Sent to the second address',
        text: 'Hello security team.',
        to: 'security@example.com',
      }),
      ann.email,
      'security@example.com',
    );
    expect(await reportBy('Sent to the second address')).toBeTruthy();
  });
});
