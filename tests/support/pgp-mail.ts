// Reporters' mail as real mail clients send it, with GnuPG doing the OpenPGP:
// PGP/MIME encrypted (RFC 3156 §4, signed and encrypted at once as §6.2),
// PGP/MIME signed (§5), inline armoured. The MIME around it is written out
// here so each test shows exactly what arrives; delivery is real SMTP.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { type Gpg, gpgHome } from './gpg.ts';

export interface Correspondent {
  name: string;
  email: string;
  gpg: Gpg;
  fingerprint: string;
  publicKey: string;
  [Symbol.dispose](): void;
}

/** Someone with a GnuPG home and their own key (Ed25519 + Cv25519, no passphrase). */
export async function correspondent(name: string, email: string): Promise<Correspondent> {
  const gpg = gpgHome();
  await gpg.run([
    '--passphrase',
    '',
    '--pinentry-mode',
    'loopback',
    '--quick-gen-key',
    `${name} <${email}>`,
    'future-default',
    'default',
    '1y',
  ]);
  const colons = await gpg.run(['--with-colons', '--fingerprint', email]);
  const fingerprint = /^fpr:+([0-9A-F]{40,64}):/m.exec(colons)?.[1] as string;
  const publicKey = await gpg.run(['--armor', '--export', email]);
  return { name, email, gpg, fingerprint, publicKey, [Symbol.dispose]: () => gpg[Symbol.dispose]() };
}

export interface MailParts {
  to?: string;
  subject: string;
  text: string;
  attachments?: { filename: string; contentType: string; content: Buffer }[];
  messageId?: string;
  inReplyTo?: string;
  /** The text as an HTML body (text/html), as some clients send it. */
  html?: boolean;
}

const CRLF = '\r\n';
const lines = (...l: string[]) => l.join(CRLF);
const wrap76 = (b64: string) => b64.replace(/.{1,76}/g, (m) => `${m}${CRLF}`);

function headers(from: Correspondent | { name: string; email: string }, m: MailParts, subject: string) {
  return [
    `From: ${from.name} <${from.email}>`,
    `To: ${m.to ?? 'psirt@example.com'}`,
    `Subject: ${subject}`,
    `Message-ID: ${m.messageId ?? `<${randomUUID()}@mail.example.org>`}`,
    ...(m.inReplyTo ? [`In-Reply-To: ${m.inReplyTo}`, `References: ${m.inReplyTo}`] : []),
    `Date: ${new Date().toUTCString()}`,
    'MIME-Version: 1.0',
  ];
}

/** The content as one MIME entity: the text, then each attachment (base64). */
function entity(m: MailParts, protectedSubject?: string): string {
  const boundary = `inner-${randomUUID()}`;
  const parts = [
    lines(
      `Content-Type: text/${m.html ? 'html' : 'plain'}; charset=utf-8`,
      'Content-Transfer-Encoding: 8bit',
      '',
      m.text,
    ),
    ...(m.attachments ?? []).map((a) =>
      lines(
        `Content-Type: ${a.contentType}; name="${a.filename}"`,
        `Content-Disposition: attachment; filename="${a.filename}"`,
        'Content-Transfer-Encoding: base64',
        '',
        wrap76(a.content.toString('base64')),
      ),
    ),
  ];
  return lines(
    `Content-Type: multipart/mixed; boundary="${boundary}"${protectedSubject ? '; protected-headers="v1"' : ''}`,
    ...(protectedSubject ? [`Subject: ${protectedSubject}`] : []),
    '',
    ...parts.map((p) => `--${boundary}${CRLF}${p}`),
    `--${boundary}--`,
    '',
  );
}

/**
 * A PGP/MIME encrypted mail, signed and encrypted by gpg to `recipient`, with
 * the real subject protected inside (the outer one is "...").
 */
export async function encryptedMail(
  from: Correspondent,
  recipient: string,
  m: MailParts,
  options: {
    sign?: boolean;
    /** Signed as its own PGP/MIME layer, then encrypted (RFC 3156 §6.1), as Thunderbird does. */
    layered?: boolean;
    /** The recipient's key id left out (gpg --throw-keyids, Thunderbird's hidden recipients). */
    hiddenRecipient?: boolean;
  } = {},
): Promise<string> {
  const plain = options.layered
    ? `${await signedEntity(from, m, { protectedSubject: m.subject })}${CRLF}`
    : entity(m, m.subject);
  const armored = await from.gpg.run(
    [
      '--armor',
      '--encrypt',
      ...(options.sign === false || options.layered ? [] : ['--sign', '--local-user', from.email]),
      ...(options.hiddenRecipient ? ['--throw-keyids'] : []),
      '--recipient',
      recipient,
    ],
    plain,
  );
  return lines(...headers(from, m, '...'), encryptedEntityOf(armored));
}

