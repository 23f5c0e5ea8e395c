// The advisory mailing list: double opt-in subscription (a confirmation link
// by mail), optional filters (products, minimum severity), an unsubscribe link
// in every mail, and one mail per matching subscriber queued in the outbox in
// the transaction that publishes an advisory.
import { createHash, randomBytes } from 'node:crypto';
import type { Prisma } from '@psirt/db';
import {
  type AdvisoryContent,
  advisorySeverity,
  DomainError,
  fixedVersionOf,
  SEVERITIES,
  SEVERITY_LABELS,
} from '@psirt/schema';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { z } from 'zod';
import type { Context } from '../context.ts';
import { anonymousUnitOfWork, parseInput, type Unit } from './unit.ts';

const CONFIRM_VALID_MS = 7 * 24 * 3600 * 1000;
const token = () => randomBytes(24).toString('base64url');
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export interface ListFilters {
  /** Product keys; empty or absent: every product. */
  products?: string[];
  /** Only advisories at or above this severity. */
  minSeverity?: (typeof SEVERITIES)[number];
}

export const SubscribeInput = z.object({
  email: z.email('a valid e-mail address').max(254),
  products: z.array(z.string().min(1).max(100)).max(50).optional().nullable(),
  minSeverity: z.enum(SEVERITIES).optional().nullable(),
});

/** What every subscription request answers, whatever the address: no one learns who is subscribed. */
export const SUBSCRIBE_ANSWER =
  'If this address can receive mail, a confirmation link is on its way. The subscription starts when it is opened.';

export interface ListContext {
  db: Context['db'];
  now: Context['now'];
  requestId: string;
  clientIp: string;
  limiter: Context['submissionLimiter'];
  publisher: Context['policy']['publisher'];
}

/**
 * Asks for a subscription: (re)sends a confirmation link to the address. The
 * filters apply once the link is opened, so nobody can change another
 * person's subscription. Rate-limited per client address.
 */
export async function subscribe(ctx: ListContext, raw: z.input<typeof SubscribeInput>) {
  try {
    await ctx.limiter.consume(`subscribe:${ctx.clientIp}`);
  } catch (e) {
    if (!(e instanceof RateLimiterRes)) throw e;
    throw new DomainError('RATE_LIMITED', 'Too many subscription requests from your address; try again later.');
  }
  const input = parseInput(SubscribeInput, raw);
  const email = input.email.trim().toLowerCase();
  const filters: ListFilters = {
    ...(input.products?.length ? { products: [...new Set(input.products)] } : {}),
    ...(input.minSeverity ? { minSeverity: input.minSeverity } : {}),
  };
  const confirm = token();
  await anonymousUnitOfWork(ctx, async (u) => {
    const existing = await u.tx.mailingListSubscriber.findUnique({ where: { email } });
    const data = {
      confirmTokenHash: sha256(confirm),
      confirmSentAt: u.now,
      pendingFilters: filters as Prisma.InputJsonValue,
    };
    const sub = existing
      ? await u.tx.mailingListSubscriber.update({ where: { id: existing.id }, data })
      : await u.tx.mailingListSubscriber.create({ data: { email, unsubscribeToken: token(), ...data } });
    const base = ctx.publisher.namespace.replace(/\/$/, '');
    await u.tx.outboxMessage.create({
      data: {
        topic: 'mail.list.confirm',
        payload: {
          to: email,
          subject: `Confirm your subscription to ${ctx.publisher.name} security advisories`,
          text: [
            `Someone, hopefully you, asked to receive ${ctx.publisher.name} security advisories at this address.`,
            '',
            `To confirm, open: ${base}/subscriptions/confirm?token=${confirm}`,
            '',
            `Filters: ${describeFilters(filters)}.`,
            'The link is valid for 7 days. If you did not ask for this, ignore this mail: nothing else will be sent.',
          ].join('\n'),
        },
      },
    });
    u.audit('mailing.subscribe.requested', { type: 'MailingListSubscriber', id: sub.id });
  });
  return { message: SUBSCRIBE_ANSWER };
}

function describeFilters(f: ListFilters) {
  const parts = [
    f.products?.length ? `products ${f.products.join(', ')}` : 'all products',
    f.minSeverity ? `severity ${SEVERITY_LABELS[f.minSeverity]} or higher` : 'any severity',
  ];
  return parts.join('; ');
}

