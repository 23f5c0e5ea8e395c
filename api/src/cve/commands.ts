// The PSIRT's CNA actions on a case: read a CVE record, reserve ids, publish
// or update a record by hand, reject an id. For a staff user through GraphQL
// (and Slack, which calls GraphQL), and for the operator through the CLI.
import { DomainError } from '@psirt/schema';
import { z } from 'zod';
import { caseVisibility, isBotAlone, PSIRT_ROLES, readsAdvisories, requireRole, requireUser } from '../access.ts';
import type { Context } from '../context.ts';
import { loadCase } from '../services/cases.ts';
import { parseInput, systemUnitOfWork, type Unit, type UnitContext, unitOfWork } from '../services/unit.ts';
import { enqueuePublication, enqueueRejection, enqueueReservation } from './outbox.ts';
import { type BuiltCveRecord, buildCveRecord, type CnaSettings } from './record.ts';

const CVE_ID = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^CVE-\d{4}-\d{4,19}$/, 'a CVE id such as CVE-2026-12345');

/**
 * The record of a CVE id on a case the viewer may see: ADMIN, ANALYST, the case's team. Not
 * the Slack bot's own account, which reads every case to route notifications and has no use
 * for a record (acting for a linked person, it is that person).
 */
export async function cveRecordFor(ctx: Context, raw: string): Promise<BuiltCveRecord> {
  const viewer = requireUser(ctx);
  if (isBotAlone(viewer)) throw new DomainError('FORBIDDEN', 'Your roles do not allow this.');
  const cveId = parseInput(CVE_ID, raw, 'cveId');
  const visible = await ctx.db.cveAssignment.findFirst({
    where: { cveId, case: caseVisibility(viewer) },
    select: { id: true },
  });
  // The same answer for an id that is not recorded and one on a case the viewer may not see.
  if (!visible) throw new DomainError('NOT_FOUND', `No CVE ${cveId} on a case that you may see.`, 'cveId');
  const built = await buildCveRecord(ctx.db, cveId, ctx.policy.cna, ctx.now());
  // Before publication the record previews a draft advisory, which only its readers may see
  // (a product line's team reads the case, not the advisory being written about it).
  if (built.advisory && !built.advisory.published && !readsAdvisories(viewer)) {
    throw new DomainError(
      'FORBIDDEN',
      `${cveId}'s record previews an advisory not yet published; the PSIRT and the committee read it until then.`,
      'cveId',
    );
  }
  return built;
}

export const ReserveInput = z.object({
  caseId: z.string().min(1),
  amount: z.number().int().min(1, 'at least 1').max(10, 'at most 10 at a time').default(1),
});

export const RejectInput = z.object({
  cveId: CVE_ID,
  reason: z.string().trim().min(10, 'a reason of at least 10 characters').max(4000),
  replacedBy: z.array(CVE_ID).max(20).default([]),
});

/** What the CLI runs as: the operator, audited as the system. */
export type OperatorContext = UnitContext & { cna: CnaSettings };

async function reserveIn(u: Unit, cna: CnaSettings, caseId: string, amount: number) {
  await enqueueReservation(u, cna, caseId, amount);
  u.audit('case.cve.reserve.requested', { type: 'AnalysisCase', id: caseId }, { amount });
}

/** Queues a reservation of ids for a case (PSIRT). */
export async function reserveCveIds(ctx: Context, raw: z.input<typeof ReserveInput>) {
  requireRole(ctx, PSIRT_ROLES);
  const input = parseInput(ReserveInput, raw);
  return unitOfWork(ctx, async (u) => {
    const kase = await loadCase(ctx, u, input.caseId);
    await reserveIn(u, ctx.policy.cna, kase.id, input.amount);
    return { id: kase.id };
  });
}

async function cveRow(u: Unit, cveId: string, visibleTo?: Context) {
  const row = await u.tx.cveAssignment.findFirst({
    where: { cveId, ...(visibleTo ? { case: caseVisibility(visibleTo.viewer) } : {}) },
    select: { id: true, caseId: true, cveId: true, assigner: true, state: true, servicesUpdatedAt: true },
  });
  if (!row?.cveId) throw new DomainError('NOT_FOUND', `No CVE ${cveId} on a case that you may see.`, 'cveId');
  return { ...row, cveId: row.cveId };
}

/** Checks the record may go out now, then queues it. */
async function publishIn(u: Unit, cna: CnaSettings, cveId: string, visibleTo?: Context) {
  const row = await cveRow(u, cveId, visibleTo);
  const built = await buildCveRecord(u.tx, cveId, cna, u.now);
  if (built.blockers.length) throw new DomainError('CONFLICT', built.blockers.join(' '), 'cveId');
  await enqueuePublication(u, cna, row, null);
  u.audit('case.cve.publish.requested', { type: 'AnalysisCase', id: row.caseId }, { cveId });
  return row.caseId;
}

/** Queues the publication (or update) of a record whose advisory is published (PSIRT). */
export async function publishCveRecord(ctx: Context, raw: string) {
  requireRole(ctx, PSIRT_ROLES);
  const cveId = parseInput(CVE_ID, raw, 'cveId');
  return unitOfWork(ctx, async (u) => ({ id: await publishIn(u, ctx.policy.cna, cveId, ctx) }));
}

async function rejectIn(u: Unit, cna: CnaSettings, input: z.output<typeof RejectInput>, visibleTo?: Context) {
  const row = await cveRow(u, input.cveId, visibleTo);
  await enqueueRejection(u, cna, row, input.reason, input.replacedBy);
  u.audit('case.cve.reject.requested', { type: 'AnalysisCase', id: row.caseId }, { cveId: input.cveId });
  return row.caseId;
}

/** Rejects an id of this CNA: recorded at once, sent to CVE Services through the outbox (PSIRT). */
export async function rejectCve(ctx: Context, raw: z.input<typeof RejectInput>) {
  requireRole(ctx, PSIRT_ROLES);
  const input = parseInput(RejectInput, raw);
  return unitOfWork(ctx, async (u) => ({ id: await rejectIn(u, ctx.policy.cna, input, ctx) }));
}

/** The same actions for the operator at the command line. */
export const operator = {
  async reserve(ctx: OperatorContext, caseRef: string, amount: number) {
    const input = parseInput(ReserveInput, { caseId: caseRef, amount });
    return systemUnitOfWork(ctx, async (u) => {
      const kase = await u.tx.analysisCase.findUnique({ where: { publicId: input.caseId.toUpperCase() } });
      if (!kase) throw new DomainError('NOT_FOUND', `No case ${input.caseId}.`, 'caseId');
      await reserveIn(u, ctx.cna, kase.id, input.amount);
      return kase.publicId;
    });
  },
  publish(ctx: OperatorContext, cveId: string) {
    const id = parseInput(CVE_ID, cveId, 'cveId');
    return systemUnitOfWork(ctx, (u) => publishIn(u, ctx.cna, id));
  },
  reject(ctx: OperatorContext, raw: z.input<typeof RejectInput>) {
    const input = parseInput(RejectInput, raw);
    return systemUnitOfWork(ctx, (u) => rejectIn(u, ctx.cna, input));
  },
};
