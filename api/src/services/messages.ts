// Messages to reporters: recorded on the report's thread and, when the reporter
// gave an address, queued in the outbox for delivery in the same transaction.
import type { Prisma } from '@psirt/db';
import type { Unit } from './unit.ts';

export type OutboundKind =
  | 'ACKNOWLEDGEMENT'
  | 'STATUS_UPDATE'
  | 'REQUEST_FOR_INFORMATION'
  | 'TRIAGE_OUTCOME'
  | 'CONCLUSION'
  | 'OTHER';

export interface ReportRef {
  id: string;
  publicId: string;
  reporterId: string | null;
  caseId: string | null;
}

export async function messageReporter(
  u: Unit,
  report: ReportRef,
  msg: {
    kind: OutboundKind;
    subject: string;
    body: string;
    inReplyTo?: string | null;
    /** Said in the mail only, never on the thread (a private link: whoever reads the thread must not get it). */
    mailOnly?: string;
  },
): Promise<{ id: string }> {
  const reporter = report.reporterId
    ? await u.tx.reporter.findUnique({ where: { id: report.reporterId }, select: { email: true, pgpPublicKey: true } })
    : null;
  const subject = `[${report.publicId}] ${msg.subject}`;
  let outboxId: string | null = null;
  if (reporter?.email) {
    const outbox = await u.tx.outboxMessage.create({
      data: {
        topic: 'mail.reporter',
        payload: {
          to: reporter.email,
          subject,
          body: msg.mailOnly ? `${msg.body}\n\n${msg.mailOnly}` : msg.body,
          // Delivery encrypts to the reporter's key as it is then, and signs.
          encryptTo: reporter.pgpPublicKey ? 'reporter-key' : null,
          reportId: report.id,
          headers: {
            // Threads with the reporter's mail in their client.
            ...(msg.inReplyTo ? { 'In-Reply-To': msg.inReplyTo, References: msg.inReplyTo } : {}),
            // RFC 3834: an acknowledgement is an automatic reply; auto-responders must not answer it.
            ...(msg.kind === 'ACKNOWLEDGEMENT' ? { 'Auto-Submitted': 'auto-replied' } : {}),
          },
        } satisfies Prisma.InputJsonValue,
      },
      select: { id: true },
    });
    outboxId = outbox.id;
  }
  const message = await u.tx.reporterMessage.create({
    data: {
      reporterId: report.reporterId,
      reportId: report.id,
      caseId: report.caseId,
      direction: 'OUTBOUND',
      kind: msg.kind,
      subject,
      body: msg.body,
      // As it leaves: encrypted when the reporter has a key (the outbox encrypts to it).
      encrypted: Boolean(reporter?.email && reporter.pgpPublicKey),
      authorId: u.actor.userId,
      outboxId,
      createdAt: u.now,
    },
    select: { id: true },
  });
  if (report.caseId) {
    await u.tx.analysisCase.update({ where: { id: report.caseId }, data: { lastReporterUpdateAt: u.now } });
  }
  u.event('message.sent', { caseId: report.caseId, reportId: report.id }, { kind: msg.kind, messageId: message.id });
  return message;
}

/** Where a reporter follows a report: the token in the fragment, which browsers never send to a server. */
export const statusLink = (namespace: string, token: string) =>
  `${namespace.replace(/\/$/, '')}/report/status#${token}`;

export const statusLinkText = (namespace: string, token: string) =>
  `Your private link to this report's status and to write to us (keep it to yourself; anyone with it can read the thread):\n${statusLink(namespace, token)}`;

/** What the reporter is told for each triage outcome (PSIRT policy wording). */
export function triageMessage(
  outcome: string,
  ctx: { publicId: string; note?: string | null; duplicateOf?: string | null; supportContact: string },
): { subject: string; body: string; kind: OutboundKind } {
  const note = ctx.note ? `\n\n${ctx.note}` : '';
  switch (outcome) {
    case 'ACCEPTED':
      return {
        kind: 'TRIAGE_OUTCOME',
        subject: 'Your report is under analysis',
        body: `Thank you. The PSIRT has confirmed that ${ctx.publicId} concerns our products and has opened an analysis. We will keep you informed of its progress.${note}`,
      };
    case 'ATTACHED':
      return {
        kind: 'TRIAGE_OUTCOME',
        subject: 'Your report is under analysis',
        body: `Thank you. ${ctx.publicId} describes a vulnerability the PSIRT is already analysing; your report has been added to that analysis and we will keep you informed.${note}`,
      };
    case 'LIVE_INCIDENT':
      return {
        kind: 'TRIAGE_OUTCOME',
        subject: 'Please contact customer support',
        body: `${ctx.publicId} describes an ongoing incident rather than a product vulnerability. Per our policy, incidents are handled by customer support: ${ctx.supportContact}. Please contact them directly so they can help you quickly.${note}`,
      };
    case 'DUPLICATE':
      return {
        kind: 'TRIAGE_OUTCOME',
        subject: 'Your report duplicates an earlier one',
        body: `Thank you. ${ctx.publicId} describes the same issue as an earlier report${ctx.duplicateOf ? ` (${ctx.duplicateOf})` : ''}, which the PSIRT is already handling.${note}`,
      };
    case 'OUT_OF_SCOPE':
      return {
        kind: 'TRIAGE_OUTCOME',
        subject: 'Your report is outside our scope',
        body: `Thank you. ${ctx.publicId} does not concern a product we are responsible for, so the PSIRT will not analyse it further.${note}`,
      };
    case 'NOT_A_VULNERABILITY':
      return {
        kind: 'TRIAGE_OUTCOME',
        subject: 'No vulnerability found',
        body: `Thank you. After review, the PSIRT concluded that ${ctx.publicId} does not describe a security vulnerability.${note}`,
      };
    case 'INSUFFICIENT_INFORMATION':
      return {
        kind: 'REQUEST_FOR_INFORMATION',
        subject: 'We need more information',
        body: `Thank you. ${ctx.publicId} does not yet contain enough information for an analysis. Please reply with the affected product and version, the steps to reproduce, and the impact you observed.${note}`,
      };
    default:
      throw new Error(`no message for triage outcome ${outcome}`);
  }
}
