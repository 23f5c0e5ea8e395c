// E-mail intake: a mail (from the SMTP receiver or `psirt intake mail`) is
// stored raw first — nothing is lost whatever happens next — then decoded:
// PGP/MIME (RFC 3156, encrypted or signed) or inline OpenPGP is opened with the
// current PSIRT key or one in its overlap, signatures are checked against the
// keys the PSIRT knows for the sender, and the mail becomes a VSR (with an
// acknowledgement through the outbox), a message on the VSR it answers, or a
// quarantine entry with the reason. One Message-ID, one outcome.
import { createHash } from 'node:crypto';
import { allocatePublicId, issueReporterToken } from '@psirt/db';
import { DomainError } from '@psirt/schema';
import { type ParsedMail, simpleParser } from 'mailparser';
import type { Logger } from '../logger.ts';
import { checkReporterKey, psirtDecryptionKeys, type SignatureCheck } from '../services/keys.ts';
import { messageReporter, statusLinkText } from '../services/messages.ts';
import { systemUnitOfWork, type Unit, type UnitContext } from '../services/unit.ts';
import { MailDecoder, revive } from './decoder.ts';
import { presentable, type WalkedAttachment } from './parts.ts';
import { insertMail, loadMail, type MailDriver, sweepOrphanChunks } from './store.ts';

let shared: MailDecoder | undefined;
/** The process's decoder, started on first use (its worker does not keep the process alive when idle). */
export const sharedDecoder = (): MailDecoder => {
  shared ??= new MailDecoder();
  return shared;
};

export interface IntakeDeps extends UnitContext {
  /** Where mail is decoded (default: one worker thread for the process). */
  decoder?: MailDecoder;
  /** The passphrase of the stored PSIRT keys. */
  passphrase: string;
  /** The public site's base URL: the acknowledgement carries a private status link under it. */
  publisherNamespace: string;
  /** Larger mails are quarantined as OVERSIZED (PSIRT_MAIL_MAX_BYTES). */
  maxBytes: number;
  /** The driver beneath `db`: a mail's bytes are stored through it, past Prisma (see store.ts). */
  driver?: MailDriver;
  log?: Logger;
}

/** Acknowledgements by mail to one address in an hour; past it, reports are kept unacknowledged. */
export const ACKS_PER_SENDER_PER_HOUR = 5;

/** PSIRT_MAIL_MAX_BYTES's default: 10 MiB. */
export const DEFAULT_MAIL_MAX_BYTES = 10 * 1024 * 1024;

export type QuarantineReason =
  | 'MALFORMED_MIME'
  | 'OVERSIZED'
  | 'UNREADABLE_PGP'
  | 'NOT_DECRYPTABLE'
  | 'PROCESSING_ERROR';

export type IntakeResult =
  | { outcome: 'REPORT' | 'MESSAGE'; mailId: string; publicId: string }
  | { outcome: 'IGNORED'; mailId: string; why: string }
  | { outcome: 'QUARANTINED'; mailId: string; reason: QuarantineReason }
  | { outcome: 'DUPLICATE'; mailId: string; status: string; publicId: string | null };

/** A mail that cannot be processed, and why (for analysts; never sent back). */
class Refused extends Error {
  constructor(
    readonly reason: QuarantineReason,
    message: string,
  ) {
    super(message);
  }
}

/** Another processor got there first (a retry, or two analysts re-processing). */
class AlreadyHandled extends Error {}

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/**
 * Stores a mail and processes it. A Message-ID seen before answers DUPLICATE
 * with the first outcome (an MTA retry, a second pipe of the same file).
 */
export async function receiveMail(
  deps: IntakeDeps,
  raw: Buffer,
  via: 'SMTP' | 'CLI',
  options: { truncated?: boolean /** Bytes received, when more than were kept. */; size?: number } = {},
): Promise<IntakeResult> {
  const head = await headerInfo(raw);
  const messageKey = head.messageId ?? `sha256:${sha256(raw)}`;
  const mailId = await insertMail(
    deps.db,
    deps.driver,
    {
      messageKey,
      size: Math.max(raw.length, options.size ?? 0),
      truncated: options.truncated ?? false,
      sender: head.sender,
      subject: head.subject,
      via,
      receivedAt: deps.now(),
    },
    raw,
  );
  if (!mailId) {
    const seen = await deps.db.inboundMail.findUniqueOrThrow({
      where: { messageKey },
      select: { id: true, status: true, report: { select: { publicId: true } } },
    });
    return { outcome: 'DUPLICATE', mailId: seen.id, status: seen.status, publicId: seen.report?.publicId ?? null };
  }
  return processMail(deps, mailId, raw);
}

