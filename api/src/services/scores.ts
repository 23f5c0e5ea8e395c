// Severity scoring on cases: the vendor's base score, the per-product AVSS,
// and the reporter's and third parties' scores kept beside them. Every score is
// a new row (the history is the table); the case's severity is recomputed in
// the same transaction.
import type { Prisma } from '@psirt/db';
import { CVSS_VERSION_ENUM, type CvssScore, DomainError, scoreCvss } from '@psirt/schema';
import { z } from 'zod';
import { PSIRT_ROLES, requireRole, requireUser } from '../access.ts';
import type { Context } from '../context.ts';
import { loadCase } from './cases.ts';
import { refreshCaseSeverity } from './severity.ts';
import { requireCaseLead, requireProductAuthority, resolveProducts } from './team.ts';
import { parseInput, type Unit, unitOfWork } from './unit.ts';

/** Scores a vector for an input field; a malformed one is VALIDATION naming the field and the metric. */
export function scoreField(vector: string, field: string): CvssScore {
  try {
    return scoreCvss(vector);
  } catch (error) {
    if (DomainError.is(error)) throw new DomainError('VALIDATION', `${field}: ${error.message}`, field);
    throw error;
  }
}

/** The columns of a Score row for a scored vector. */
export function scoreColumns(s: CvssScore) {
  return {
    version: CVSS_VERSION_ENUM[s.version],
    vector: s.vector,
    baseScore: s.baseScore.toFixed(1),
    temporalScore: s.temporalScore === null ? null : s.temporalScore.toFixed(1),
    environmentalScore: s.environmentalScore === null ? null : s.environmentalScore.toFixed(1),
    score: s.score.toFixed(1),
    severity: s.severity,
  } satisfies Partial<Prisma.ScoreUncheckedCreateInput>;
}

const text = (max: number) => z.string().trim().max(max, `at most ${max} characters`);

export const RecordScoreInput = z
  .object({
    caseId: z.string().min(1, 'a case id (VAR-…) or node id'),
    kind: z.enum(['VENDOR_BASE', 'AVSS', 'REPORTER', 'THIRD_PARTY']),
    vector: z.string().min(1, 'a CVSS vector'),
    product: z.string().min(1).optional().nullable(),
    rationale: text(10_000).optional().nullable(),
    source: text(200).optional().nullable(),
  })
  .superRefine((v, c) => {
    if (v.kind === 'AVSS' && !v.product) {
      c.addIssue({ code: 'custom', path: ['product'], message: 'an AVSS is recorded for one product' });
    }
    if (v.kind !== 'AVSS' && v.product) {
      c.addIssue({ code: 'custom', path: ['product'], message: 'only an AVSS is for one product' });
    }
    if (v.kind === 'AVSS' && (v.rationale ?? '').length < 10) {
      c.addIssue({
        code: 'custom',
        path: ['rationale'],
        message: 'an AVSS needs a rationale (at least 10 characters): why the product differs from the base',
      });
    }
    if (v.kind === 'THIRD_PARTY' && !v.source) {
      c.addIssue({
        code: 'custom',
        path: ['source'],
        message: 'a third-party score needs its source, e.g. nvd@nist.gov',
      });
    }
  });

/**
 * Records a score on a case. Who may: an AVSS — the PSIRT or the product
 * line's Prime/Specialist on the case; the vendor base score — the PSIRT or
 * the case Prime; reporter and third-party scores — the PSIRT. Recording the
 * same vector and rationale as the current score of that kind (and product)
 * again changes nothing, so a retried request is harmless.
 */
export async function recordScore(ctx: Context, raw: z.input<typeof RecordScoreInput>) {
  requireUser(ctx);
  const input = parseInput(RecordScoreInput, raw);
  if (input.kind === 'REPORTER' || input.kind === 'THIRD_PARTY') requireRole(ctx, PSIRT_ROLES);
  const scored = scoreField(input.vector, 'input.vector');
  if (scored.version === '2.0' && input.kind !== 'THIRD_PARTY') {
    throw new DomainError(
      'VALIDATION',
      'input.vector: CVSS v2 is accepted only for third-party scores; assess in CVSS:3.1 or CVSS:4.0.',
      'input.vector',
    );
  }
  return unitOfWork(ctx, async (u) => {
    const kase = await loadCase(ctx, u, input.caseId);
    if (kase.state === 'CLOSED') throw new DomainError('CONFLICT', `${kase.publicId} is closed; reopen it first.`);
    let product: { id: string; key: string } | null = null;
    if (input.kind === 'AVSS') {
      const [p] = await resolveProducts(u, [input.product ?? ''], 'input.product');
      if (!p) throw new Error('unreachable');
      await requireProductAuthority(ctx, u, kase.id, p.productLineId);
      const impact = await u.tx.productImpact.findUnique({
        where: { caseId_productId: { caseId: kase.id, productId: p.id } },
        select: { id: true },
      });
      if (!impact) {
        throw new DomainError(
          'VALIDATION',
          `input.product: ${p.key} is not a product of ${kase.publicId}; record its impact first (setProductImpact).`,
          'input.product',
        );
      }
      product = p;
    } else if (input.kind === 'VENDOR_BASE') {
      await requireCaseLead(ctx, u, kase.id);
    }

    const previous = await u.tx.score.findFirst({
      where: { caseId: kase.id, kind: input.kind, productId: product?.id ?? null },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      select: { vector: true, rationale: true, source: true, score: true, severity: true },
    });
    if (
      previous &&
      previous.vector === scored.vector &&
      (previous.rationale ?? null) === (input.rationale ?? null) &&
      (previous.source ?? null) === (input.source ?? null)
    ) {
      return { id: kase.id };
    }
    const row = await u.tx.score.create({
      data: {
        ...scoreColumns(scored),
        kind: input.kind,
        caseId: kase.id,
        productId: product?.id ?? null,
        rationale: input.rationale ?? null,
        source: input.source ?? null,
        createdById: u.actor.userId,
        createdAt: u.now,
      },
      select: { id: true },
    });
    const summary = {
      scoreId: row.id,
      kind: input.kind,
      product: product?.key ?? null,
      vector: scored.vector,
      score: scored.score,
      severity: scored.severity,
      previous: previous ? { score: Number(previous.score), severity: previous.severity } : null,
    };
    u.event('score.recorded', { caseId: kase.id }, { ...summary, rationale: input.rationale ?? null });
    u.audit('case.score.recorded', { type: 'AnalysisCase', id: kase.id }, summary);
    await refreshCaseSeverity(u, kase.id);
    return { id: kase.id };
  });
}

/**
 * The reporter's own score joins the case when their report does (accepted or
 * attached), beside the vendor's and never counted in the case's severity.
 */
export async function recordReporterScore(u: Unit, caseId: string, vector: string | null) {
  if (!vector) return;
  let scored: CvssScore;
  try {
    scored = scoreCvss(vector);
  } catch {
    return; // a vector stored before submissions were checked; it stays readable on the report
  }
  const existing = await u.tx.score.findFirst({
    where: { caseId, kind: 'REPORTER', vector: scored.vector },
    select: { id: true },
  });
  if (existing) return;
  const row = await u.tx.score.create({
    data: { ...scoreColumns(scored), kind: 'REPORTER', caseId, createdById: null, createdAt: u.now },
    select: { id: true },
  });
  u.event(
    'score.recorded',
    { caseId },
    {
      scoreId: row.id,
      kind: 'REPORTER',
      product: null,
      vector: scored.vector,
      score: scored.score,
      severity: scored.severity,
      rationale: null,
      previous: null,
    },
  );
}
