// Security Advisories: drafting from cases, committee review with votes, and
// publication under the disclosure policy. The lifecycle, the tally and the
// policy are pure rules in @psirt/schema; this file loads the facts and writes
// the outcome, one transaction per change.
import { allocatePublicId, type Db, type Prisma } from '@psirt/db';
import {
  type AdvisoryContent,
  type AdvisoryState,
  type CommitteePolicy,
  checkAdvisoryTransition,
  DEFAULT_COMMITTEE_POLICY,
  type DisclosureFacts,
  DomainError,
  decidePublication,
  type PublicationBasis,
  type Role,
  tally,
  validateCommitteePolicy,
} from '@psirt/schema';
import { z } from 'zod';
import { advisoryVisibility, COMMITTEE, PSIRT_ROLES, requireRole } from '../access.ts';
import type { Context } from '../context.ts';
import { enqueueAdvisoryPublications } from '../cve/outbox.ts';
import { advisoryRef, caseRef } from '../refs.ts';
import { buildAdvisoryContent } from './advisory-content.ts';
import { enqueueAdvisoryMails } from './mailing.ts';
import { changes, parseInput, systemUnitOfWork, type Unit, unitOfWork } from './unit.ts';

const text = (max: number) => z.string().trim().max(max, `at most ${max} characters`);
const TLP = z.enum(['CLEAR', 'GREEN', 'AMBER', 'AMBER_STRICT', 'RED']);

/** The advisory by public id (SA-…) or node id, if the viewer may read it; NOT_FOUND otherwise. */
async function loadAdvisory(ctx: Context, u: Unit, ref: string) {
  const where = advisoryRef(ref);
  const advisory = where
    ? await u.tx.advisory.findFirst({ where: { AND: [where, advisoryVisibility(ctx.viewer)] } })
    : null;
  if (!advisory) throw new DomainError('NOT_FOUND', `No advisory ${ref} that you may see.`, 'advisoryId');
  return advisory;
}

async function resolveCases(u: Unit, refs: readonly string[]) {
  const out: { id: string; publicId: string }[] = [];
  for (const ref of refs) {
    const where = caseRef(ref);
    const kase = where ? await u.tx.analysisCase.findFirst({ where, select: { id: true, publicId: true } }) : null;
    if (!kase) throw new DomainError('VALIDATION', `input.cases: no case ${ref}.`, 'input.cases');
    if (!out.some((c) => c.id === kase.id)) out.push(kase);
  }
  return out;
}

// ── Settings: the committee's quorum and majority ────────────────────────────

const COMMITTEE_KEY = 'committee';

export async function readCommitteePolicy(tx: Pick<Unit['tx'], 'setting'>): Promise<CommitteePolicy> {
  const row = await tx.setting.findUnique({ where: { key: COMMITTEE_KEY } });
  return committeePolicyFrom(row?.value);
}

/** The policy from the stored setting (defaults for what is not set). */
export function committeePolicyFrom(value: unknown): CommitteePolicy {
  return { ...DEFAULT_COMMITTEE_POLICY, ...((value as Partial<CommitteePolicy> | undefined) ?? {}) };
}

/** The committee policy for a GraphQL request, read once however many tallies it shows. */
export async function requestCommitteePolicy(ctx: Context): Promise<CommitteePolicy> {
  return committeePolicyFrom(await ctx.loaders.setting.load(COMMITTEE_KEY));
}

export async function setCommitteePolicy(ctx: Context, input: Partial<CommitteePolicy>) {
  requireRole(ctx, ['ADMIN']);
  return unitOfWork(ctx, async (u) => {
    const before = await readCommitteePolicy(u.tx);
    const after = validateCommitteePolicy({
      ...before,
      ...Object.fromEntries(Object.entries(input).filter(([, v]) => v != null)),
    });
    await u.tx.setting.upsert({
      where: { key: COMMITTEE_KEY },
      create: { key: COMMITTEE_KEY, value: { ...after }, updatedById: u.actor.userId },
      update: { value: { ...after }, updatedById: u.actor.userId },
    });
    u.audit('settings.committee.changed', { type: 'Setting', id: COMMITTEE_KEY }, changes({ ...before }, { ...after }));
    return after;
  });
}

