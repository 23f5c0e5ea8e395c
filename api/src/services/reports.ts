// Intake and triage of vulnerability reports (VSRs).
import { createHash } from 'node:crypto';
import { allocatePublicId, issueReporterToken } from '@psirt/db';
import { DomainError, scoreCvss } from '@psirt/schema';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { z } from 'zod';
import { isPsirt, PSIRT_ROLES, reportVisibility, requireRole, SUBMITTERS } from '../access.ts';
import { hasAnyRole } from '../auth.ts';
import type { Context } from '../context.ts';
import { caseRef, reportRef } from '../refs.ts';
import { openCase } from './cases.ts';
import { idempotencyDigest, openAnswer, sealAnswer } from './idempotency.ts';
import { checkReporterKey } from './keys.ts';
import { messageReporter, statusLinkText, triageMessage } from './messages.ts';
import { recordReporterScore } from './scores.ts';
import { addProductImpacts } from './team.ts';
import { parseInput, type Unit, unitOfWork } from './unit.ts';

const text = (max: number) => z.string().trim().max(max, `at most ${max} characters`);

export const SubmitReportInput = z.object({
  title: text(200).min(3, 'at least 3 characters'),
  description: text(50_000).min(10, 'at least 10 characters'),
  affectedProducts: text(2000).optional().nullable(),
  exploited: z.boolean().optional().nullable(),
  // Checked by the calculator (the reporter learns which metric is wrong) and kept in canonical form.
  cvssVector: text(300)
    .optional()
    .nullable()
    .transform((vector, c) => {
      if (!vector) return null;
      try {
        const scored = scoreCvss(vector);
        if (scored.version !== '2.0') return scored.vector;
        c.addIssue({ code: 'custom', message: 'a CVSS v3.1 or v4.0 vector, e.g. CVSS:3.1/AV:N/AC:L/…' });
      } catch (error) {
        if (!DomainError.is(error)) throw error;
        c.addIssue({ code: 'custom', message: error.message });
      }
      return z.NEVER;
    }),
  reporter: z.object({
    kind: z.enum(['CUSTOMER', 'BUSINESS_PARTNER', 'RESEARCHER', 'CERT', 'EMPLOYEE', 'ANONYMOUS']).default('RESEARCHER'),
    name: text(200).optional().nullable(),
    organization: text(200).optional().nullable(),
    email: z.email('a valid e-mail address').max(254).optional().nullable(),
    phone: text(50).optional().nullable(),
    pgpPublicKey: text(100_000)
      .refine((k) => k.includes('-----BEGIN PGP PUBLIC KEY BLOCK-----'), 'an ASCII-armoured OpenPGP public key')
      .optional()
      .nullable(),
    confidential: z.boolean().default(false),
    creditPreference: z.enum(['NAME', 'ORGANIZATION', 'NAME_AND_ORGANIZATION', 'NONE']).default('NONE'),
    creditAs: text(200).optional().nullable(),
  }),
  idempotencyKey: z.string().min(8, 'at least 8 characters').max(200).optional().nullable(),
});
export type SubmitReportInput = z.input<typeof SubmitReportInput>;

export interface SubmitResult {
  reportId: string;
  publicId: string;
  reporterToken: string;
  replayed: boolean;
}

/**
 * Receives a report. Anyone may submit (rate-limited per address); staff and
 * integrators may submit on a reporter's behalf. With an idempotency key, a
 * retry of the same submission answers exactly as the first request did — the
 * same VSR and the same reporter token (services/idempotency.ts), which a
 * rotation since has revoked; the same key with different content is a CONFLICT.
 */