export type TransferEncoding = '7bit' | '8bit' | 'quoted-printable' | 'base64';

/**
 * The text as one text/plain entity carrying the protected Subject itself
 * (`protected-headers="v1"` on the part), in the transfer encoding asked for:
 * what several clients — and psirt's own outbox — encrypt when a mail is text only.
 */
export function protectedTextEntity(text: string, subject: string, encoding: TransferEncoding): string {
  const utf8 = Buffer.from(text, 'utf8');
  const body =
    encoding === 'base64'
      ? wrap76(utf8.toString('base64')).replace(/\r\n$/, '')
      : encoding === 'quoted-printable'
        ? quotedPrintable(utf8)
        : text;
  return lines(
    'Content-Type: text/plain; charset=utf-8; protected-headers="v1"',
    `Subject: ${subject}`,
    `Content-Transfer-Encoding: ${encoding}`,
    '',
    body,
  );
}

/** RFC 2045 quoted-printable, with soft line breaks at 76 characters. */
function quotedPrintable(bytes: Buffer): string {
  const out: string[] = [];
  let line = '';
  for (const b of bytes) {
    const ch =
      b === 0x0a
        ? '\n'
        : (b >= 33 && b <= 126 && b !== 61) || b === 32
          ? String.fromCharCode(b)
          : `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
    if (ch === '\n') {
      out.push(line);
      line = '';
      continue;
    }
    if (line.length + ch.length > 75) {
      out.push(`${line}=`);
      line = '';
    }
    line += ch;
  }
  out.push(line);
  return out.join(CRLF);
}

/**
 * A PGP/MIME encrypted mail whose payload is one text/plain part with its
 * protected Subject: encrypted only, signed and encrypted at once, or signed as
 * its own multipart/signed layer inside the encryption.
 */
export async function encryptedSinglePartMail(
  from: Correspondent,
  recipient: string,
  m: MailParts,
  options: { encoding: TransferEncoding; signing: 'none' | 'inside' | 'layered' },
): Promise<string> {
  let payload = protectedTextEntity(m.text, m.subject, options.encoding);
  if (options.signing === 'layered') {
    const signature = await from.gpg.run(['--armor', '--detach-sign', '--local-user', from.email], payload);
    const boundary = `sig-${randomUUID()}`;
    payload = lines(
      `Content-Type: multipart/signed; micalg=pgp-sha512; protocol="application/pgp-signature"; boundary="${boundary}"`,
      '',
      `--${boundary}`,
      payload,
      `--${boundary}`,
      'Content-Type: application/pgp-signature; name="signature.asc"',
      '',
      signature.replace(/\r?\n/g, CRLF),
      `--${boundary}--`,
      '',
    );
  }
  const armored = await from.gpg.run(
    [
      '--armor',
      '--encrypt',
      ...(options.signing === 'inside' ? ['--sign', '--local-user', from.email] : []),
      '--recipient',
      recipient,
    ],
    payload,
  );
  return lines(...headers(from, m, '...'), encryptedEntityOf(armored));
}

/**
 * An inline armoured block as Outlook-style HTML sends it (one <div> per line,
 * an &nbsp; line where the blank separator was), quoted-printable: Thunderbird's
 * test mail bob-enc-html-nbsp.eml has this shape.
 */
export function htmlArmouredMail(from: { name: string; email: string }, m: MailParts, armored: string): string {
  const rows = armored
    .trim()
    .split(/\r?\n/)
    .map((l) => `<div>${l === '' ? '&nbsp;' : l.replace(/\+/g, '&#43;')}</div><br>`);
  const html = [
    '<html>',
    '<body>',
    '<font face="Arial" size="2"><span style="font-size:10pt;">',
    ...rows,
    '<div>&nbsp;</div>',
    '</span></font>',
    '</body>',
    '</html>',
  ].join('\n');
  const boundary = `html-${randomUUID()}`;
  return lines(
    ...headers(from, m, m.subject),
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/html; charset="us-ascii"',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    quotedPrintable(Buffer.from(html, 'utf8')),
    `--${boundary}--`,
    '',
  );
}

/** A multipart/encrypted entity (its Content-Type header and body) around an armoured message. */
function encryptedEntityOf(armored: string): string {
  const boundary = `enc-${randomUUID()}`;
  return lines(
    `Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="${boundary}"`,
    '',
    'This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)',
    `--${boundary}`,
    'Content-Type: application/pgp-encrypted',
    'Content-Description: PGP/MIME version identification',
    '',
    'Version: 1',
    '',
    `--${boundary}`,
    'Content-Type: application/octet-stream; name="encrypted.asc"',
    'Content-Description: OpenPGP encrypted message',
    'Content-Disposition: inline; filename="encrypted.asc"',
    '',
    armored.replace(/\r?\n/g, CRLF),
    `--${boundary}--`,
    '',
  );
}

/** A multipart/signed entity (its Content-Type header and body): a detached signature over the canonical first part. */
export async function signedEntity(
  from: Correspondent,
  m: MailParts,
  options: { tamper?: (signedPart: string) => string; protectedSubject?: string } = {},
): Promise<string> {
  const part = entity(m, options.protectedSubject).replace(/\r?\n$/, '');
  const signature = await from.gpg.run(['--armor', '--detach-sign', '--local-user', from.email], part);
  const boundary = `sig-${randomUUID()}`;
  return lines(
    `Content-Type: multipart/signed; micalg=pgp-sha512; protocol="application/pgp-signature"; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    options.tamper ? options.tamper(part) : part,
    `--${boundary}`,
    'Content-Type: application/pgp-signature; name="signature.asc"',
    'Content-Disposition: attachment; filename="signature.asc"',
    '',
    signature.replace(/\r?\n/g, CRLF),
    `--${boundary}--`,
    '',
  );
}

