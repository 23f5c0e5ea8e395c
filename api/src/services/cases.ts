// Work on an analysis case (VAR): workflow, team, per-product impact,
// mitigations, coordination and reporter communication.
import { allocatePublicId, type Prisma, VexJustification } from '@psirt/db';
import { type CaseState, checkTransition, DomainError, type TimelineEventType } from '@psirt/schema';
import { z } from 'zod';
import { caseVisibility, isPsirt, PSIRT_ROLES, requireRole, requireUser, workflowRolesIn } from '../access.ts';
import type { Context } from '../context.ts';
import { caseRef, decodeId, userRef } from '../refs.ts';
import { messageReporter } from './messages.ts';
import { refreshCaseSeverity } from './severity.ts';
import { addProductImpacts, requireCaseLead, requireProductAuthority, resolveProducts } from './team.ts';
import { changes, parseInput, type Unit, unitOfWork } from './unit.ts';

const text = (max: number) => z.string().trim().max(max, `at most ${max} characters`);
const caseId = z.string().min(1, 'a case id (VAR-…) or node id');

/** A VEX justification for NOT_AFFECTED (case impacts and third-party assessments alike). */
export const VexJustificationInput = z.enum(VexJustification);

/**
 * Opens a case (VAR) with the next public id; the one opening it joins as its
 * analyst. Callers add what it came from (a report, assessments) and its events.
 */
export async function openCase(u: Unit, fields: { title: string; summary?: string | null }) {
  const publicId = await allocatePublicId(u.tx, 'VAR', u.now);
  return u.tx.analysisCase.create({
    data: {
      publicId,
      title: fields.title,
      summary: fields.summary ?? null,
      createdById: u.actor.userId,
      createdAt: u.now,
      lastReporterUpdateAt: u.now,
      members: u.actor.userId
        ? { create: { userId: u.actor.userId, role: 'ANALYST', addedById: u.actor.userId, addedAt: u.now } }
        : undefined,
    },
    select: { id: true, publicId: true },
  });
}

/** The case, if the viewer may read it; NOT_FOUND (as for a missing one) otherwise. */
export async function loadCase(ctx: Context, u: Unit, ref: string) {
  const where = caseRef(ref);
  const kase = where
    ? await u.tx.analysisCase.findFirst({ where: { AND: [where, caseVisibility(ctx.viewer)] } })
    : null;
  if (!kase) throw new DomainError('NOT_FOUND', `No case ${ref} that you may see.`, 'caseId');
  return kase;
}

// ── Workflow ──────────────────────────────────────────────────────────────

export const TransitionInput = z.object({
  caseId,
  to: z.enum(['ANALYSIS', 'REMEDIATION', 'DISCLOSURE', 'CLOSED']),
  conclusion: text(20_000).optional().nullable(),
  comment: text(5000).optional().nullable(),
});

export async function transitionCase(ctx: Context, raw: z.input<typeof TransitionInput>) {
  requireUser(ctx);
  const input = parseInput(TransitionInput, raw);
  return unitOfWork(ctx, async (u) => {
    const kase = await loadCase(ctx, u, input.caseId);
    const [impacts, mitigations] = await Promise.all([
      u.tx.productImpact.findMany({ where: { caseId: kase.id }, select: { status: true } }),
      u.tx.mitigation.count({ where: { caseId: kase.id } }),
    ]);
    // Not the request's loader: on one connection (PGlite) it would wait for this transaction.
    const membership =
      ctx.viewer.kind === 'user'
        ? await u.tx.caseMember.findUnique({
            where: { caseId_userId: { caseId: kase.id, userId: ctx.viewer.userId } },
            select: { role: true },
          })
        : null;
    const roles = workflowRolesIn(ctx.viewer, membership ? [membership.role] : []);
    checkTransition(kase.state as CaseState, input.to, roles, { impacts, mitigations }, input.conclusion);
    const closing = input.to === 'CLOSED';
    await u.tx.analysisCase.update({
      where: { id: kase.id },
      data: {
        state: input.to,
        closedAt: closing ? u.now : null,
        ...(closing ? { conclusion: input.conclusion ?? null } : {}),
      },
    });
    u.event(
      'case.transitioned',
      { caseId: kase.id },
      { from: kase.state, to: input.to, comment: input.comment ?? null },
    );
    if (closing) {
      // "Communicate conclusion": every reporter of the case hears how it ended.
      const reports = await u.tx.vulnerabilityReport.findMany({
        where: { caseId: kase.id },
        select: { id: true, publicId: true, reporterId: true, caseId: true },
      });
      for (const report of reports) {
        await messageReporter(u, report, {
          kind: 'CONCLUSION',
          subject: 'Conclusion of our analysis',
          body: input.conclusion ?? '',
        });
      }
    }
    u.audit('case.transitioned', { type: 'AnalysisCase', id: kase.id }, { from: kase.state, to: input.to });
    return { id: kase.id };
  });
}