export async function submitReport(ctx: Context, raw: SubmitReportInput): Promise<SubmitResult> {
  const v = ctx.viewer;
  if (v.kind === 'user' && !hasAnyRole(v, SUBMITTERS)) {
    throw new DomainError('FORBIDDEN', 'Your roles do not allow submitting reports on behalf of reporters.');
  }
  if (v.kind !== 'user') {
    try {
      await ctx.submissionLimiter.consume(ctx.clientIp);
    } catch (e) {
      if (!(e instanceof RateLimiterRes)) throw e;
      const minutes = Math.ceil(e.msBeforeNext / 60_000);
      throw new DomainError('RATE_LIMITED', `Too many reports from your address; try again in ${minutes} minute(s).`);
    }
  }
  const input = parseInput(SubmitReportInput, raw);
  const reporterKey = input.reporter.pgpPublicKey
    ? await checkReporterKey(input.reporter.pgpPublicKey, 'input.reporter.pgpPublicKey', ctx.now())
    : null;
  const digest = createHash('sha256')
    .update(JSON.stringify({ ...input, idempotencyKey: undefined }))
    .digest('hex');

  const idempotency = input.idempotencyKey
    ? { key: input.idempotencyKey, digest: idempotencyDigest(input.idempotencyKey) }
    : null;
  const attempt = () =>
    unitOfWork(ctx, async (u) => {
      if (idempotency) {
        const existing = await u.tx.vulnerabilityReport.findUnique({
          where: { idempotencyKey: idempotency.digest },
          select: { id: true, publicId: true, reporterId: true, submissionDigest: true, idempotentAnswer: true },
        });
        if (existing) {
          if (existing.submissionDigest !== digest || !existing.reporterId) {
            throw new DomainError(
              'CONFLICT',
              'This idempotency key was already used for a different submission; use a new key for a new report.',
              'input.idempotencyKey',
            );
          }
          // The first answer, exactly; a report stored before answers were sealed gets a new token.
          const first = existing.idempotentAnswer
            ? openAnswer(idempotency.key, digest, existing.idempotentAnswer)
            : null;
          const reporterToken =
            first?.reporterToken ??
            (await issueReporterToken(u.tx, { reporterId: existing.reporterId, name: 'submission retry' })).secret;
          u.audit(
            'report.submission.replayed',
            { type: 'VulnerabilityReport', id: existing.id },
            {
              sameToken: Boolean(first),
            },
          );
          return { reportId: existing.id, publicId: existing.publicId, reporterToken, replayed: true };
        }
      }
      const r = input.reporter;
      const reporterId =
        v.kind === 'reporter'
          ? v.reporterId
          : (
              await u.tx.reporter.create({
                data: {
                  kind: r.kind,
                  name: r.name ?? null,
                  organization: r.organization ?? null,
                  email: r.email?.toLowerCase() ?? null,
                  phone: r.phone ?? null,
                  pgpPublicKey: reporterKey?.armored ?? null,
                  pgpFingerprint: reporterKey?.fingerprint ?? null,
                  confidential: r.confidential,
                  creditPreference: r.creditPreference,
                  creditAs: r.creditAs ?? null,
                },
                select: { id: true },
              })
            ).id;
      const publicId = await allocatePublicId(u.tx, 'VSR', u.now);
      // The reporter's token, answered once (and sealed for a retry with the same key).
      const token = await issueReporterToken(u.tx, { reporterId, name: `report ${publicId}` });
      const report = await u.tx.vulnerabilityReport.create({
        data: {
          publicId,
          title: input.title,
          description: input.description,
          channel: ctx.webForm ? 'WEB_FORM' : 'API',
          encrypted: ctx.webForm?.encrypted ?? false,
          reporterId,
          reportedProducts: input.affectedProducts ?? null,
          reporterCvssVector: input.cvssVector ?? null,
          reportedExploited: input.exploited === true,
          idempotencyKey: idempotency?.digest ?? null,
          idempotentAnswer: idempotency ? sealAnswer(idempotency.key, digest, { reporterToken: token.secret }) : null,
          submissionDigest: digest,
          submittedById: v.kind === 'user' ? v.userId : null,
          receivedAt: u.now,
          acknowledgedAt: u.now,
        },
        select: { id: true, publicId: true, reporterId: true, caseId: true },
      });
      const files = ctx.webForm?.attachments ?? [];
      if (files.length) {
        await u.tx.attachment.createMany({
          data: files.map((a) => ({
            reportId: report.id,
            filename: a.filename.slice(0, 255),
            contentType: a.contentType.slice(0, 255),
            size: a.content.length,
            sha256: createHash('sha256').update(a.content).digest('hex'),
            content: new Uint8Array(a.content),
            encrypted: a.encrypted,
            createdAt: u.now,
          })),
        });
      }
      u.event(
        'report.received',
        { reportId: report.id },
        {
          channel: ctx.webForm ? 'WEB_FORM' : 'API',
          encrypted: ctx.webForm?.encrypted ?? false,
          attachments: files.length,
        },
      );
      // The mail carries a private status link of its own (a token only the mail knows); the thread does not.
      const mailToken = r.email
        ? await issueReporterToken(u.tx, { reporterId, name: `report ${publicId} (acknowledgement mail link)` })
        : null;
      await messageReporter(u, report, {
        kind: 'ACKNOWLEDGEMENT',
        subject: 'We received your report',
        body: `Thank you for your report. It is registered as ${publicId}. The PSIRT will review it and keep you informed; you can follow its status with the access token you received.`,
        ...(mailToken ? { mailOnly: statusLinkText(ctx.policy.publisher.namespace, mailToken.secret) } : {}),
      });
      u.event('report.acknowledged', { reportId: report.id });
      u.audit(
        'report.submitted',
        { type: 'VulnerabilityReport', id: report.id },
        {
          publicId,
          onBehalf: v.kind === 'user',
          confidentialReporter: r.confidential,
        },
      );
      return { reportId: report.id, publicId, reporterToken: token.secret, replayed: false };
    });

  try {
    return await attempt();
  } catch (e) {
    // Two retries racing with one key: the loser hits the unique index; the
    // winner's row now exists, so running again answers as a replay.
    if (input.idempotencyKey && (e as { code?: string }).code === 'P2002') return attempt();
    throw e;
  }
}

