// E-mail intake: a mail (from the SMTP receiver or `psirt intake mail`) is
// stored raw first — nothing is lost whatever happens next — then decoded:
// PGP/MIME (RFC 3156, encrypted or signed) or inline OpenPGP is opened with the
// current PSIRT key or one in its overlap, signatures are checked against the
// keys the PSIRT knows for the sender, and the mail becomes a VSR (with an
// acknowledgement through the outbox), a message on the VSR it answers, or a
// quarantine entry with the reason. One Message-ID, one outcome. This file is
// the flow (receive, process, retry, set aside); decode.ts decodes, deliver.ts
// turns a decoded mail into a report or a message.
import { createHash } from 'node:crypto';
import { DomainError } from '@psirt/schema';
import type { ParsedMail } from 'mailparser';
import type { Logger } from '../logger.ts';
import { systemUnitOfWork, type UnitContext } from '../services/unit.ts';
import { decode, headerInfo, parseHead } from './decode.ts';
import type { MailDecoder } from './decoder.ts';
import { deliver } from './deliver.ts';
import { AlreadyHandled, type IntakeResult, Refused } from './outcomes.ts';
import { insertMail, loadMail, type MailDriver, sweepOrphanChunks } from './store.ts';

export { sharedDecoder } from './decode.ts';
export { ACKS_PER_SENDER_PER_HOUR } from './deliver.ts';
export type { IntakeResult, QuarantineReason } from './outcomes.ts';

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

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

/** PSIRT_MAIL_MAX_BYTES's default: 10 MiB. */
export const DEFAULT_MAIL_MAX_BYTES = 10 * 1024 * 1024;

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