// ── Drafting ─────────────────────────────────────────────────────────────────

export const CreateAdvisoryInput = z.object({
  cases: z.array(z.string().min(1)).min(1, 'at least one case (VAR-…)').max(50),
  title: text(300).min(5, 'at least 5 characters'),
  summary: text(20_000).optional().nullable(),
  tlp: TLP.default('CLEAR'),
});

export async function createAdvisory(ctx: Context, raw: z.input<typeof CreateAdvisoryInput>) {
  requireRole(ctx, PSIRT_ROLES);
  const input = parseInput(CreateAdvisoryInput, raw);
  return unitOfWork(ctx, async (u) => {
    const cases = await resolveCases(u, input.cases);
    const publicId = await allocatePublicId(u.tx, 'SA', u.now);
    const advisory = await u.tx.advisory.create({
      data: {
        publicId,
        title: input.title,
        summary: input.summary ?? null,
        tlp: input.tlp,
        createdById: u.actor.userId,
        createdAt: u.now,
        cases: { create: cases.map((c) => ({ caseId: c.id })) },
      },
      select: { id: true },
    });
    u.event('advisory.created', { advisoryId: advisory.id }, { publicId, cases: cases.map((c) => c.publicId) });
    u.audit(
      'advisory.created',
      { type: 'Advisory', id: advisory.id },
      { publicId, cases: cases.map((c) => c.publicId) },
    );
    return advisory;
  });
}

export const UpdateAdvisoryInput = z.object({
  advisoryId: z.string().min(1),
  title: text(300).min(5, 'at least 5 characters').optional(),
  summary: text(20_000).optional().nullable(),
  tlp: TLP.optional(),
  cases: z.array(z.string().min(1)).min(1, 'at least one case (VAR-…)').max(50).optional(),
});

export async function updateAdvisory(ctx: Context, raw: z.input<typeof UpdateAdvisoryInput>) {
  requireRole(ctx, PSIRT_ROLES);
  const input = parseInput(UpdateAdvisoryInput, raw);
  return unitOfWork(ctx, async (u) => {
    const a = await loadAdvisory(ctx, u, input.advisoryId);
    if (a.state !== 'DRAFT') {
      throw new DomainError('CONFLICT', `${a.publicId} is ${a.state}: only a draft can be edited (recall it first).`);
    }
    const data: Prisma.AdvisoryUpdateInput = {};
    if (input.title !== undefined) data.title = input.title;
    if (input.summary !== undefined) data.summary = input.summary;
    if (input.tlp !== undefined) data.tlp = input.tlp;
    const diff: Record<string, unknown> = changes(
      a as unknown as Record<string, unknown>,
      data as Record<string, unknown>,
    );
    if (input.cases) {
      const cases = await resolveCases(u, input.cases);
      await u.tx.advisoryCase.deleteMany({ where: { advisoryId: a.id } });
      await u.tx.advisoryCase.createMany({ data: cases.map((c) => ({ advisoryId: a.id, caseId: c.id })) });
      diff.cases = cases.map((c) => c.publicId);
    }
    if (Object.keys(diff).length === 0) return { id: a.id };
    await u.tx.advisory.update({ where: { id: a.id }, data });
    u.event('advisory.changed', { advisoryId: a.id }, diff);
    u.audit('advisory.changed', { type: 'Advisory', id: a.id }, diff);
    return { id: a.id };
  });
}

// ── Review and votes ─────────────────────────────────────────────────────────

export const ReviewInput = z.object({
  advisoryId: z.string().min(1),
  changelog: text(1000).min(3, 'a changelog line for this revision (at least 3 characters)'),
});

/**
 * Freezes the draft (or, for a published advisory, its update) as the next
 * revision and puts it to the committee. Votes start from zero.
 */