async function untriagedReport(u: Unit, ref: string) {
  const where = reportRef(ref);
  const report = where
    ? await u.tx.vulnerabilityReport.findFirst({
        where,
        select: {
          id: true,
          publicId: true,
          reporterId: true,
          caseId: true,
          triageOutcome: true,
          title: true,
          description: true,
          reporterCvssVector: true,
        },
      })
    : null;
  if (!report) throw new DomainError('NOT_FOUND', `No report ${ref}.`, 'reportId');
  if (report.triageOutcome) {
    throw new DomainError('CONFLICT', `${report.publicId} was already triaged (${report.triageOutcome}).`, 'reportId');
  }
  return report;
}

export const AcceptInput = z.object({
  reportId: z.string().min(1),
  title: text(200).min(3, 'at least 3 characters').optional().nullable(),
  summary: text(10_000).optional().nullable(),
  productIds: z.array(z.string()).max(100).default([]),
  note: text(5000).optional().nullable(),
});

/** Accepts a report: opens a case (VAR) for it, with the affected products' teams. */
export async function acceptReport(ctx: Context, raw: z.input<typeof AcceptInput>, supportContact: string) {
  requireRole(ctx, PSIRT_ROLES);
  const input = parseInput(AcceptInput, raw);
  return unitOfWork(ctx, async (u) => {
    const report = await untriagedReport(u, input.reportId);
    const kase = await openCase(u, { title: input.title ?? report.title, summary: input.summary });
    const publicId = kase.publicId;
    await u.tx.vulnerabilityReport.update({
      where: { id: report.id },
      data: {
        triageOutcome: 'ACCEPTED',
        triagedAt: u.now,
        triagedById: u.actor.userId,
        caseId: kase.id,
        triageNote: input.note ?? null,
      },
    });
    u.event('report.triaged', { reportId: report.id, caseId: kase.id }, { outcome: 'ACCEPTED' });
    u.event('case.opened', { caseId: kase.id }, { publicId, fromReport: report.publicId });
    await addProductImpacts(u, kase.id, input.productIds);
    await recordReporterScore(u, kase.id, report.reporterCvssVector);
    const m = triageMessage('ACCEPTED', { publicId: report.publicId, note: null, supportContact });
    await messageReporter(u, { ...report, caseId: kase.id }, m);
    u.audit('report.triaged', { type: 'VulnerabilityReport', id: report.id }, { outcome: 'ACCEPTED', case: publicId });
    u.audit('case.opened', { type: 'AnalysisCase', id: kase.id }, { publicId, products: input.productIds.length });
    return kase;
  });
}

export const AttachInput = z.object({
  reportId: z.string().min(1),
  caseId: z.string().min(1),
  note: text(5000).optional().nullable(),
});

/** Attaches a report to an existing case as another report of the same vulnerability. */
export async function attachReport(ctx: Context, raw: z.input<typeof AttachInput>, supportContact: string) {
  requireRole(ctx, PSIRT_ROLES);
  const input = parseInput(AttachInput, raw);
  return unitOfWork(ctx, async (u) => {
    const report = await untriagedReport(u, input.reportId);
    const where = caseRef(input.caseId);
    const kase = where
      ? await u.tx.analysisCase.findFirst({ where, select: { id: true, publicId: true, state: true } })
      : null;
    if (!kase) throw new DomainError('NOT_FOUND', `No case ${input.caseId}.`, 'caseId');
    if (kase.state === 'CLOSED') {
      throw new DomainError('CONFLICT', `${kase.publicId} is closed; reopen it first or open a new case.`, 'caseId');
    }
    const first = await u.tx.vulnerabilityReport.findFirst({
      where: { caseId: kase.id },
      orderBy: { receivedAt: 'asc' },
      select: { id: true },
    });
    await u.tx.vulnerabilityReport.update({
      where: { id: report.id },
      data: {
        triageOutcome: 'ACCEPTED',
        triagedAt: u.now,
        triagedById: u.actor.userId,
        caseId: kase.id,
        duplicateOfId: first?.id ?? null,
        triageNote: input.note ?? null,
      },
    });
    u.event('report.triaged', { reportId: report.id, caseId: kase.id }, { outcome: 'ACCEPTED', attached: true });
    await recordReporterScore(u, kase.id, report.reporterCvssVector);
    await messageReporter(
      u,
      { ...report, caseId: kase.id },
      triageMessage('ATTACHED', { publicId: report.publicId, supportContact }),
    );
    u.audit(
      'report.triaged',
      { type: 'VulnerabilityReport', id: report.id },
      { outcome: 'ATTACHED', case: kase.publicId },
    );
    return kase;
  });
}