/**
 * Processes a stored mail: on first receipt, or again from the quarantine
 * (after a key import, a raised size limit…). Exactly one processor wins.
 */
export async function processMail(deps: IntakeDeps, mailId: string, stored?: Buffer): Promise<IntakeResult> {
  const mail = await deps.db.inboundMail.findUnique({
    where: { id: mailId },
    include: { report: { select: { publicId: true } } },
  });
  if (!mail) throw new DomainError('NOT_FOUND', `No received mail ${mailId}.`);
  if (mail.status === 'PROCESSED') {
    return { outcome: 'DUPLICATE', mailId, status: mail.status, publicId: mail.report?.publicId ?? null };
  }
  try {
    if (mail.truncated || mail.size > deps.maxBytes) {
      throw new Refused(
        'OVERSIZED',
        `${mail.size}${mail.truncated ? '+' : ''} bytes, over the limit of ${deps.maxBytes} (PSIRT_MAIL_MAX_BYTES)`,
      );
    }
    const raw = stored ?? (await loadMail(deps.db, mail.id));
    let head: ParsedMail;
    try {
      head = await parseHead(raw);
    } catch (error) {
      throw new Refused('MALFORMED_MIME', `not a readable MIME message: ${(error as Error).message}`);
    }
    const automatic = automaticMail(head);
    if (automatic) return await ignore(deps, mail.id, automatic);
    const decoded = await decode(deps, raw, head);
    return await deliver(deps, mail.id, decoded);
  } catch (error) {
    if (error instanceof AlreadyHandled) return processMail(deps, mailId);
    // A failure of ours, not the mail's: analysts read the detail, so it names what happened and
    // where to look — never our source (a database error's message quotes files and code).
    const refused =
      error instanceof Refused
        ? error
        : new Refused(
            'PROCESSING_ERROR',
            `an unexpected error while processing it (the server's log has the details under mail ${mailId}); re-process it once that is fixed`,
          );
    if (!(error instanceof Refused)) deps.log?.error({ err: error, mailId }, 'mail processing failed; quarantined');
    await quarantine(deps, mail.id, refused);
    return { outcome: 'QUARANTINED', mailId, reason: refused.reason };
  }
}

/** Mail stored over `olderThanMs` ago and never finished (its processor stopped): processed now. */
export async function retryStalledMail(deps: IntakeDeps, olderThanMs = 10 * 60_000): Promise<number> {
  const stalled = await deps.db.inboundMail.findMany({
    where: { status: 'RECEIVED', receivedAt: { lt: new Date(deps.now().getTime() - olderThanMs) } },
    orderBy: { receivedAt: 'asc' },
    take: 100,
    select: { id: true },
  });
  for (const m of stalled) await processMail(deps, m.id);
  await sweepOrphanChunks(deps.db, deps.now());
  return stalled.length;
}

/**
 * Why a mail is automatic (RFC 3834 and its customs), or null: an auto-reply,
 * a bounce, bulk or junk. Such mail never becomes a VSR and is never answered
 * — answering an auto-responder is how mail loops start.
 */
function automaticMail(head: ParsedMail): string | null {
  const value = (name: string) => {
    const v = head.headers.get(name);
    if (v === undefined || v === null) return null;
    return (typeof v === 'object' && 'value' in v ? String(v.value) : String(v)).trim().toLowerCase();
  };
  const auto = value('auto-submitted');
  if (auto && auto !== 'no') return `an automatic mail (Auto-Submitted: ${auto})`;
  for (const h of ['x-autoreply', 'x-autorespond', 'x-auto-reply'])
    if (value(h) !== null) return `an auto-reply (${h})`;
  const precedence = value('precedence');
  if (precedence && ['auto_reply', 'bulk', 'junk'].includes(precedence)) return `Precedence: ${precedence}`;
  const returnPath = head.headers.get('return-path');
  if (
    returnPath !== undefined &&
    /^<?\s*>?$/.test(String((returnPath as { text?: string }).text ?? returnPath).trim())
  ) {
    return 'a bounce (empty envelope sender)';
  }
  if (value('content-type') === 'multipart/report') return 'a delivery or disposition report (multipart/report)';
  const from = head.from?.value[0]?.address?.toLowerCase() ?? '';
  if (/^(mailer-daemon|mail-daemon)@/.test(from)) return 'a bounce (from MAILER-DAEMON)';
  return null;
}

async function ignore(deps: IntakeDeps, mailId: string, why: string): Promise<IntakeResult> {
  await systemUnitOfWork(deps, async (u) => {
    await u.tx.inboundMail.updateMany({
      where: { id: mailId, status: { not: 'PROCESSED' } },
      data: { status: 'IGNORED', reason: null, detail: why, attempts: { increment: 1 }, processedAt: u.now },
    });
    u.audit('mail.ignored', { type: 'InboundMail', id: mailId }, { why });
  });
  return { outcome: 'IGNORED', mailId, why };
}

