// Analysts and the quarantine: re-processing a mail (after a key import, a
// raised size limit, a fix) or setting it aside. The PSIRT only.
import { DomainError } from '@psirt/schema';
import { PSIRT_ROLES, requireRole } from '../access.ts';
import type { Context } from '../context.ts';
import { type IntakeResult, processMail } from '../intake/mail.ts';
import { decodeId } from '../refs.ts';
import { unitOfWork } from './unit.ts';

async function findMail(ctx: Context, ref: string) {
  const id = decodeId(ref, 'InboundMail');
  const mail = id
    ? await ctx.db.inboundMail.findUnique({
        where: { id },
        select: { id: true, status: true, report: { select: { publicId: true } } },
      })
    : null;
  if (!mail) throw new DomainError('NOT_FOUND', `No received mail ${ref}.`, 'id');
  return mail;
}

/** Runs a quarantined (or set-aside, or stuck) mail through intake again. */
export async function reprocessMail(ctx: Context, ref: string): Promise<IntakeResult> {
  requireRole(ctx, PSIRT_ROLES);
  const mail = await findMail(ctx, ref);
  if (mail.status === 'PROCESSED') {
    throw new DomainError(
      'CONFLICT',
      `This mail was already processed (${mail.report?.publicId ?? 'no report'}).`,
      'id',
    );
  }
  await unitOfWork(ctx, async (u) => u.audit('mail.reprocess.requested', { type: 'InboundMail', id: mail.id }));
  return processMail(
    { ...ctx.mailIntake, db: ctx.db, now: ctx.now, live: ctx.live, requestId: ctx.requestId, log: ctx.log },
    mail.id,
  );
}

/** Sets a quarantined mail aside (spam, a test): it stays stored and can still be re-processed. */
export async function dismissMail(ctx: Context, ref: string, note: string | null | undefined) {
  requireRole(ctx, PSIRT_ROLES);
  const mail = await findMail(ctx, ref);
  return unitOfWork(ctx, async (u) => {
    const changed = await u.tx.inboundMail.updateMany({
      where: { id: mail.id, status: 'QUARANTINED' },
      data: { status: 'DISMISSED' },
    });
    if (changed.count === 0) throw new DomainError('CONFLICT', 'Only a quarantined mail can be set aside.', 'id');
    u.audit('mail.dismissed', { type: 'InboundMail', id: mail.id }, { note: note?.slice(0, 1000) ?? null });
    return { id: mail.id };
  });
}
