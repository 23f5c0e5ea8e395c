// Decoding a stored mail: its header block parsed here (cheap, and safe on an
// oversized mail), its body decrypted, parsed and walked in the decoder's worker
// thread (decoder.ts, parts.ts), and what may be stored of it made storable.
import { type ParsedMail, simpleParser } from 'mailparser';
import { psirtDecryptionKeys, type SignatureCheck } from '../services/keys.ts';
import { MailDecoder, revive } from './decoder.ts';
import type { IntakeDeps } from './mail.ts';
import { type QuarantineReason, Refused } from './outcomes.ts';
import { presentable, type WalkedAttachment } from './parts.ts';

let shared: MailDecoder | undefined;
/** The process's decoder, started on first use (its worker does not keep the process alive when idle). */
export const sharedDecoder = (): MailDecoder => {
  shared ??= new MailDecoder();
  return shared;
};

export interface Decoded {
  sender: { address: string; name: string | null };
  messageId: string | null;
  /** In-Reply-To and References, nearest first. */
  refs: string[];
  subject: string | null;
  /** Only the text the status below vouches for. */
  text: string;
  /** Every other piece of text, labelled with its own provenance (see parts.ts). */
  unverifiedText: string | null;
  attachments: WalkedAttachment[];
  encrypted: boolean;
  signature: SignatureCheck;
  /** Public keys the sender attached (application/pgp-keys). */
  offeredKeys: string[];
}

/** A mail's header block alone, parsed (cheap, and safe on an oversized mail): the body is walked in the decoder. */
export function parseHead(raw: Buffer): Promise<ParsedMail> {
  let end = raw.indexOf('\r\n\r\n');
  if (end < 0) end = raw.indexOf('\n\n');
  return simpleParser(Buffer.concat([end < 0 ? raw : raw.subarray(0, end), Buffer.from('\r\n\r\n')]), {
    skipHtmlToText: true,
  });
}

/** A header value as a line of text: no control characters (NUL, which PostgreSQL refuses in text, among them). */
const oneLine = (s: string | null | undefined) => s?.replace(/\p{Cc}/gu, (c) => (c === '\t' ? ' ' : '')) ?? '';
/** Text for a text column: everything but NUL. */
const storable = (s: string) => s.replace(/\0/g, '');

/** Message-ID, sender and subject, for the stored row. */
export async function headerInfo(raw: Buffer) {
  const parsed = await parseHead(raw).catch(() => null);
  // Stored as text: PostgreSQL takes no NUL, and a mail whose header holds one must be
  // quarantined like any other, not answered 451 on every retry for days.
  const clean = (s: string | undefined) => oneLine(s) || null;
  return {
    messageId: clean(parsed?.messageId?.trim().slice(0, 998)),
    sender: clean(parsed?.from?.value[0]?.address?.toLowerCase().slice(0, 254)),
    subject: clean(parsed?.subject?.slice(0, 500)),
  };
}

export async function decode(deps: IntakeDeps, raw: Buffer, outer: ParsedMail): Promise<Decoded> {
  const from = outer.from?.value[0];
  if (!from?.address) throw new Refused('MALFORMED_MIME', 'no sender address (From)');
  const sender = { address: oneLine(from.address).toLowerCase(), name: oneLine(from.name) || null };
  if (!sender.address) throw new Refused('MALFORMED_MIME', 'no sender address (From)');
  const keyRows = await deps.db.reporter.findMany({
    where: { email: sender.address, pgpPublicKey: { not: null } },
    select: { pgpPublicKey: true },
  });
  const now = deps.now();

  const refs = [
    ...(outer.inReplyTo ? [outer.inReplyTo] : []),
    ...(Array.isArray(outer.references) ? [...outer.references].reverse() : outer.references ? [outer.references] : []),
  ]
    .map(oneLine)
    .filter(Boolean);

  // Decrypted, parsed and walked in the decoder's worker thread, off the API's event loop.
  const keys = await psirtDecryptionKeys(deps.db, deps.passphrase, now);
  const outcome = await (deps.decoder ?? sharedDecoder()).decode({
    raw: new Uint8Array(raw),
    keys: keys.map((k) => ({ fingerprint: k.fingerprint, armored: k.key.armor() })),
    known: keyRows.map((r) => r.pgpPublicKey as string),
    now: now.getTime(),
    // Decompressed, a mail may hold some more than it weighs; never without bound.
    budget: 4 * deps.maxBytes,
  });
  if (!outcome.ok) {
    const reason: QuarantineReason =
      outcome.walk ??
      (outcome.pgp === 'NOT_FOR_PSIRT'
        ? 'NOT_DECRYPTABLE'
        : outcome.pgp === 'TOO_LARGE'
          ? 'OVERSIZED'
          : outcome.pgp === 'UNREADABLE'
            ? 'UNREADABLE_PGP'
            : 'PROCESSING_ERROR');
    throw new Refused(reason, outcome.message);
  }
  const walked = revive(outcome.walked);
  const shown = presentable(walked.segments, walked.layers);
  // The mail's flags are its text's; each attachment keeps its own. A mail with no text but an
  // encrypted attachment (inline OpenPGP's way of sending files) counts as encrypted.
  const encrypted = shown.status.encrypted || (!shown.text && walked.attachments.some((a) => a.encrypted));
  // Everything below is stored as text: header values as single lines, the rest without NUL.
  return {
    sender,
    messageId: oneLine(outer.messageId) || null,
    refs,
    // Protected headers: the real subject travels inside the encryption or a valid signature.
    subject: oneLine(walked.protectedSubject ?? outer.subject) || null,
    text: storable(shown.text),
    unverifiedText: shown.unverified === null ? null : storable(shown.unverified),
    attachments: walked.attachments.map((a) => ({
      ...a,
      filename: oneLine(a.filename) || 'attachment',
      contentType: oneLine(a.contentType) || 'application/octet-stream',
    })),
    encrypted,
    signature: shown.status.signature,
    offeredKeys: walked.offeredKeys,
  };
}