async function quarantine(deps: IntakeDeps, mailId: string, refused: Refused) {
  await systemUnitOfWork(deps, async (u) => {
    await u.tx.inboundMail.updateMany({
      where: { id: mailId, status: { not: 'PROCESSED' } },
      data: {
        status: 'QUARANTINED',
        reason: refused.reason,
        detail: refused.message.slice(0, 2000),
        attempts: { increment: 1 },
        processedAt: u.now,
      },
    });
    u.audit('mail.quarantined', { type: 'InboundMail', id: mailId }, { reason: refused.reason });
  });
}

// ── Decoding ─────────────────────────────────────────────────────────────

interface Decoded {
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
function parseHead(raw: Buffer): Promise<ParsedMail> {
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
async function headerInfo(raw: Buffer) {
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

async function decode(deps: IntakeDeps, raw: Buffer, outer: ParsedMail): Promise<Decoded> {
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

// ── Delivery ─────────────────────────────────────────────────────────────

const VSR_ID = /\bVSR-\d{4}-\d{4,}\b/;
const OUTBOX_ID = /^<([0-9a-f-]{36})@psirt\.outbox>$/;

/**
 * The VSR a mail answers: one whose mails (ours or the reporter's) it
 * references, or — when the sender is that VSR's reporter — the one its
 * subject names. A stranger quoting a VSR id starts a new report instead.
 */
async function threadOf(u: Unit, d: Decoded) {
  const select = { id: true, publicId: true, reporterId: true, caseId: true } as const;
  const ours = d.refs.map((r) => OUTBOX_ID.exec(r)?.[1]).filter((x): x is string => Boolean(x));
  if (ours.length) {
    const sent = await u.tx.reporterMessage.findFirst({
      where: { outboxId: { in: ours }, reportId: { not: null } },
      select: { report: { select } },
    });
    if (sent?.report) return sent.report;
  }
  if (d.refs.length) {
    const theirs = await u.tx.inboundMail.findFirst({
      where: { messageKey: { in: d.refs }, reportId: { not: null } },
      select: { report: { select } },
    });
    if (theirs?.report) return theirs.report;
  }
  const named = VSR_ID.exec(d.subject ?? '')?.[0];
  if (named) {
    const report = await u.tx.vulnerabilityReport.findFirst({
      where: { publicId: named, reporter: { email: d.sender.address } },
      select,
    });
    if (report) return report;
  }
  return null;
}

async function deliver(deps: IntakeDeps, mailId: string, d: Decoded): Promise<IntakeResult> {
  return systemUnitOfWork(deps, async (u) => {
    // Claim first: a concurrent processor of the same mail waits here, then finds it done.
    const claimed = await u.tx.inboundMail.updateMany({
      where: { id: mailId, status: { not: 'PROCESSED' } },
      data: {
        status: 'PROCESSED',
        reason: null,
        detail: null,
        processedAt: u.now,
        attempts: { increment: 1 },
        encrypted: d.encrypted,
        signatureStatus: d.signature.status,
      },
    });
    if (claimed.count === 0) throw new AlreadyHandled();
    const thread = await threadOf(u, d);
    const signed = d.signature.status !== 'UNSIGNED';
    const facts = { channel: 'EMAIL', encrypted: d.encrypted, signature: d.signature.status };

    if (thread) {
      const message = await u.tx.reporterMessage.create({
        data: {
          reporterId: thread.reporterId,
          reportId: thread.id,
          caseId: thread.caseId,
          direction: 'INBOUND',
          kind: 'OTHER',
          subject: (d.subject ?? `[${thread.publicId}] Message from the reporter`).slice(0, 500),
          body: d.text || '(no text; see the attachments)',
          unverifiedText: d.unverifiedText,
          encrypted: d.encrypted,
          signed,
          signatureStatus: d.signature.status,
          createdAt: u.now,
        },
        select: { id: true },
      });
      await keepAttachments(u, d, thread.id, message.id);
      if (thread.reporterId) await takeOfferedKey(u, d, thread.reporterId, thread.id);
      await u.tx.inboundMail.update({ where: { id: mailId }, data: { reportId: thread.id, messageId: message.id } });
      u.event('message.received', { reportId: thread.id, caseId: thread.caseId }, { messageId: message.id, ...facts });
      u.audit('mail.processed', { type: 'InboundMail', id: mailId }, { reportId: thread.id, as: 'message' });
      return { outcome: 'MESSAGE', mailId, publicId: thread.publicId };
    }

    const reporter =
      (await u.tx.reporter.findFirst({
        where: { email: d.sender.address },
        orderBy: { createdAt: 'desc' },
        select: { id: true },
      })) ??
      (await u.tx.reporter.create({
        data: { kind: 'RESEARCHER', name: d.sender.name?.slice(0, 200) ?? null, email: d.sender.address },
        select: { id: true },
      }));
    const publicId = await allocatePublicId(u.tx, 'VSR', u.now);
    // A flood from one address (or forged in its name) gets a few acknowledgements an hour, not one each.
    const recentAcks = await u.tx.reporterMessage.count({
      where: {
        kind: 'ACKNOWLEDGEMENT',
        direction: 'OUTBOUND',
        createdAt: { gte: new Date(u.now.getTime() - 3_600_000) },
        reporter: { email: d.sender.address },
      },
    });
    const acknowledge = recentAcks < ACKS_PER_SENDER_PER_HOUR;
    const title = (d.subject ?? '').trim();
    const report = await u.tx.vulnerabilityReport.create({
      data: {
        publicId,
        title: (title.length >= 3 && title !== '...' ? title : 'Report received by e-mail').slice(0, 200),
        description: d.text || '(no text; see the attachments)',
        channel: 'EMAIL',
        reporterId: reporter.id,
        encrypted: d.encrypted,
        signatureStatus: d.signature.status,
        receivedAt: u.now,
        acknowledgedAt: acknowledge ? u.now : null,
        unverifiedText: d.unverifiedText,
      },
      select: { id: true, publicId: true, reporterId: true, caseId: true },
    });
    await keepAttachments(u, d, report.id, null);
    await takeOfferedKey(u, d, reporter.id, report.id);
    await u.tx.inboundMail.update({ where: { id: mailId }, data: { reportId: report.id } });
    u.event('report.received', { reportId: report.id }, facts);
    if (acknowledge) {
      // As on the web and through the API: a private status link, in the mail only (never on the thread).
      const link = await issueReporterToken(u.tx, {
        reporterId: reporter.id,
        name: `report ${publicId} (acknowledgement mail link)`,
      });
      await messageReporter(u, report, {
        kind: 'ACKNOWLEDGEMENT',
        subject: 'We received your report',
        body: `Thank you for your report. It is registered as ${publicId}. The PSIRT will review it and keep you informed.\n\nTo add information, reply to this message (keep ${publicId} in the subject).`,
        inReplyTo: d.messageId,
        mailOnly: statusLinkText(deps.publisherNamespace, link.secret),
      });
      u.event('report.acknowledged', { reportId: report.id });
    } else {
      u.event('report.acknowledgement.withheld', { reportId: report.id }, { perHour: ACKS_PER_SENDER_PER_HOUR });
    }
    u.audit('report.submitted', { type: 'VulnerabilityReport', id: report.id }, { publicId, channel: 'EMAIL', mailId });
    return { outcome: 'REPORT', mailId, publicId };
  });
}

async function keepAttachments(u: Unit, d: Decoded, reportId: string, messageId: string | null) {
  if (d.attachments.length === 0) return;
  await u.tx.attachment.createMany({
    data: d.attachments.map((a) => ({
      reportId,
      messageId,
      filename: a.filename.slice(0, 255),
      contentType: a.contentType.slice(0, 255),
      size: a.content.length,
      sha256: sha256(a.content),
      content: new Uint8Array(a.content),
      encrypted: a.encrypted,
      signatureStatus: a.signature,
      createdAt: u.now,
    })),
  });
}

/**
 * A public key the sender attached: checked like any reporter key. It becomes
 * the key replies are encrypted to when the reporter had none; it never
 * replaces a known key (that takes an analyst), and its own signature on the
 * same mail still counts as UNKNOWN_KEY: a key that comes with a message
 * proves nothing about who sent it.
 */
async function takeOfferedKey(u: Unit, d: Decoded, reporterId: string, reportId: string) {
  for (const armored of d.offeredKeys) {
    const checked = await checkReporterKey(armored, 'attached key', u.now).then(
      (k) => ({ ok: true as const, ...k }),
      (error: Error) => ({ ok: false as const, reason: error.message }),
    );
    if (!checked.ok) {
      u.event('reporter.key.received', { reportId }, { accepted: false, reason: checked.reason });
      continue;
    }
    const taken = await u.tx.reporter.updateMany({
      where: { id: reporterId, pgpPublicKey: null },
      data: { pgpPublicKey: checked.armored, pgpFingerprint: checked.fingerprint },
    });
    u.event(
      'reporter.key.received',
      { reportId },
      {
        accepted: taken.count > 0,
        fingerprint: checked.fingerprint,
        ...(taken.count ? {} : { reason: 'the reporter already has a key' }),
      },
    );
  }
}