export const REJECT_REASONS = [
  'LIVE_INCIDENT',
  'DUPLICATE',
  'OUT_OF_SCOPE',
  'NOT_A_VULNERABILITY',
  'INSUFFICIENT_INFORMATION',
] as const;

export const RejectInput = z.object({
  reportId: z.string().min(1),
  reason: z.enum(REJECT_REASONS),
  duplicateOf: z.string().optional().nullable(),
  note: text(5000).optional().nullable(),
});

/** Rejects a report with a reason; the reporter is told what the policy says for it. */
export async function rejectReport(ctx: Context, raw: z.input<typeof RejectInput>, supportContact: string) {
  requireRole(ctx, PSIRT_ROLES);
  const input = parseInput(RejectInput, raw);
  if (input.reason === 'DUPLICATE' && !input.duplicateOf) {
    throw new DomainError(
      'VALIDATION',
      'input.duplicateOf: a DUPLICATE needs the report it duplicates.',
      'input.duplicateOf',
    );
  }
  if (input.reason !== 'DUPLICATE' && input.duplicateOf) {
    throw new DomainError(
      'VALIDATION',
      'input.duplicateOf: only a DUPLICATE names another report.',
      'input.duplicateOf',
    );
  }
  return unitOfWork(ctx, async (u) => {
    const report = await untriagedReport(u, input.reportId);
    let duplicateOf: { id: string; publicId: string } | null = null;
    if (input.duplicateOf) {
      const where = reportRef(input.duplicateOf);
      duplicateOf = where
        ? await u.tx.vulnerabilityReport.findFirst({ where, select: { id: true, publicId: true } })
        : null;
      if (!duplicateOf) throw new DomainError('NOT_FOUND', `No report ${input.duplicateOf}.`, 'input.duplicateOf');
      if (duplicateOf.id === report.id) {
        throw new DomainError(
          'VALIDATION',
          'input.duplicateOf: a report cannot duplicate itself.',
          'input.duplicateOf',
        );
      }
    }
    await u.tx.vulnerabilityReport.update({
      where: { id: report.id },
      data: {
        triageOutcome: input.reason,
        triagedAt: u.now,
        triagedById: u.actor.userId,
        triageNote: input.note ?? null,
        duplicateOfId: duplicateOf?.id ?? null,
      },
    });
    u.event('report.triaged', { reportId: report.id }, { outcome: input.reason, duplicateOf: duplicateOf?.publicId });
    await messageReporter(
      u,
      report,
      triageMessage(input.reason, { publicId: report.publicId, note: input.note, duplicateOf: null, supportContact }),
    );
    u.audit(
      'report.triaged',
      { type: 'VulnerabilityReport', id: report.id },
      {
        outcome: input.reason,
        duplicateOf: duplicateOf?.publicId ?? null,
      },
    );
    return report;
  });
}

export const ReporterReplyInput = z.object({
  reportId: z.string().min(1),
  body: text(50_000).min(1, 'must not be empty'),
});

/** A reporter (with their token) writes to the PSIRT on one of their reports. */
export async function reporterReply(ctx: Context, raw: z.input<typeof ReporterReplyInput>) {
  if (ctx.viewer.kind !== 'reporter' && !isPsirt(ctx.viewer)) {
    throw new DomainError('FORBIDDEN', 'Only the reporter (with their access token) can reply on a report thread.');
  }
  const input = parseInput(ReporterReplyInput, raw);
  return unitOfWork(ctx, async (u) => {
    const where = reportRef(input.reportId);
    const report = where
      ? await u.tx.vulnerabilityReport.findFirst({
          where: { AND: [where, reportVisibility(ctx.viewer)] },
          select: { id: true, publicId: true, reporterId: true, caseId: true },
        })
      : null;
    if (!report) throw new DomainError('NOT_FOUND', `No report ${input.reportId} that you may see.`, 'reportId');
    const message = await u.tx.reporterMessage.create({
      data: {
        reporterId: report.reporterId,
        reportId: report.id,
        caseId: report.caseId,
        direction: 'INBOUND',
        kind: 'OTHER',
        subject: `[${report.publicId}] Message from the reporter`,
        body: input.body,
        createdAt: u.now,
      },
      select: { id: true },
    });
    u.event('message.received', { reportId: report.id, caseId: report.caseId }, { messageId: message.id });
    u.audit('message.received', { type: 'VulnerabilityReport', id: report.id }, { messageId: message.id });
    return { reportId: report.id };
  });
}
