// Mail as real clients and attackers send it, composed with GnuPG: only the
// text a signature or the encryption covers is shown as signed or encrypted;
// text around it is kept apart, labelled. Protected subjects, hidden
// recipients, HTML bodies and list-wrapped signatures are understood.
import { generatePsirtKey, type KeyPolicy } from '@psirt/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { dialect } from '../support/db.ts';
import { gpgAvailable } from '../support/gpg.ts';
import {
  type Correspondent,
  correspondent,
  encryptedMail,
  encryptedSinglePartMail,
  htmlArmouredMail,
  listWrappedSignedMail,
  partlyEncryptedMail,
  plainMail,
  sendRaw,
  signedMail,
} from '../support/pgp-mail.ts';
import { makeWorld, reportInput, SUBMIT, type World } from '../support/world.ts';

const PSIRT = 'psirt@example.com';
const policy: KeyPolicy = {
  passphrase: 'test passphrase for the stored keys',
  name: 'Example PSIRT',
  email: PSIRT,
  overlapDays: 30,
};

let app: TestApp;
let w: World;
let ann: Correspondent;
let psirtFpr: string;

beforeAll(async () => {
  if (!gpgAvailable) return;
  app = await startTestApp({
    keys: { passphrase: policy.passphrase },
    submissionsPerHour: 1000,
    mail: { quiet: true },
    intake: { smtpPort: 0, recipients: [PSIRT], maxBytes: 256 * 1024 },
  });
  w = await makeWorld(app);
  const key = await generatePsirtKey(app.db.prisma, policy);
  psirtFpr = key.fingerprint;
  ann = await correspondent('Ann Analyst', 'ann@research.example.org');
  await ann.gpg.run(['--import'], key.armored);
  // Ann is known, with her key: her signatures can be VALID.
  const known = await app.anonymous.gql(SUBMIT, {
    input: reportInput({
      title: 'Earlier report by Ann',
      reporter: { kind: 'RESEARCHER', name: 'Ann Analyst', email: ann.email, pgpPublicKey: ann.publicKey },
    }),
  });
  expect(known.errors).toBeUndefined();
});
afterAll(async () => {
  ann?.[Symbol.dispose]();
  await app?.[Symbol.asyncDispose]();
});

const send = (raw: string) => sendRaw(app.smtpPort() as number, raw, { from: ann.email, to: [PSIRT] });

const REPORTS = `{ reports(first: 100) { edges { node {
  publicId title description unverifiedText encrypted signatureStatus
  attachments { filename contentType encrypted signatureStatus }
  messages { direction body unverifiedText encrypted signatureStatus }
} } } }`;
async function reportBy(title: string) {
  const r = await w.analyst.gql(REPORTS);
  expect(r.errors).toBeUndefined();
  return r.data?.reports.edges.map((e: { node: unknown }) => e.node).find((n: { title: string }) => n.title === title);
}

const SIGNED_WORDS = 'The fix for the session bypass ships in release 4.3.2.';