export async function requestAdvisoryReview(ctx: Context, raw: z.input<typeof ReviewInput>) {
  const viewer = requireRole(ctx, PSIRT_ROLES);
  const input = parseInput(ReviewInput, raw);
  return unitOfWork(ctx, async (u) => {
    const a = await loadAdvisory(ctx, u, input.advisoryId);
    checkAdvisoryTransition(a.state, a.state === 'PUBLISHED' ? 'update' : 'requestReview', viewer.roles);
    const cases = await u.tx.advisoryCase.count({ where: { advisoryId: a.id } });
    if (cases === 0) throw new DomainError('CONFLICT', `${a.publicId} covers no case yet.`);
    const content = await buildAdvisoryContent(u.tx, a.id);
    const number = a.currentRevision + 1;
    await u.tx.advisoryRevision.create({
      data: {
        advisoryId: a.id,
        number,
        content: content as unknown as Prisma.InputJsonValue,
        changelog: input.changelog,
        createdById: u.actor.userId,
        createdAt: u.now,
      },
    });
    await u.tx.advisory.update({ where: { id: a.id }, data: { state: 'IN_REVIEW', currentRevision: number } });
    u.event('advisory.review.requested', { advisoryId: a.id }, { revision: number, changelog: input.changelog });
    u.audit('advisory.review.requested', { type: 'Advisory', id: a.id }, { revision: number });
    return { id: a.id };
  });
}

export const VoteInput = z.object({
  advisoryId: z.string().min(1),
  decision: z.enum(['APPROVE', 'REJECT', 'ABSTAIN']),
  comment: text(5000).optional().nullable(),
});

/**
 * A committee member's vote on the revision under review. One per member per
 * revision: voting again changes the vote, it never adds one. When the quorum
 * is reached the decision is taken at once (approved, or back to draft).
 */
export async function castAdvisoryVote(ctx: Context, raw: z.input<typeof VoteInput>) {
  const viewer = requireRole(ctx, COMMITTEE);
  const input = parseInput(VoteInput, raw);
  return unitOfWork(ctx, async (u) => {
    const a = await loadAdvisory(ctx, u, input.advisoryId);
    if (a.state !== 'IN_REVIEW') {
      throw new DomainError('CONFLICT', `${a.publicId} is ${a.state}: votes are taken only while it is IN_REVIEW.`);
    }
    const revision = await u.tx.advisoryRevision.findUniqueOrThrow({
      where: { advisoryId_number: { advisoryId: a.id, number: a.currentRevision } },
      select: { id: true },
    });
    const before = await u.tx.committeeVote.findUnique({
      where: { revisionId_voterId: { revisionId: revision.id, voterId: viewer.userId } },
      select: { decision: true, comment: true },
    });
    if (before && before.decision === input.decision && (before.comment ?? null) === (input.comment ?? null)) {
      return { id: a.id }; // a retried click
    }
    await u.tx.committeeVote.upsert({
      where: { revisionId_voterId: { revisionId: revision.id, voterId: viewer.userId } },
      create: {
        revisionId: revision.id,
        voterId: viewer.userId,
        decision: input.decision,
        comment: input.comment ?? null,
        createdAt: u.now,
      },
      update: { decision: input.decision, comment: input.comment ?? null, createdAt: u.now },
    });
    const votes = await u.tx.committeeVote.findMany({ where: { revisionId: revision.id }, select: { decision: true } });
    const result = tally(votes, await readCommitteePolicy(u.tx));
    const summary = { revision: a.currentRevision, decision: input.decision, previous: before?.decision ?? null };
    u.event('advisory.vote.cast', { advisoryId: a.id }, { ...summary, comment: input.comment ?? null, tally: result });
    u.audit('advisory.vote.cast', { type: 'Advisory', id: a.id }, summary);
    if (result.decision) {
      const to: AdvisoryState = result.decision === 'APPROVED' ? 'APPROVED' : 'DRAFT';
      // Conditional: of two last votes racing, one decides.
      const moved = await u.tx.advisory.updateMany({
        where: { id: a.id, state: 'IN_REVIEW', currentRevision: a.currentRevision },
        data: { state: to },
      });
      if (moved.count === 1) {
        u.event(
          'advisory.decided',
          { advisoryId: a.id },
          { revision: a.currentRevision, decision: result.decision, tally: result },
        );
        u.audit(
          'advisory.decided',
          { type: 'Advisory', id: a.id },
          { revision: a.currentRevision, decision: result.decision },
        );
      }
    }
    return { id: a.id };
  });
}

