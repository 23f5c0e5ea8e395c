// CRA Art. 14 notifications as use cases: start one (a recorded judgement),
// complete what the case cannot say, record what was submitted (frozen, its
// digest in the audit chain), note the CSIRT's requests for intermediate
// reports, set the products' markets, and answer the prompts evidence raises.
import { createHash } from 'node:crypto';
import type { Prisma } from '@psirt/db';
import { CRA_KINDS, CRA_STAGE_NAMES, CRA_STAGES, DomainError, parseMarkets, parseTlp } from '@psirt/schema';
import { z } from 'zod';
import { caseVisibility, PSIRT_ROLES, requireRole } from '../access.ts';
import type { Context } from '../context.ts';
import { decodeId } from '../refs.ts';
import { loadCase } from '../services/cases.ts';
import { parseInput, type Unit, unitOfWork } from '../services/unit.ts';
import { NOTIFICATION_WITH, viewNotification } from './facts.ts';

const text = (max: number) => z.string().trim().max(max, `at most ${max} characters`);
const when = z.coerce.date({ message: 'a date and time (ISO 8601, e.g. 2026-12-01T09:30:00Z)' });
const KIND_WORDS: Record<string, (typeof CRA_KINDS)[number]> = {
  exploited: 'ACTIVELY_EXPLOITED_VULNERABILITY',
  incident: 'SEVERE_INCIDENT',
};
export const kindWord = (kind: string) => (kind === 'SEVERE_INCIDENT' ? 'incident' : 'exploited');
/** A notification's handle: its case and kind, e.g. VAR-2026-0003/exploited. */
export const notificationHandle = (n: { kind: string; case: { publicId: string } }) =>
  `${n.case.publicId}/${kindWord(n.kind)}`;

/** What a notification reference names: its node id, or its handle (VAR-…/exploited, VAR-…/incident, VAR-… alone). */
export function notificationWhere(ref: string): Prisma.CraNotificationWhereInput {
  const id = decodeId(ref.trim(), 'CraNotification');
  if (id) return { id };
  const m = /^(VAR-\d{4}-\d{4,})(?:\/(exploited|incident))?$/i.exec(ref.trim());
  if (!m) {
    throw new DomainError(
      'VALIDATION',
      `"${ref}" is not a notification: VAR-…/exploited, VAR-…/incident or its id`,
      'id',
    );
  }
  return { case: { publicId: (m[1] ?? '').toUpperCase() }, ...(m[2] ? { kind: KIND_WORDS[m[2].toLowerCase()] } : {}) };
}

/** Of the notifications a reference found, the one it means (a case id alone may name two). */
export function theOne<T>(ref: string, found: readonly T[]): T | null {
  if (found.length > 1) {
    throw new DomainError('VALIDATION', `${ref} has two notifications: say ${ref}/exploited or ${ref}/incident`, 'id');
  }
  return found[0] ?? null;
}

/** A notification by reference, if `visibility` lets the viewer see it; NOT_FOUND (as for none) otherwise. */
export async function findNotification(
  db: Pick<Unit['tx'], 'craNotification'>,
  ref: string,
  visibility: Prisma.CraNotificationWhereInput,
) {
  const found = await db.craNotification.findMany({
    where: { AND: [notificationWhere(ref), visibility] },
    select: { id: true, caseId: true },
    take: 2,
  });
  const n = theOne(ref, found);
  if (!n) throw new DomainError('NOT_FOUND', `No CRA notification ${ref} that you may see.`, 'id');
  return n;
}

export const StartInput = z.object({
  caseId: z.string().min(1, 'a case id (VAR-…) or node id'),
  kind: z.enum(CRA_KINDS),
  awareAt: when,
  basis: text(5000).min(10, 'say why the PSIRT considers itself aware (at least 10 characters)'),
});

