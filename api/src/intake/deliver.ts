// Delivering a decoded mail: exactly one processor claims it, and it becomes a
// message on the report it answers or a new report, acknowledged (with a
// private status link) through the outbox, with its attachments and any key the
// sender offered.
import { createHash } from 'node:crypto';
import { allocatePublicId, issueReporterToken } from '@psirt/db';
import { checkReporterKey } from '../services/keys.ts';
import { messageReporter, statusLinkText } from '../services/messages.ts';
import { systemUnitOfWork, type Unit } from '../services/unit.ts';
import type { Decoded } from './decode.ts';
import type { IntakeDeps } from './mail.ts';
import { AlreadyHandled, type IntakeResult } from './outcomes.ts';

/** Acknowledgements by mail to one address in an hour; past it, reports are kept unacknowledged. */
export const ACKS_PER_SENDER_PER_HOUR = 5;

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

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

export async function deliver(deps: IntakeDeps, mailId: string, d: Decoded): Promise<IntakeResult> {
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