export async function recallAdvisory(ctx: Context, raw: { advisoryId: string; reason?: string | null }) {
  const viewer = requireRole(ctx, PSIRT_ROLES);
  return unitOfWork(ctx, async (u) => {
    const a = await loadAdvisory(ctx, u, raw.advisoryId);
    checkAdvisoryTransition(a.state, 'recall', viewer.roles);
    await u.tx.advisory.update({ where: { id: a.id }, data: { state: 'DRAFT', scheduledFor: null } });
    u.event(
      'advisory.recalled',
      { advisoryId: a.id },
      { from: a.state, revision: a.currentRevision, reason: raw.reason ?? null },
    );
    u.audit('advisory.recalled', { type: 'Advisory', id: a.id }, { from: a.state });
    return { id: a.id };
  });
}

// ── Publication ──────────────────────────────────────────────────────────────

export const PublishInput = z.object({
  advisoryId: z.string().min(1),
  basis: z.enum(['FIXES_AVAILABLE', 'EXPLOITATION_OBSERVED', 'PUBLIC_INFORMATION', 'EXCEPTION']).optional().nullable(),
  justification: text(5000).optional().nullable(),
});

/** What the disclosure policy looks at for an advisory: its cases, as they are now. */
export async function disclosureFacts(db: Pick<Db, 'analysisCase'>, advisoryId: string) {
  const cases = await db.analysisCase.findMany({
    where: { advisories: { some: { advisoryId } } },
    select: {
      publicId: true,
      state: true,
      embargoUntil: true,
      exploitationObserved: true,
      publiclyKnown: true,
      impacts: { select: { productId: true, status: true, fixEta: true, product: { select: { key: true } } } },
      mitigations: { select: { productId: true, kind: true } },
      scores: {
        where: { kind: 'AVSS' },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        select: { productId: true, severity: true },
      },
      severity: true,
    },
  });
  const facts: DisclosureFacts = {
    cases: cases.map((c) => ({
      publicId: c.publicId,
      state: c.state,
      exploitationObserved: c.exploitationObserved,
      publiclyKnown: c.publiclyKnown,
      products: c.impacts.map((i) => ({
        key: i.product.key,
        status: i.status,
        // A fix or a mitigation for this product, or one for the whole case.
        remediated: c.mitigations.some((m) => m.productId === i.productId || m.productId === null),
        fixPlannedAt: i.fixEta,
        severity: c.scores.find((s) => s.productId === i.productId)?.severity ?? c.severity,
      })),
    })),
  };
  return { cases, facts };
}

/** Why an advisory may not go public now (its cases' embargoes), or null. */
function embargoConflict(cases: readonly { publicId: string; embargoUntil: Date | null }[], now: Date) {
  const embargoed = cases.filter((c) => c.embargoUntil && c.embargoUntil > now);
  if (embargoed.length === 0) return null;
  const until = embargoed.map((c) => `${c.publicId} until ${c.embargoUntil?.toISOString()}`).join(', ');
  return `Embargoed: ${until}. Nothing is published before the embargo ends.`;
}

/**
 * Publishes an approved advisory inside a unit of work: refuses while a case
 * is under embargo, decides the basis under the disclosure policy, records it.
 * Shared by the publish mutation and the scheduled release.
 */