/** Starts a notification's clock from `awareAt`, recording who decided it and why. PSIRT only. */
export async function startCraNotification(ctx: Context, raw: z.input<typeof StartInput>) {
  const user = requireRole(ctx, PSIRT_ROLES);
  const input = parseInput(StartInput, raw);
  const settings = ctx.policy.cra;
  if (input.awareAt.getTime() > ctx.now().getTime() + 5 * 60_000) {
    throw new DomainError(
      'VALIDATION',
      'input.awareAt: the manufacturer cannot become aware in the future',
      'input.awareAt',
    );
  }
  return unitOfWork(ctx, async (u) => {
    const kase = await loadCase(ctx, u, input.caseId);
    const existing = await u.tx.craNotification.findUnique({
      where: { caseId_kind: { caseId: kase.id, kind: input.kind } },
      select: { createdAt: true },
    });
    if (existing) {
      throw new DomainError(
        'CONFLICT',
        `${kase.publicId} already has this notification (started ${existing.createdAt.toISOString()}): ${kase.publicId}/${kindWord(input.kind)}`,
      );
    }
    const n = await u.tx.craNotification
      .create({
        data: {
          caseId: kase.id,
          kind: input.kind,
          awareAt: input.awareAt,
          basis: input.basis,
          decidedById: user.userId,
          memberState: settings.memberState?.code ?? null,
          coordinator: settings.coordinator,
          createdAt: u.now,
        },
        select: { id: true },
      })
      .catch((error: { code?: string }) => {
        // Two people starting it at the same moment: the unique index decides, the other hears why.
        if (error.code === 'P2002') {
          throw new DomainError(
            'CONFLICT',
            `${kase.publicId} already has this notification: ${kase.publicId}/${kindWord(input.kind)}`,
          );
        }
        throw error;
      });
    // An actively exploited vulnerability is exploitation observed: the advisory flow offers an early advisory on it.
    if (input.kind === 'ACTIVELY_EXPLOITED_VULNERABILITY' && !kase.exploitationObserved) {
      const source = `CRA notification: ${input.basis}`.slice(0, 500);
      await u.tx.analysisCase.update({
        where: { id: kase.id },
        data: { exploitationObserved: true, exploitationObservedAt: input.awareAt, exploitationSource: source },
      });
      u.event(
        'case.exploitation.changed',
        { caseId: kase.id },
        { exploitationObserved: { from: false, to: true }, exploitationSource: { from: null, to: source } },
      );
    }
    await u.tx.craPrompt.updateMany({
      where: { caseId: kase.id, dismissedAt: null },
      data: { dismissedAt: u.now, dismissedById: user.userId, dismissReason: 'a notification was started' },
    });
    const data = { notificationId: n.id, kind: input.kind, awareAt: input.awareAt.toISOString(), basis: input.basis };
    u.event('cra.started', { caseId: kase.id }, data);
    u.audit('cra.started', { type: 'CraNotification', id: n.id }, { caseId: kase.id, ...data });
    return n.id;
  });
}

export const UpdateInput = z.object({
  id: z.string().min(1),
  tlp: z.string().optional().nullable(),
  exploitNature: text(10_000).optional().nullable(),
  maliciousActor: text(5000).optional().nullable(),
  suspectedMalicious: z.boolean().optional().nullable(),
  incidentNature: text(10_000).optional().nullable(),
  initialAssessment: text(10_000).optional().nullable(),
  rootCause: text(10_000).optional().nullable(),
  statusUpdate: text(10_000).optional().nullable(),
});

/** Completes what the case cannot say (the exploit, the incident, the sensitivity). PSIRT only. */
export async function updateCraNotification(ctx: Context, raw: z.input<typeof UpdateInput>) {
  requireRole(ctx, PSIRT_ROLES);
  const { id, tlp, ...rest } = parseInput(UpdateInput, raw);
  let tlpName: ReturnType<typeof parseTlp> | undefined;
  if (tlp !== undefined && tlp !== null) {
    tlpName = parseTlp(tlp);
    if (!tlpName)
      throw new DomainError(
        'VALIDATION',
        'input.tlp: a TLP label (CLEAR, GREEN, AMBER, AMBER+STRICT, RED)',
        'input.tlp',
      );
  }
  return unitOfWork(ctx, async (u) => {
    const n = await findNotification(u.tx, id, { case: caseVisibility(ctx.viewer) });
    const data: Prisma.CraNotificationUpdateInput = {};
    for (const [k, v] of Object.entries(rest)) if (v !== undefined) (data as Record<string, unknown>)[k] = v;
    if (tlp !== undefined) data.tlp = tlpName ?? null;
    const changed = Object.keys(data);
    if (!changed.length) return n.id;
    await u.tx.craNotification.update({ where: { id: n.id }, data });
    u.event('cra.updated', { caseId: n.caseId }, { notificationId: n.id, fields: changed });
    u.audit('cra.updated', { type: 'CraNotification', id: n.id }, { fields: changed });
    return n.id;
  });
}

