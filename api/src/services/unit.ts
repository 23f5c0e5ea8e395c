// A unit of work: one transaction holding a change, its timeline events, its
// audit entries and its outbox messages — all commit together or none does.
import { type AuditEntry, appendAudit, type Prisma, type Tx } from '@psirt/db';
import { DomainError, type TimelineEventType } from '@psirt/schema';
import type { z } from 'zod';
import type { Context } from '../context.ts';
import { publishCommitted } from '../live/publish.ts';

export interface Unit {
  tx: Tx;
  now: Date;
  /** The acting staff user, reporter, or null (anonymous). */
  actor: { kind: AuditEntry['actorKind']; id: string | null; userId: string | null };
  event(
    type: TimelineEventType,
    on: { caseId?: string | null; reportId?: string | null; advisoryId?: string | null },
    data?: Record<string, unknown>,
  ): void;
  audit(action: string, subject: { type: string; id: string }, data?: Record<string, unknown>): void;
}

export async function unitOfWork<T>(ctx: Context, fn: (u: Unit) => Promise<T>): Promise<T> {
  const v = ctx.viewer;
  const actor: Unit['actor'] =
    v.kind === 'user'
      ? { kind: 'USER', id: v.userId, userId: v.userId }
      : v.kind === 'reporter'
        ? { kind: 'REPORTER', id: v.reporterId, userId: null }
        : { kind: 'ANONYMOUS', id: null, userId: null };
  return run(ctx, actor, fn);
}

/** A unit of work done by the platform itself (timers, workers): audited as SYSTEM. */
export function systemUnitOfWork<T>(ctx: UnitContext, fn: (u: Unit) => Promise<T>): Promise<T> {
  return run(ctx, { kind: 'SYSTEM', id: null, userId: null }, fn);
}

/** A unit of work for a public, unauthenticated action (website forms, links in mails). */
export function anonymousUnitOfWork<T>(ctx: UnitContext, fn: (u: Unit) => Promise<T>): Promise<T> {
  return run(ctx, { kind: 'ANONYMOUS', id: null, userId: null }, fn);
}

/** What a unit of work needs: a request's context, or the platform's own (timers, workers). */
export type UnitContext = Pick<Context, 'db' | 'now' | 'requestId'> & Partial<Pick<Context, 'live'>>;

async function run<T>(ctx: UnitContext, actor: Unit['actor'], fn: (u: Unit) => Promise<T>): Promise<T> {
  const now = ctx.now();
  let committed: {
    id: string;
    type: string;
    caseId: string | null;
    reportId: string | null;
    advisoryId: string | null;
  }[] = [];
  const result = await ctx.db.$transaction(
    async (tx) => {
      const events: Prisma.TimelineEventCreateManyInput[] = [];
      const audits: AuditEntry[] = [];
      const unit: Unit = {
        tx,
        now,
        actor,
        event: (type, on, data = {}) =>
          events.push({
            type,
            caseId: on.caseId ?? null,
            reportId: on.reportId ?? null,
            advisoryId: on.advisoryId ?? null,
            actorId: actor.userId,
            data: data as Prisma.InputJsonValue,
            createdAt: now,
          }),
        audit: (action, subject, data = {}) =>
          audits.push({
            actorKind: actor.kind,
            actorId: actor.id,
            action,
            subjectType: subject.type,
            subjectId: subject.id,
            data: { ...data, requestId: ctx.requestId },
          }),
      };
      const result = await fn(unit);
      if (events.length) {
        committed = await tx.timelineEvent.createManyAndReturn({
          data: events,
          select: { id: true, type: true, caseId: true, reportId: true, advisoryId: true },
        });
      }
      await appendAudit(tx, audits, now);
      return result;
    },
    { timeout: 15_000, maxWait: 15_000 },
  );
  // Only what committed goes live, and only ids: subscribers reload and re-authorize.
  if (ctx.live && committed.length) publishCommitted(ctx.live, committed);
  return result;
}

/** Parses input with a zod schema; the first problem becomes a VALIDATION error naming the field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, prefix = 'input'): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = [prefix, ...(issue?.path ?? [])].join('.');
  throw new DomainError('VALIDATION', `${where}: ${issue?.message ?? 'invalid'}`, where);
}

/** The fields of `after` whose values differ from `before` (for audit summaries). */
export function changes(before: Record<string, unknown>, after: Record<string, unknown>) {
  const out: Record<string, { from: unknown; to: unknown }> = {};
  for (const [k, v] of Object.entries(after)) {
    if (v === undefined) continue;
    const a = JSON.stringify(before[k] ?? null);
    const b = JSON.stringify(v ?? null);
    if (a !== b) out[k] = { from: before[k] ?? null, to: v ?? null };
  }
  return out;
}