async function publishInUnit(
  u: Unit,
  a: {
    id: string;
    publicId: string;
    currentRevision: number;
    publishedRevision: number | null;
    publishedAt: Date | null;
  },
  roles: readonly Role[],
  basis: PublicationBasis | null | undefined,
  justification: string | null | undefined,
  policy: Pick<Context['policy'], 'publisher' | 'cna'>,
  extra: Record<string, unknown> = {},
) {
  const { cases, facts } = await disclosureFacts(u.tx, a.id);
  const embargo = embargoConflict(cases, u.now);
  if (embargo) throw new DomainError('CONFLICT', embargo);
  const decision = decidePublication(facts, roles, basis, justification);
  await u.tx.advisory.update({
    where: { id: a.id },
    data: {
      state: 'PUBLISHED',
      publishedRevision: a.currentRevision,
      publishedAt: a.publishedAt ?? u.now,
      publicationBasis: decision.basis,
      basisJustification: decision.basis === 'EXCEPTION' ? (justification ?? null) : null,
      early: decision.early,
      scheduledFor: null,
    },
  });
  // The mailing list hears of it in the same transaction: one queued mail per matching subscriber.
  const revision = await u.tx.advisoryRevision.findUniqueOrThrow({
    where: { advisoryId_number: { advisoryId: a.id, number: a.currentRevision } },
    select: { content: true },
  });
  const mails = await enqueueAdvisoryMails(
    u,
    {
      id: a.id,
      publicId: a.publicId,
      revision: a.currentRevision,
      content: revision.content as unknown as AdvisoryContent,
      updated: a.publishedRevision !== null,
    },
    policy.publisher,
  );
  // Its CVE records go to CVE Services with it (published, or updated for a revision).
  const cveRecords = await enqueueAdvisoryPublications(u, policy.cna, { id: a.id, revision: a.currentRevision });
  const summary = {
    revision: a.currentRevision,
    basis: decision.basis,
    early: decision.early,
    mails,
    cveRecords,
    ...extra,
  };
  u.event('advisory.published', { advisoryId: a.id }, summary);
  u.audit('advisory.published', { type: 'Advisory', id: a.id }, summary);
}

/** Publishes the approved revision if the disclosure policy allows it now; the basis is recorded. */
export async function publishAdvisory(ctx: Context, raw: z.input<typeof PublishInput>) {
  const viewer = requireRole(ctx, PSIRT_ROLES);
  const input = parseInput(PublishInput, raw);
  return unitOfWork(ctx, async (u) => {
    const a = await loadAdvisory(ctx, u, input.advisoryId);
    checkAdvisoryTransition(a.state, 'publish', viewer.roles);
    await publishInUnit(u, a, viewer.roles, input.basis, input.justification, ctx.policy);
    return { id: a.id };
  });
}

// ── Scheduled release at the embargo ─────────────────────────────────────────

export const ScheduleInput = z.object({
  advisoryId: z.string().min(1),
  /** Default: when the last embargo of its cases ends. */
  at: z.date().optional().nullable(),
});

/**
 * Schedules an approved advisory for release — by default when the last
 * embargo of its cases ends; never before it. The server releases it then
 * (see releaseDueAdvisories), under the disclosure policy as it stands then.
 */
export async function scheduleAdvisory(ctx: Context, raw: z.input<typeof ScheduleInput>) {
  requireRole(ctx, PSIRT_ROLES);
  const input = parseInput(ScheduleInput, raw);
  return unitOfWork(ctx, async (u) => {
    const a = await loadAdvisory(ctx, u, input.advisoryId);
    if (a.state !== 'APPROVED') {
      throw new DomainError('CONFLICT', `${a.publicId} is ${a.state}: only an approved advisory can be scheduled.`);
    }
    const cases = await u.tx.analysisCase.findMany({
      where: { advisories: { some: { advisoryId: a.id } } },
      select: { publicId: true, embargoUntil: true },
    });
    const lastEmbargo = cases.reduce<Date | null>(
      (max, c) => (c.embargoUntil && (!max || c.embargoUntil > max) ? c.embargoUntil : max),
      null,
    );
    const at = input.at ?? lastEmbargo;
    if (!at) {
      throw new DomainError(
        'VALIDATION',
        'input.at: its cases have no embargo date; say when to release it.',
        'input.at',
      );
    }
    if (lastEmbargo && at < lastEmbargo) {
      throw new DomainError(
        'CONFLICT',
        `${at.toISOString()} is before the embargo ends (${lastEmbargo.toISOString()}); schedule it at or after.`,
      );
    }
    if (at <= u.now) {
      throw new DomainError('VALIDATION', 'input.at: that is not in the future; publish it now instead.', 'input.at');
    }
    await u.tx.advisory.update({ where: { id: a.id }, data: { scheduledFor: at } });
    u.event('advisory.scheduled', { advisoryId: a.id }, { at: at.toISOString(), revision: a.currentRevision });
    u.audit('advisory.scheduled', { type: 'Advisory', id: a.id }, { at: at.toISOString() });
    return { id: a.id };
  });
}