export const SubmissionInput = z.object({
  id: z.string().min(1),
  stage: z.enum(CRA_STAGES),
  /** Which intermediate report (default: the oldest not submitted). */
  ordinal: z.number().int().min(1).optional().nullable(),
  submittedAt: when,
  reference: text(200).min(1, 'the reporting platform’s reference for what was submitted'),
});

/**
 * Records what was submitted for a stage: the stage's draft as it stands (the
 * exact JSON and text), its SHA-256, by whom, and the platform's reference.
 * A submitted stage is never edited: a second submission is a CONFLICT.
 */
export async function recordCraSubmission(ctx: Context, raw: z.input<typeof SubmissionInput>) {
  const user = requireRole(ctx, PSIRT_ROLES);
  const input = parseInput(SubmissionInput, raw);
  if (input.submittedAt.getTime() > ctx.now().getTime() + 5 * 60_000) {
    throw new DomainError('VALIDATION', 'input.submittedAt: a submission cannot be in the future', 'input.submittedAt');
  }
  return unitOfWork(ctx, async (u) => {
    const n = await findNotification(u.tx, input.id, { case: caseVisibility(ctx.viewer) });
    // Submissions of one notification queue here, so two recording the same stage meet the CONFLICT below.
    await u.tx.$executeRaw`SELECT 1 FROM cra_notification WHERE id = ${n.id}::uuid FOR UPDATE`;
    const fresh = await u.tx.craNotification.findUniqueOrThrow({ where: { id: n.id }, include: NOTIFICATION_WITH });
    const view = await viewNotification(u.tx, fresh, { ...ctx.policy.cra, manufacturer: manufacturer(ctx) }, u.now);
    const candidates = view.stages.filter((s) => s.stage === input.stage);
    const stage =
      input.stage === 'INTERMEDIATE'
        ? input.ordinal
          ? candidates.find((s) => s.ordinal === input.ordinal)
          : (candidates.find((s) => s.submittedAt === null) ?? candidates.at(-1))
        : candidates[0];
    if (!stage) {
      throw new DomainError(
        'CONFLICT',
        'No intermediate report was requested: record the CSIRT’s request first (requestCraIntermediateReport).',
      );
    }
    const name = `${CRA_STAGE_NAMES[stage.stage]}${stage.stage === 'INTERMEDIATE' ? ` ${stage.ordinal}` : ''}`;
    if (stage.submission) {
      throw new DomainError(
        'CONFLICT',
        `The ${name} of ${notificationHandle(fresh)} was submitted on ${stage.submission.submittedAt.toISOString()} (reference ${stage.submission.reference}); a submitted stage is never edited — follow it with the next stage${fresh.kind === 'SEVERE_INCIDENT' || stage.stage !== 'EARLY_WARNING' ? ' or an intermediate report' : ''}.`,
      );
    }
    if (input.submittedAt < fresh.awareAt) {
      throw new DomainError(
        'VALIDATION',
        `input.submittedAt: before the manufacturer became aware (${fresh.awareAt.toISOString()})`,
        'input.submittedAt',
      );
    }
    const draft = stage.draft();
    const json = JSON.stringify(draft.json);
    const digest = createHash('sha256').update(json).digest('hex');
    await u.tx.craSubmission.create({
      data: {
        notificationId: n.id,
        stage: stage.stage,
        ordinal: stage.ordinal,
        submittedAt: input.submittedAt,
        submittedById: user.userId,
        reference: input.reference,
        json,
        text: draft.text,
        digest,
        missing: draft.missing,
        recordedAt: u.now,
      },
    });
    const rest = view.stages.filter((s) => s.submittedAt === null && s !== stage);
    if (!rest.length) await u.tx.craNotification.update({ where: { id: n.id }, data: { closedAt: u.now } });
    const data = {
      notificationId: n.id,
      stage: stage.stage,
      ordinal: stage.ordinal,
      submittedAt: input.submittedAt.toISOString(),
      reference: input.reference,
      sha256: digest,
      late: stage.dueAt !== null && input.submittedAt > stage.dueAt,
      missing: draft.missing,
    };
    u.event('cra.submitted', { caseId: n.caseId }, data);
    u.audit('cra.submitted', { type: 'CraNotification', id: n.id }, data);
    return n.id;
  });
}

export const IntermediateInput = z.object({
  id: z.string().min(1),
  requestedAt: when,
  dueAt: when,
  note: text(2000).optional().nullable(),
});