/**
 * A PGP/MIME signed mail. With `protectedSubject`, the real subject is on the
 * signed part and the outer one is "..." (protected headers, signed only).
 */
export async function signedMail(
  from: Correspondent,
  m: MailParts,
  options: {
    tamper?: (signedPart: string) => string;
    protectedSubject?: boolean;
    /** The Subject outside, when the protected one is m.subject (default "..."). */
    outerSubject?: string;
  } = {},
): Promise<string> {
  const signed = await signedEntity(from, m, {
    tamper: options.tamper,
    protectedSubject: options.protectedSubject ? m.subject : undefined,
  });
  const outer = options.protectedSubject ? (options.outerSubject ?? '...') : m.subject;
  return lines(...headers(from, m, outer), signed);
}

/** A signed part inside multipart/mixed with an unsigned footer after it, as mailing-list servers send it. */
export async function listWrappedSignedMail(
  from: Correspondent,
  m: MailParts,
  footer: string,
  /** A file added beside the signed part (by the list, or anyone on the way). */
  added?: { filename: string; content: Buffer },
): Promise<string> {
  const signed = await signedEntity(from, m);
  const boundary = `list-${randomUUID()}`;
  const extra = added
    ? [
        `--${boundary}`,
        `Content-Type: application/octet-stream; name="${added.filename}"`,
        `Content-Disposition: attachment; filename="${added.filename}"`,
        'Content-Transfer-Encoding: base64',
        '',
        wrap76(added.content.toString('base64')),
      ]
    : [];
  return lines(
    ...headers(from, m, m.subject),
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    signed,
    `--${boundary}`,
    'Content-Type: text/plain; charset=us-ascii',
    'Content-Disposition: inline',
    '',
    footer,
    ...extra,
    `--${boundary}--`,
    '',
  );
}

/**
 * A partly encrypted mail: a plain text part beside a PGP/MIME encrypted and
 * signed one, in multipart/mixed — what an attacker sends to put their words
 * beside someone else's encrypted mail.
 */
export async function partlyEncryptedMail(
  from: Correspondent,
  recipient: string,
  m: MailParts,
  plainText: string,
): Promise<string> {
  const armored = await from.gpg.run(
    ['--armor', '--encrypt', '--sign', '--local-user', from.email, '--recipient', recipient],
    entity(m),
  );
  const boundary = `mixed-${randomUUID()}`;
  return lines(
    ...headers(from, m, m.subject),
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    plainText,
    `--${boundary}`,
    encryptedEntityOf(armored),
    `--${boundary}--`,
    '',
  );
}

/** A mail without PGP/MIME: text/plain, or multipart/mixed with attachments; `text` may hold an armoured block (inline OpenPGP). */
export function plainMail(from: { name: string; email: string }, m: MailParts): string {
  if (!m.attachments?.length) {
    return lines(...headers(from, m, m.subject), 'Content-Type: text/plain; charset=utf-8', '', m.text, '');
  }
  return lines(...headers(from, m, m.subject), entity(m));
}

/** Sends a raw mail over SMTP to the intake; resolves with the server's answer, or rejects with its refusal. */
export async function sendRaw(port: number, raw: string, envelope: { from: string; to: string[] }) {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  try {
    const info = await transport.sendMail({ envelope, raw });
    return info.response;
  } finally {
    transport.close();
  }
}

/** gpg --decrypt with its status lines: what a reporter's client shows about a mail from the PSIRT. */
export async function gpgDecrypt(gpg: Gpg, armored: string): Promise<{ text: string; status: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'psirt-dec-'));
  try {
    const out = path.join(dir, 'plain');
    const status = await gpg.run(['--status-fd', '1', '--output', out, '--decrypt'], armored);
    return { text: readFileSync(out, 'utf8'), status };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