/**
 * Releases every approved advisory whose scheduled time has come. Run by the
 * server on a timer (and at start, so a release due while it was down happens
 * at once). Safe with several instances: each advisory is claimed by a
 * conditional update, so exactly one releases it. A release the policy refuses
 * at that time is unscheduled with the reason on the advisory's timeline.
 */
export async function releaseDueAdvisories(
  ctx: Pick<Context, 'db' | 'now' | 'requestId' | 'log'> & Pick<Context['policy'], 'publisher' | 'cna'>,
) {
  const due = await ctx.db.advisory.findMany({
    where: { state: 'APPROVED', scheduledFor: { lte: ctx.now() } },
    select: { id: true, publicId: true },
  });
  const released: string[] = [];
  for (const candidate of due) {
    try {
      const done = await systemUnitOfWork(ctx, async (u) => {
        const claimed = await u.tx.advisory.updateMany({
          where: { id: candidate.id, state: 'APPROVED', scheduledFor: { lte: u.now } },
          data: { scheduledFor: null },
        });
        if (claimed.count === 0) return false;
        const a = await u.tx.advisory.findUniqueOrThrow({ where: { id: candidate.id } });
        await publishInUnit(u, a, PSIRT_ROLES, null, null, ctx, { scheduled: true });
        return true;
      });
      if (done) released.push(candidate.publicId);
    } catch (error) {
      if (!DomainError.is(error)) throw error;
      // Refused now (an embargo moved, the policy no longer holds): unschedule and say why.
      await systemUnitOfWork(ctx, async (u) => {
        await u.tx.advisory.updateMany({
          where: { id: candidate.id, state: 'APPROVED' },
          data: { scheduledFor: null },
        });
        u.event('advisory.release.refused', { advisoryId: candidate.id }, { reason: error.message });
        u.audit('advisory.release.refused', { type: 'Advisory', id: candidate.id }, { reason: error.message });
      });
      ctx.log.warn({ advisory: candidate.publicId, reason: error.message }, 'scheduled release refused');
    }
  }
  if (released.length) ctx.log.info({ advisories: released }, 'scheduled advisories released');
  return released;
}

export async function withdrawAdvisory(ctx: Context, raw: { advisoryId: string; reason: string }) {
  const viewer = requireRole(ctx, ['ADMIN']);
  const input = parseInput(
    z.object({
      advisoryId: z.string().min(1),
      reason: text(5000).min(10, 'a written reason (at least 10 characters)'),
    }),
    raw,
  );
  return unitOfWork(ctx, async (u) => {
    const a = await loadAdvisory(ctx, u, input.advisoryId);
    checkAdvisoryTransition(a.state, 'withdraw', viewer.roles);
    await u.tx.advisory.update({ where: { id: a.id }, data: { state: 'WITHDRAWN' } });
    u.event('advisory.withdrawn', { advisoryId: a.id }, { reason: input.reason });
    u.audit('advisory.withdrawn', { type: 'Advisory', id: a.id }, { reason: input.reason });
    return { id: a.id };
  });
}

export async function supersedeAdvisory(ctx: Context, raw: { advisoryId: string; by: string }) {
  const viewer = requireRole(ctx, PSIRT_ROLES);
  return unitOfWork(ctx, async (u) => {
    const a = await loadAdvisory(ctx, u, raw.advisoryId);
    checkAdvisoryTransition(a.state, 'supersede', viewer.roles);
    const by = await loadAdvisory(ctx, u, raw.by);
    if (by.id === a.id || by.state !== 'PUBLISHED') {
      throw new DomainError('VALIDATION', 'by: the replacement must be another PUBLISHED advisory.', 'by');
    }
    await u.tx.advisory.update({ where: { id: a.id }, data: { state: 'SUPERSEDED', supersededById: by.id } });
    u.event('advisory.superseded', { advisoryId: a.id }, { by: by.publicId });
    u.audit('advisory.superseded', { type: 'Advisory', id: a.id }, { by: by.publicId });
    return { id: a.id };
  });
}