/** The CSIRT asked for an intermediate report by `dueAt`. PSIRT only. */
export async function requestCraIntermediateReport(ctx: Context, raw: z.input<typeof IntermediateInput>) {
  const user = requireRole(ctx, PSIRT_ROLES);
  const input = parseInput(IntermediateInput, raw);
  if (input.dueAt <= input.requestedAt) {
    throw new DomainError('VALIDATION', 'input.dueAt: the report falls due after it was requested', 'input.dueAt');
  }
  return unitOfWork(ctx, async (u) => {
    const n = await findNotification(u.tx, input.id, { case: caseVisibility(ctx.viewer) });
    await u.tx.$executeRaw`SELECT 1 FROM cra_notification WHERE id = ${n.id}::uuid FOR UPDATE`;
    const last = await u.tx.craIntermediateRequest.findFirst({
      where: { notificationId: n.id },
      orderBy: { ordinal: 'desc' },
      select: { ordinal: true },
    });
    const ordinal = (last?.ordinal ?? 0) + 1;
    await u.tx.craIntermediateRequest.create({
      data: {
        notificationId: n.id,
        ordinal,
        requestedAt: input.requestedAt,
        dueAt: input.dueAt,
        note: input.note ?? null,
        createdById: user.userId,
        createdAt: u.now,
      },
    });
    await u.tx.craNotification.update({ where: { id: n.id }, data: { closedAt: null } });
    const data = {
      notificationId: n.id,
      ordinal,
      requestedAt: input.requestedAt.toISOString(),
      dueAt: input.dueAt.toISOString(),
    };
    u.event('cra.intermediate.requested', { caseId: n.caseId }, data);
    u.audit('cra.intermediate.requested', { type: 'CraNotification', id: n.id }, data);
    return n.id;
  });
}

/** The PSIRT judged the evidence on a case no reason to notify (yet), and says why. PSIRT only. */
export async function dismissCraPrompt(ctx: Context, raw: { caseId: string; reason: string }) {
  const user = requireRole(ctx, PSIRT_ROLES);
  const input = parseInput(
    z.object({
      caseId: z.string().min(1),
      reason: text(2000).min(10, 'say why no notification is due (at least 10 characters)'),
    }),
    raw,
  );
  return unitOfWork(ctx, async (u) => {
    const kase = await loadCase(ctx, u, input.caseId);
    const { count } = await u.tx.craPrompt.updateMany({
      where: { caseId: kase.id, dismissedAt: null },
      data: { dismissedAt: u.now, dismissedById: user.userId, dismissReason: input.reason },
    });
    if (!count) throw new DomainError('CONFLICT', `${kase.publicId} has no open CRA prompt.`);
    u.event('cra.prompt.dismissed', { caseId: kase.id }, { reason: input.reason });
    u.audit('cra.prompt.dismissed', { type: 'AnalysisCase', id: kase.id }, { reason: input.reason });
    return kase.id;
  });
}

/** Sets where a product or a product line is made available (EU Member State codes; "EU" for all). ADMIN only. */
export async function setProductMarkets(
  ctx: Context,
  raw: { product?: string | null; productLine?: string | null; markets: string[] },
) {
  requireRole(ctx, ['ADMIN']);
  if (!raw.product === !raw.productLine) {
    throw new DomainError('VALIDATION', 'Name a product or a product line (by key), not both.', 'product');
  }
  let markets: string[];
  try {
    markets = parseMarkets(raw.markets);
  } catch (error) {
    throw new DomainError('VALIDATION', `markets: ${(error as Error).message}`, 'markets');
  }
  return unitOfWork(ctx, async (u) => {
    const key = (raw.product ?? raw.productLine) as string;
    const found = raw.product
      ? await u.tx.product.findUnique({ where: { key }, select: { id: true, markets: true } })
      : await u.tx.productLine.findUnique({ where: { key }, select: { id: true, markets: true } });
    if (!found)
      throw new DomainError('NOT_FOUND', `No ${raw.product ? 'product' : 'product line'} "${key}".`, 'product');
    if (raw.product) await u.tx.product.update({ where: { id: found.id }, data: { markets } });
    else await u.tx.productLine.update({ where: { id: found.id }, data: { markets } });
    u.audit(
      'catalogue.markets.set',
      { type: raw.product ? 'Product' : 'ProductLine', id: found.id },
      { from: found.markets, to: markets },
    );
    return markets;
  });
}

export const manufacturer = (ctx: Pick<Context, 'policy'>) => ({
  name: ctx.policy.publisher.name,
  contact: ctx.policy.publisher.contactDetails,
});