// ── Case fields and coordination ───────────────────────────────────────────

function isTimeZone(tz: string) {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const flag = z.object({
  value: z.boolean(),
  at: z.date().optional().nullable(),
  source: text(2000).optional().nullable(),
});

export const UpdateCaseInput = z.object({
  caseId,
  title: text(200).min(3, 'at least 3 characters').optional(),
  summary: text(20_000).optional().nullable(),
  cweIds: z
    .array(z.string().regex(/^CWE-\d{1,5}$/, 'CWE ids look like CWE-79'))
    .max(20)
    .optional(),
  embargoUntil: z.date().optional().nullable(),
  embargoTimeZone: z.string().refine(isTimeZone, 'an IANA time zone such as Europe/Zurich').optional().nullable(),
  notificationPlan: text(20_000).optional().nullable(),
  exploitationObserved: flag.optional(),
  publiclyKnown: flag.optional(),
});

export async function updateCase(ctx: Context, raw: z.input<typeof UpdateCaseInput>) {
  requireUser(ctx);
  const input = parseInput(UpdateCaseInput, raw);
  return unitOfWork(ctx, async (u) => {
    const kase = await loadCase(ctx, u, input.caseId);
    await requireCaseLead(ctx, u, kase.id);
    const data: Prisma.AnalysisCaseUpdateInput = {};
    if (input.title !== undefined) data.title = input.title;
    if (input.summary !== undefined) data.summary = input.summary;
    if (input.cweIds !== undefined) data.cweIds = input.cweIds;
    if (input.embargoUntil !== undefined) data.embargoUntil = input.embargoUntil;
    if (input.embargoTimeZone !== undefined) data.embargoTimeZone = input.embargoTimeZone;
    if (input.notificationPlan !== undefined) data.notificationPlan = input.notificationPlan;
    if (input.exploitationObserved) {
      const f = input.exploitationObserved;
      data.exploitationObserved = f.value;
      data.exploitationObservedAt = f.value ? (f.at ?? u.now) : null;
      data.exploitationSource = f.value ? (f.source ?? null) : null;
    }
    if (input.publiclyKnown) {
      const f = input.publiclyKnown;
      data.publiclyKnown = f.value;
      data.publiclyKnownAt = f.value ? (f.at ?? u.now) : null;
      data.publiclyKnownSource = f.value ? (f.source ?? null) : null;
    }
    const diff = changes(kase as unknown as Record<string, unknown>, data as Record<string, unknown>);
    if (Object.keys(diff).length === 0) return { id: kase.id };
    await u.tx.analysisCase.update({ where: { id: kase.id }, data });
    const typed: [TimelineEventType, string[]][] = [
      ['case.embargo.changed', ['embargoUntil', 'embargoTimeZone']],
      ['case.exploitation.changed', ['exploitationObserved', 'exploitationObservedAt', 'exploitationSource']],
      ['case.publiclyKnown.changed', ['publiclyKnown', 'publiclyKnownAt', 'publiclyKnownSource']],
      ['case.notificationPlan.changed', ['notificationPlan']],
      ['case.details.changed', ['title', 'summary', 'cweIds']],
    ];
    for (const [type, keys] of typed) {
      const part = Object.fromEntries(Object.entries(diff).filter(([k]) => keys.includes(k)));
      if (Object.keys(part).length) u.event(type, { caseId: kase.id }, part);
    }
    u.audit('case.updated', { type: 'AnalysisCase', id: kase.id }, diff);
    return { id: kase.id };
  });
}

// ── Team ──────────────────────────────────────────────────────────────────

export const MemberInput = z.object({
  caseId,
  userId: z.string().min(1),
  role: z.enum(['PRIME', 'SPECIALIST', 'ANALYST', 'NEED_TO_KNOW']).default('NEED_TO_KNOW'),
});

export async function addCaseMember(ctx: Context, raw: z.input<typeof MemberInput>) {
  requireUser(ctx);
  const input = parseInput(MemberInput, raw);
  return unitOfWork(ctx, async (u) => {
    const kase = await loadCase(ctx, u, input.caseId);
    await requireCaseLead(ctx, u, kase.id);
    const who = userRef(input.userId);
    const user = who
      ? await u.tx.user.findFirst({ where: { ...who, disabledAt: null }, select: { id: true, email: true } })
      : null;
    if (!user)
      throw new DomainError('VALIDATION', `input.userId: no active staff user "${input.userId}".`, 'input.userId');
    const existing = await u.tx.caseMember.findUnique({
      where: { caseId_userId: { caseId: kase.id, userId: user.id } },
    });
    if (existing?.role === input.role) return { id: kase.id };
    await u.tx.caseMember.upsert({
      where: { caseId_userId: { caseId: kase.id, userId: user.id } },
      create: { caseId: kase.id, userId: user.id, role: input.role, addedById: u.actor.userId, addedAt: u.now },
      update: { role: input.role },
    });
    u.event(
      'member.added',
      { caseId: kase.id },
      { userId: user.id, role: input.role, previousRole: existing?.role ?? null },
    );
    u.audit(
      'case.member.added',
      { type: 'AnalysisCase', id: kase.id },
      { user: user.email, role: input.role, previousRole: existing?.role ?? null },
    );
    return { id: kase.id };
  });
}

export async function removeCaseMember(ctx: Context, raw: { caseId: string; userId: string }) {
  requireUser(ctx);
  const input = parseInput(MemberInput.pick({ caseId: true, userId: true }), raw);
  return unitOfWork(ctx, async (u) => {
    const kase = await loadCase(ctx, u, input.caseId);
    await requireCaseLead(ctx, u, kase.id);
    const who = userRef(input.userId);
    const userId =
      who && ('id' in who ? who.id : (await u.tx.user.findUnique({ where: who, select: { id: true } }))?.id);
    const member = userId
      ? await u.tx.caseMember.findUnique({
          where: { caseId_userId: { caseId: kase.id, userId } },
          include: { user: true },
        })
      : null;
    if (!member) throw new DomainError('NOT_FOUND', `That user is not a member of ${kase.publicId}.`, 'input.userId');
    await u.tx.caseMember.delete({ where: { caseId_userId: { caseId: kase.id, userId: member.userId } } });
    u.event('member.removed', { caseId: kase.id }, { userId: member.userId, role: member.role });
    u.audit(
      'case.member.removed',
      { type: 'AnalysisCase', id: kase.id },
      { user: member.user.email, role: member.role },
    );
    return { id: kase.id };
  });
}

// ── Per-product impact and mitigations ─────────────────────────────────────

export const ImpactInput = z
  .object({
    caseId,
    product: z.string().min(1, 'a product key or id'),
    status: z.enum(['UNDER_INVESTIGATION', 'AFFECTED', 'NOT_AFFECTED', 'FIXED']),
    justification: VexJustificationInput.optional().nullable(),
    justificationText: text(5000).optional().nullable(),
    affectedVersions: text(500).optional().nullable(),
    fixedVersion: text(100).optional().nullable(),
    fixEta: z.date().optional().nullable(),
  })
  .superRefine((v, c) => {
    if (v.status === 'NOT_AFFECTED' && !v.justification) {
      c.addIssue({ code: 'custom', path: ['justification'], message: 'NOT_AFFECTED needs a VEX justification' });
    }
    if (v.status !== 'NOT_AFFECTED' && v.justification) {
      c.addIssue({ code: 'custom', path: ['justification'], message: 'only NOT_AFFECTED takes a justification' });
    }
    if (v.status === 'FIXED' && !v.fixedVersion) {
      c.addIssue({ code: 'custom', path: ['fixedVersion'], message: 'FIXED needs the version that fixes it' });
    }
  });

export async function setProductImpact(ctx: Context, raw: z.input<typeof ImpactInput>) {
  requireUser(ctx);
  const input = parseInput(ImpactInput, raw);
  return unitOfWork(ctx, async (u) => {
    const kase = await loadCase(ctx, u, input.caseId);
    if (kase.state === 'CLOSED') throw new DomainError('CONFLICT', `${kase.publicId} is closed; reopen it first.`);
    const [product] = await resolveProducts(u, [input.product], 'input.product');
    if (!product) throw new Error('unreachable');
    await requireProductAuthority(ctx, u, kase.id, product.productLineId);
    const before = await u.tx.productImpact.findUnique({
      where: { caseId_productId: { caseId: kase.id, productId: product.id } },
    });
    if (!before) await addProductImpacts(u, kase.id, [product.id]);
    const data = {
      status: input.status,
      justification: input.justification ?? null,
      justificationText: input.justificationText ?? null,
      affectedVersions: input.affectedVersions ?? before?.affectedVersions ?? null,
      fixedVersion:
        input.status === 'FIXED' ? (input.fixedVersion ?? null) : (input.fixedVersion ?? before?.fixedVersion ?? null),
      fixEta: input.fixEta !== undefined ? input.fixEta : (before?.fixEta ?? null),
      updatedById: u.actor.userId,
    };
    await u.tx.productImpact.update({ where: { caseId_productId: { caseId: kase.id, productId: product.id } }, data });
    const diff = changes((before ?? { status: 'UNDER_INVESTIGATION' }) as Record<string, unknown>, {
      ...data,
      updatedById: undefined,
    });
    u.event('impact.changed', { caseId: kase.id }, { product: product.key, ...diff });
    u.audit('case.impact.changed', { type: 'AnalysisCase', id: kase.id }, { product: product.key, ...diff });
    // NOT_AFFECTED takes the product's AVSS out of the case's severity (and back in when it changes again).
    await refreshCaseSeverity(u, kase.id);
    return { id: kase.id };
  });
}

export const MitigationInput = z
  .object({
    caseId,
    product: z.string().optional().nullable(),
    kind: z.enum(['CONFIGURATION', 'RESTRICTION', 'WORKAROUND', 'FIX']),
    description: text(20_000).min(5, 'at least 5 characters'),
    fixVersion: text(100).optional().nullable(),
    availableAt: z.date().optional().nullable(),
  })
  .superRefine((v, c) => {
    if (v.kind === 'FIX' && !v.fixVersion)
      c.addIssue({ code: 'custom', path: ['fixVersion'], message: 'a FIX needs its version' });
    if (v.kind !== 'FIX' && v.fixVersion) {
      c.addIssue({
        code: 'custom',
        path: ['fixVersion'],
        message: 'only a FIX has a version; mitigations are not fixes',
      });
    }
  });

export async function addMitigation(ctx: Context, raw: z.input<typeof MitigationInput>) {
  requireUser(ctx);
  const input = parseInput(MitigationInput, raw);
  return unitOfWork(ctx, async (u) => {
    const kase = await loadCase(ctx, u, input.caseId);
    if (kase.state === 'CLOSED') throw new DomainError('CONFLICT', `${kase.publicId} is closed; reopen it first.`);
    let productId: string | null = null;
    if (input.product) {
      const [product] = await resolveProducts(u, [input.product], 'input.product');
      if (!product) throw new Error('unreachable');
      await requireProductAuthority(ctx, u, kase.id, product.productLineId);
      productId = product.id;
    } else if (!isPsirt(ctx.viewer)) {
      await requireCaseLead(ctx, u, kase.id);
    }
    const m = await u.tx.mitigation.create({
      data: {
        caseId: kase.id,
        productId,
        kind: input.kind,
        description: input.description,
        fixVersion: input.fixVersion ?? null,
        availableAt: input.availableAt ?? null,
        createdById: u.actor.userId,
        createdAt: u.now,
      },
      select: { id: true },
    });
    u.event(
      'mitigation.added',
      { caseId: kase.id },
      { mitigationId: m.id, kind: input.kind, product: input.product ?? null },
    );
    u.audit('case.mitigation.added', { type: 'AnalysisCase', id: kase.id }, { mitigationId: m.id, kind: input.kind });
    return { id: kase.id };
  });
}

// ── CVE and CERT coordination (the PSIRT's job) ─────────────────────────────

const CVE = /^CVE-\d{4}-\d{4,}$/;

export const CveInput = z.object({
  caseId,
  cveId: z.string().regex(CVE, 'a CVE id such as CVE-2026-12345').optional().nullable(),
  state: z.enum(['REQUESTED', 'RESERVED', 'PUBLISHED', 'REJECTED']).default('REQUESTED'),
  assigner: text(200).optional().nullable(),
});

/** Records a CVE request, a reserved id, or its publication (one row per CVE, updated in place). */
export async function recordCve(ctx: Context, raw: z.input<typeof CveInput>) {
  requireRole(ctx, PSIRT_ROLES);
  const input = parseInput(CveInput, raw);
  if (input.state !== 'REQUESTED' && !input.cveId) {
    throw new DomainError('VALIDATION', `input.cveId: a ${input.state} CVE needs its id.`, 'input.cveId');
  }
  return unitOfWork(ctx, async (u) => {
    const kase = await loadCase(ctx, u, input.caseId);
    const existing = input.cveId ? await u.tx.cveAssignment.findUnique({ where: { cveId: input.cveId } }) : null;
    if (existing && existing.caseId !== kase.id) {
      throw new DomainError('CONFLICT', `${input.cveId} is already recorded on another case.`, 'input.cveId');
    }
    const requested =
      !existing && input.cveId
        ? await u.tx.cveAssignment.findFirst({ where: { caseId: kase.id, cveId: null }, orderBy: { createdAt: 'asc' } })
        : null;
    const target = existing ?? requested;
    const row = target
      ? await u.tx.cveAssignment.update({
          where: { id: target.id },
          data: { cveId: input.cveId ?? target.cveId, state: input.state, assigner: input.assigner ?? target.assigner },
        })
      : await u.tx.cveAssignment.create({
          data: {
            caseId: kase.id,
            cveId: input.cveId ?? null,
            state: input.state,
            assigner: input.assigner ?? null,
            createdById: u.actor.userId,
            createdAt: u.now,
          },
        });
    u.event('cve.changed', { caseId: kase.id }, { cveId: row.cveId, state: row.state, from: target?.state ?? null });
    u.audit(
      'case.cve.changed',
      { type: 'AnalysisCase', id: kase.id },
      { cveId: row.cveId, state: row.state, from: target?.state ?? null },
    );
    return { id: kase.id };
  });
}

export const CertInput = z.object({
  caseId,
  organization: text(200).min(2, 'at least 2 characters'),
  notifiedAt: z.date().optional().nullable(),
  reference: text(200).optional().nullable(),
});

export async function recordCertNotification(ctx: Context, raw: z.input<typeof CertInput>) {
  requireRole(ctx, PSIRT_ROLES);
  const input = parseInput(CertInput, raw);
  return unitOfWork(ctx, async (u) => {
    const kase = await loadCase(ctx, u, input.caseId);
    await u.tx.certNotification.create({
      data: {
        caseId: kase.id,
        organization: input.organization,
        notifiedAt: input.notifiedAt ?? u.now,
        reference: input.reference ?? null,
        createdById: u.actor.userId,
        createdAt: u.now,
      },
    });
    u.event(
      'cert.notified',
      { caseId: kase.id },
      { organization: input.organization, reference: input.reference ?? null },
    );
    u.audit('case.cert.notified', { type: 'AnalysisCase', id: kase.id }, { organization: input.organization });
    return { id: kase.id };
  });
}

// ── Reporter communication and notes ───────────────────────────────────────

export const ReporterUpdateInput = z.object({
  caseId,
  body: text(50_000).min(1, 'must not be empty'),
  subject: text(200).optional().nullable(),
  kind: z.enum(['STATUS_UPDATE', 'REQUEST_FOR_INFORMATION', 'OTHER']).default('STATUS_UPDATE'),
  /** One report's thread only; default: every report of the case. */
  reportId: z.string().optional().nullable(),
});

export async function messageCaseReporters(ctx: Context, raw: z.input<typeof ReporterUpdateInput>) {
  requireRole(ctx, PSIRT_ROLES);
  const input = parseInput(ReporterUpdateInput, raw);
  return unitOfWork(ctx, async (u) => {
    const kase = await loadCase(ctx, u, input.caseId);
    const reports = await u.tx.vulnerabilityReport.findMany({
      where: { caseId: kase.id },
      select: { id: true, publicId: true, reporterId: true, caseId: true },
    });
    const targets = input.reportId
      ? reports.filter(
          (r) =>
            r.publicId === input.reportId?.toUpperCase() ||
            r.id === decodeId(input.reportId ?? '', 'VulnerabilityReport'),
        )
      : reports;
    if (targets.length === 0) {
      throw new DomainError('VALIDATION', `input.reportId: ${kase.publicId} has no such report.`, 'input.reportId');
    }
    for (const r of targets) {
      await messageReporter(u, r, { kind: input.kind, subject: input.subject ?? 'Status update', body: input.body });
    }
    u.audit(
      'case.reporter.messaged',
      { type: 'AnalysisCase', id: kase.id },
      { reports: targets.map((r) => r.publicId), kind: input.kind },
    );
    return { id: kase.id };
  });
}

export const NoteInput = z.object({ caseId, text: text(20_000).min(1, 'must not be empty') });

export async function addCaseNote(ctx: Context, raw: z.input<typeof NoteInput>) {
  requireUser(ctx);
  const input = parseInput(NoteInput, raw);
  return unitOfWork(ctx, async (u) => {
    const kase = await loadCase(ctx, u, input.caseId);
    u.event('case.note', { caseId: kase.id }, { text: input.text });
    u.audit('case.note.added', { type: 'AnalysisCase', id: kase.id }, { length: input.text.length });
    return { id: kase.id };
  });
}
