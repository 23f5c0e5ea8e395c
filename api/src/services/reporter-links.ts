// A reporter's private status links: rotating one, and asking for a new one by
// mail. Asking is open to anyone, so its answer must tell nothing: the request
// does the same work whatever it names — one row queued in the outbox — and
// is answered before anything is looked up. The outbox worker resolves it
// later: a link is mailed only to the address the report was submitted with,
// and at most LINKS_PER_REPORT_PER_HOUR of them, counted on the mails sent, so
// requests naming any other address never count against the reporter.
import { createHash, timingSafeEqual } from 'node:crypto';
import { issueReporterToken } from '@psirt/db';
import { DomainError } from '@psirt/schema';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { z } from 'zod';
import type { Context } from '../context.ts';
import { claimOutbox } from '../outbox.ts';
import { messageReporter, statusLinkText } from './messages.ts';
import { anonymousUnitOfWork, parseInput, systemUnitOfWork, type UnitContext, unitOfWork } from './unit.ts';

/** The outbox topic of a request for a new link (resolved by resolveLinkRequests, never mailed as such). */
export const LINK_REQUEST_TOPIC = 'reporter.link';
/** Link mails for one report in an hour: more requests for the right address are dropped. */
export const LINKS_PER_REPORT_PER_HOUR = 3;
const LINK_SUBJECT = 'Your private status link';

const LINK_SENT =
  'If that address is the one the report was submitted with, a new private link is on its way to it. Links already sent keep working.';

const emailDigest = (email: string) => createHash('sha256').update(email.trim().toLowerCase(), 'utf8').digest();

/** A new token for the reporter using this one; this one is revoked in the same transaction. */
export async function rotateReporterToken(ctx: Context): Promise<string> {
  const v = ctx.viewer;
  if (v.kind !== 'reporter') throw new DomainError('FORBIDDEN', 'Only a reporter token can be rotated here.');
  return unitOfWork(ctx, async (u) => {
    const { count } = await u.tx.apiToken.updateMany({
      where: { id: v.tokenId, revokedAt: null },
      data: { revokedAt: u.now },
    });
    if (!count) throw new DomainError('UNAUTHENTICATED', 'This link no longer works.');
    const token = await issueReporterToken(u.tx, { reporterId: v.reporterId, name: 'rotated status link' });
    u.audit('reporter.token.rotated', { type: 'Reporter', id: v.reporterId }, { revoked: v.tokenId });
    return token.secret;
  });
}

/**
 * Asks for a new private status link by mail. Anyone may ask (rate-limited per
 * client address); the answer, and the work behind it, are the same whether or
 * not the report and the address exist and match.
 */
export async function requestReporterLink(ctx: Context, raw: { reportId: string; email: string }): Promise<string> {
  try {
    await ctx.submissionLimiter.consume(`link:${ctx.clientIp}`);
  } catch (e) {
    if (!(e instanceof RateLimiterRes)) throw e;
    throw new DomainError(
      'RATE_LIMITED',
      `Too many requests; try again in ${Math.ceil(e.msBeforeNext / 60_000)} minute(s).`,
    );
  }
  const input = parseInput(z.object({ reportId: z.string().trim().max(40), email: z.string().trim().max(320) }), raw);
  await anonymousUnitOfWork(ctx, async (u) => {
    await u.tx.outboxMessage.create({
      data: {
        topic: LINK_REQUEST_TOPIC,
        // The address as a digest: compared with the report's, never kept as typed.
        payload: { reportId: input.reportId.toUpperCase(), email: emailDigest(input.email).toString('hex') },
      },
      select: { id: true },
    });
  });
  return LINK_SENT;
}

interface LinkRequest {
  id: string;
  payload: { reportId?: string; email?: string };
  attempts: number;
}

/** A request that failed this many times is dropped (its lease brings it back until then). */
const MAX_ATTEMPTS = 8;

/**
 * Resolves the queued link requests: for each whose address is the report's, a
 * new token and a mail carrying it (through the outbox, like every mail to a
 * reporter), unless the report had its hourly share already. Each request row
 * is removed once resolved. Returns how many links were issued.
 */
export async function resolveLinkRequests(
  ctx: UnitContext & { publisherNamespace: string },
  batch = 50,
): Promise<number> {
  let issued = 0;
  for (;;) {
    const requests = await claimOutbox<LinkRequest>(ctx.db, [LINK_REQUEST_TOPIC], ctx.now(), batch);
    if (requests.length === 0) return issued;
    for (const request of requests) {
      if (request.attempts > MAX_ATTEMPTS) {
        await ctx.db.outboxMessage.delete({ where: { id: request.id } });
        continue;
      }
      const sent = await systemUnitOfWork(ctx, async (u) => {
        await u.tx.outboxMessage.delete({ where: { id: request.id } });
        const { reportId = '', email = '' } = request.payload;
        const report = await u.tx.vulnerabilityReport.findUnique({
          where: { publicId: reportId },
          select: { id: true, publicId: true, reporterId: true, caseId: true, reporter: { select: { email: true } } },
        });
        const want = Buffer.from(email, 'hex');
        const have = report?.reporter?.email ? emailDigest(report.reporter.email) : null;
        if (!report?.reporterId || !have || want.length !== have.length || !timingSafeEqual(want, have)) return false;
        const recent = await u.tx.reporterMessage.count({
          where: {
            reportId: report.id,
            direction: 'OUTBOUND',
            subject: `[${report.publicId}] ${LINK_SUBJECT}`,
            createdAt: { gte: new Date(u.now.getTime() - 3_600_000) },
          },
        });
        if (recent >= LINKS_PER_REPORT_PER_HOUR) return false;
        const token = await issueReporterToken(u.tx, { reporterId: report.reporterId, name: 'status link by mail' });
        await messageReporter(u, report, {
          kind: 'OTHER',
          subject: LINK_SUBJECT,
          body: 'You asked for a new link to follow your report. If you did not, you may ignore this message.',
          mailOnly: statusLinkText(ctx.publisherNamespace, token.secret),
        });
        u.audit('reporter.link.requested', { type: 'VulnerabilityReport', id: report.id });
        return true;
      });
      if (sent) issued += 1;
    }
  }
}