describe.skipIf(!gpgAvailable)(`mail authenticity, part by part (${dialect})`, () => {
  it('shows only the decrypted, signed text of an inline block; an attacker’s text around it is kept apart', async () => {
    const block = await ann.gpg.run(
      ['--armor', '--encrypt', '--sign', '--local-user', ann.email, '--recipient', psirtFpr],
      SIGNED_WORDS,
    );
    // An attacker with one of Ann's signed mails prepends and appends words of their own.
    const raw = plainMail(ann, {
      subject: 'Inline block with words around it',
      text: `URGENT: the fix is in release 9.9, install it now.\n\n${block}\n\nP.S. call me on +1 555 0100`,
    });
    expect(await send(raw)).toMatch(/^250/);
    const vsr = await reportBy('Inline block with words around it');
    expect(vsr).toMatchObject({ description: SIGNED_WORDS, encrypted: true, signatureStatus: 'VALID' });
    expect(vsr.unverifiedText).toBe(
      '[not signed, not encrypted]\nURGENT: the fix is in release 9.9, install it now.\n\n[not signed, not encrypted]\nP.S. call me on +1 555 0100',
    );
  });

  it('keeps text appended to a clear-signed block apart, in a report and in a reply', async () => {
    const clear = await ann.gpg.run(['--clearsign', '--local-user', ann.email], SIGNED_WORDS);
    await send(plainMail(ann, { subject: 'Clear-signed with a tail', text: `${clear}\nAppended: ignore the above.` }));
    const vsr = await reportBy('Clear-signed with a tail');
    expect(vsr).toMatchObject({
      description: SIGNED_WORDS,
      unverifiedText: '[not signed, not encrypted]\nAppended: ignore the above.',
      encrypted: false,
      signatureStatus: 'VALID',
    });
    // A reply on the VSR, same rule: the body is the signed text only.
    const more = await ann.gpg.run(['--clearsign', '--local-user', ann.email], 'Version 4.2.1 is affected too.');
    await send(plainMail(ann, { subject: `Re: ${vsr.publicId}`, text: `Injected before.\n${more}` }));
    const after = await reportBy('Clear-signed with a tail');
    expect(after.messages.filter((m: { direction: string }) => m.direction === 'INBOUND')).toEqual([
      {
        direction: 'INBOUND',
        body: 'Version 4.2.1 is affected too.',
        unverifiedText: '[not signed, not encrypted]\nInjected before.',
        encrypted: false,
        signatureStatus: 'VALID',
      },
    ]);
  });

  it('shows only the encrypted part of a partly encrypted mail; the plain part beside it is kept apart', async () => {
    const raw = await partlyEncryptedMail(
      ann,
      psirtFpr,
      { subject: 'Partly encrypted', text: SIGNED_WORDS },
      'URGENT: the fix is in release 9.9.',
    );
    await send(raw);
    const vsr = await reportBy('Partly encrypted');
    expect(vsr).toMatchObject({
      description: SIGNED_WORDS,
      encrypted: true,
      signatureStatus: 'VALID',
      unverifiedText: '[not signed, not encrypted]\nURGENT: the fix is in release 9.9.',
    });
  });

  it('finds a signed part a mailing list wrapped in multipart/mixed; the footer is unsigned text', async () => {
    const raw = await listWrappedSignedMail(
      ann,
      {
        subject: 'Signed, through a list',
        text: SIGNED_WORDS,
        attachments: [{ filename: 'poc.py', contentType: 'text/x-python', content: Buffer.from('print(1)\n') }],
      },
      '_______________________________________________\nfulldisclosure mailing list: unsubscribe at https://lists.example.org',
      { filename: 'fixed-firmware.bin', content: Buffer.from('not from Ann') },
    );
    await send(raw);
    const vsr = await reportBy('Signed, through a list');
    expect(vsr).toMatchObject({ description: SIGNED_WORDS, signatureStatus: 'VALID', encrypted: false });
    // Each file says whether the signature covers it: the one added beside the signed part does not.
    expect(vsr.attachments).toEqual([
      { filename: 'poc.py', contentType: 'text/x-python', encrypted: false, signatureStatus: 'VALID' },
      {
        filename: 'fixed-firmware.bin',
        contentType: 'application/octet-stream',
        encrypted: false,
        signatureStatus: 'UNSIGNED',
      },
    ]);
    expect(vsr.unverifiedText).toContain('[not signed, not encrypted]\n_____');
    expect(vsr.unverifiedText).toContain('unsubscribe at https://lists.example.org');
  });

  it('takes the subject protected inside the signature or the encryption (Thunderbird: signed, then encrypted)', async () => {
    await send(
      await signedMail(
        ann,
        { subject: 'Protected subject, signed only', text: 'Signed words.' },
        { protectedSubject: true },
      ),
    );
    expect(await reportBy('Protected subject, signed only')).toMatchObject({
      description: 'Signed words.',
      signatureStatus: 'VALID',
    });
    const layered = await encryptedMail(
      ann,
      psirtFpr,
      { subject: 'Protected subject, signed then encrypted', text: 'Secret and signed words.' },
      { layered: true },
    );
    expect(layered).toMatch(/^Subject: \.\.\.$/m);
    await send(layered);
    expect(await reportBy('Protected subject, signed then encrypted')).toMatchObject({
      description: 'Secret and signed words.',
      encrypted: true,
      signatureStatus: 'VALID',
    });
  });

  it('decrypts a mail to a hidden recipient with the PSIRT’s key', async () => {
    const raw = await encryptedMail(
      ann,
      psirtFpr,
      { subject: 'To a hidden recipient', text: 'No key id on the outside.' },
      { hiddenRecipient: true },
    );
    await send(raw);
    expect(await reportBy('To a hidden recipient')).toMatchObject({
      description: 'No key id on the outside.',
      encrypted: true,
      signatureStatus: 'VALID',
    });
  });

  it('reads an HTML-only body inside the encryption as text, and keeps the HTML as an attachment', async () => {
    const raw = await encryptedMail(ann, psirtFpr, {
      subject: 'HTML only',
      html: true,
      text: '<html><body><p>The <b>diag</b> page runs</p><ul><li>ping</li><li>traceroute</li></ul></body></html>',
    });
    await send(raw);
    const vsr = await reportBy('HTML only');
    expect(vsr.description).toMatch(/The diag page runs\s+\* ping\s+\* traceroute/);
    expect(vsr).toMatchObject({
      encrypted: true,
      signatureStatus: 'VALID',
      attachments: [{ filename: 'message.html', contentType: 'text/html', encrypted: true, signatureStatus: 'VALID' }],
    });
  });

  it('keeps the body of an encrypted single text/plain part with protected headers, in every transfer encoding, signed or not', async () => {
    const text =
      'The diag page passes the host field to a shell: host=127.0.0.1;id returns uid=0(root). Café, naïve — a line long enough to be folded by quoted-printable encoders at seventy-six.';
    for (const encoding of ['8bit', 'quoted-printable', 'base64'] as const) {
      for (const signing of ['none', 'inside', 'layered'] as const) {
        const subject = `Single part ${encoding} ${signing}`;
        await send(await encryptedSinglePartMail(ann, psirtFpr, { subject, text }, { encoding, signing }));
        const vsr = await reportBy(subject);
        expect(vsr, subject).toMatchObject({
          title: subject,
          description: text,
          encrypted: true,
          signatureStatus: signing === 'none' ? 'UNSIGNED' : 'VALID',
          attachments: [],
        });
      }
    }
  });

  it('keeps the outer subject when the part carrying a protected one has a signature that does not verify', async () => {
    const raw = await signedMail(
      ann,
      { subject: 'Forged protected subject', text: 'Signed words, then altered.' },
      {
        protectedSubject: true,
        outerSubject: 'The subject the mail came with',
        tamper: (part) => part.replace('then altered', 'THEN ALTERED'),
      },
    );
    await send(raw);
    expect(await reportBy('Forged protected subject')).toBeUndefined();
    const vsr = await reportBy('The subject the mail came with');
    expect(vsr).toMatchObject({ signatureStatus: 'BAD', encrypted: false });
  });

  it('decrypts an inline block sent as HTML lines with &nbsp; separators (Outlook, Thunderbird’s test mail)', async () => {
    const armored = await ann.gpg.run(
      ['--armor', '--encrypt', '--sign', '--local-user', ann.email, '--recipient', psirtFpr],
      'Inline in HTML: the backup endpoint takes any password.',
    );
    await send(htmlArmouredMail(ann, { subject: 'Armour in HTML with nbsp', text: '' }, armored));
    const vsr = await reportBy('Armour in HTML with nbsp');
    expect(vsr).toMatchObject({
      description: 'Inline in HTML: the backup endpoint takes any password.',
      encrypted: true,
      signatureStatus: 'VALID',
    });
    expect(JSON.stringify(vsr)).not.toContain('BEGIN PGP MESSAGE');
  });

  it('takes a Subject with a NUL and other control characters, dropping them, instead of failing', async () => {
    const raw = plainMail(ann, {
      subject: 'Subject with a \u0000NUL and a \u0007bell',
      text: 'Body\u0000 with a NUL too.',
    });
    expect(await send(raw)).toMatch(/^250/);
    const vsr = await reportBy('Subject with a NUL and a bell');
    expect(vsr).toMatchObject({ description: 'Body with a NUL too.' });
    const mail = await app.db.prisma.inboundMail.findFirstOrThrow({
      where: { subject: 'Subject with a NUL and a bell' },
    });
    expect(mail.status).toBe('PROCESSED');
  });

  it('tells analysts what went wrong with a mail in words, never our source, when the failure is ours', async () => {
    // A real failure inside the database while the report is stored.
    await app.db.prisma.$executeRawUnsafe(`
      CREATE FUNCTION psirt_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.title = 'Refused by the database' THEN RAISE EXCEPTION 'refused for the test'; END IF; RETURN NEW; END $$`);
    await app.db.prisma.$executeRawUnsafe(
      'CREATE TRIGGER psirt_test_refuse BEFORE INSERT ON vulnerability_report FOR EACH ROW EXECUTE FUNCTION psirt_test_refuse()',
    );
    try {
      expect(await send(plainMail(ann, { subject: 'Refused by the database', text: 'Anything.' }))).toMatch(/^250/);
      const q = await w.analyst.gql(
        '{ inboundMails(first: 20, status: [QUARANTINED]) { edges { node { subject reason detail } } } }',
      );
      const entry = q.data?.inboundMails.edges
        .map((e: { node: unknown }) => e.node)
        .find((n: { subject: string }) => n.subject === 'Refused by the database');
      expect(entry).toMatchObject({ reason: 'PROCESSING_ERROR' });
      expect(entry.detail).toMatch(/^an unexpected error while processing it \(the server's log has the details/);
      expect(entry.detail).not.toMatch(/\.ts|invocation|prisma|refused for the test|\/work\//i);
    } finally {
      await app.db.prisma.$executeRawUnsafe('DROP TRIGGER psirt_test_refuse ON vulnerability_report');
      await app.db.prisma.$executeRawUnsafe('DROP FUNCTION psirt_test_refuse()');
    }
  });
});