/** Opens a confirmation link: the subscription (with its filters) starts. */
export async function confirmSubscription(ctx: Pick<ListContext, 'db' | 'now' | 'requestId'>, confirm: string) {
  return anonymousUnitOfWork(ctx, async (u) => {
    const sub = await u.tx.mailingListSubscriber.findUnique({ where: { confirmTokenHash: sha256(confirm) } });
    if (!sub?.confirmSentAt || u.now.getTime() - sub.confirmSentAt.getTime() > CONFIRM_VALID_MS) {
      throw new DomainError('NOT_FOUND', 'This confirmation link is unknown or has expired; subscribe again.', 'token');
    }
    await u.tx.mailingListSubscriber.update({
      where: { id: sub.id },
      data: {
        confirmedAt: sub.confirmedAt ?? u.now,
        unsubscribedAt: null,
        filters: (sub.pendingFilters ?? sub.filters) as Prisma.InputJsonValue,
        confirmTokenHash: null,
      },
    });
    u.audit('mailing.subscribe.confirmed', { type: 'MailingListSubscriber', id: sub.id });
    return { email: sub.email };
  });
}

/** Follows an unsubscribe link (idempotent: a second click changes nothing). */
export async function unsubscribe(ctx: Pick<ListContext, 'db' | 'now' | 'requestId'>, unsubscribeToken: string) {
  return anonymousUnitOfWork(ctx, async (u) => {
    const sub = await u.tx.mailingListSubscriber.findUnique({ where: { unsubscribeToken } });
    if (!sub) throw new DomainError('NOT_FOUND', 'This unsubscribe link is unknown.', 'token');
    if (!sub.unsubscribedAt) {
      await u.tx.mailingListSubscriber.update({ where: { id: sub.id }, data: { unsubscribedAt: u.now } });
      u.audit('mailing.unsubscribed', { type: 'MailingListSubscriber', id: sub.id });
    }
    return { email: sub.email };
  });
}

/** Does a published advisory match a subscriber's filters? */
export function matches(f: ListFilters, content: AdvisoryContent, severity: string | null): boolean {
  if (f.products?.length && !content.products.some((p) => f.products?.includes(p.key))) return false;
  if (f.minSeverity) {
    const rank = (s: string | null) => SEVERITIES.indexOf(s as (typeof SEVERITIES)[number]);
    if (rank(severity) < rank(f.minSeverity)) return false;
  }
  return true;
}

/**
 * Queues the advisory mail for every confirmed, matching subscriber, in the
 * publishing transaction. Each row has an idempotency key (advisory, revision,
 * subscriber), so the same publication can never queue a mail twice.
 */
export async function enqueueAdvisoryMails(
  u: Unit,
  a: { id: string; publicId: string; revision: number; content: AdvisoryContent; updated: boolean },
  publisher: ListContext['publisher'],
) {
  const severity = advisorySeverity(a.content);
  const subscribers = await u.tx.mailingListSubscriber.findMany({
    where: { confirmedAt: { not: null }, unsubscribedAt: null },
    select: { id: true, email: true, filters: true, unsubscribeToken: true },
  });
  const base = publisher.namespace.replace(/\/$/, '');
  const c = a.content;
  const sev = severity
    ? `${SEVERITY_LABELS[severity.severity as keyof typeof SEVERITY_LABELS]} ${severity.score.toFixed(1)}`
    : 'not scored';
  const subject = `[${a.publicId}] ${a.updated ? 'Updated: ' : ''}${c.title} (${sev})`;
  const lines = [
    `${publisher.name} security advisory ${a.publicId}${a.updated ? ` — updated (version ${a.revision})` : ''}`,
    '',
    c.title,
    `Severity: ${sev}${c.cves.length ? `   CVE: ${c.cves.join(', ')}` : ''}`,
    '',
    c.summary ?? '',
    '',
    'Products:',
    ...c.products.map((p) => {
      const fixed = fixedVersionOf(c, p);
      const status = p.status.replace('_', ' ').toLowerCase();
      return `- ${p.name}${p.affectedVersions ? ` ${p.affectedVersions}` : ''}: ${status}${fixed ? `, fixed in ${fixed}` : ''}`;
    }),
    ...(c.remediations.length ? ['', 'Remediation:', ...c.remediations.map((r) => `- ${r.description}`)] : []),
    '',
    `Advisory: ${base}/advisories/${a.publicId}`,
  ];
  const rows: Prisma.OutboxMessageCreateManyInput[] = [];
  for (const s of subscribers) {
    if (!matches((s.filters ?? {}) as ListFilters, c, severity?.severity ?? null)) continue;
    const unsubscribeUrl = `${base}/subscriptions/unsubscribe?token=${s.unsubscribeToken}`;
    rows.push({
      topic: 'mail.list.advisory',
      idempotencyKey: `advisory:${a.id}:r${a.revision}:${s.id}`,
      payload: {
        to: s.email,
        subject,
        text: [...lines, '', `Unsubscribe: ${unsubscribeUrl}`].join('\n'),
        headers: { 'List-Unsubscribe': `<${unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
      },
      createdAt: u.now,
      nextAttemptAt: u.now,
    });
  }
  for (let i = 0; i < rows.length; i += 1000) {
    await u.tx.outboxMessage.createMany({ data: rows.slice(i, i + 1000), skipDuplicates: true });
  }
  return rows.length;
}
