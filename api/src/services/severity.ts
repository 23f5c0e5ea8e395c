// The stored severity of a case (see caseSeverity in @psirt/schema for the rule).
import { caseSeverity, type ImpactFact, type ScoreFact } from '@psirt/schema';
import type { Unit } from './unit.ts';

/**
 * Recomputes and stores the case's severity (after a score or an impact
 * changed), with a timeline event when it moved.
 */
export async function refreshCaseSeverity(u: Unit, caseId: string) {
  const [kase, scores, impacts] = await Promise.all([
    u.tx.analysisCase.findUniqueOrThrow({ where: { id: caseId }, select: { severity: true, severityScore: true } }),
    u.tx.score.findMany({
      where: { caseId, kind: { in: ['AVSS', 'VENDOR_BASE'] } },
      select: { id: true, kind: true, productId: true, score: true, severity: true, createdAt: true },
    }),
    u.tx.productImpact.findMany({ where: { caseId }, select: { productId: true, status: true } }),
  ]);
  const facts: ScoreFact[] = scores.map((s) => ({ ...s, score: Number(s.score) }));
  const now = caseSeverity(facts, impacts as ImpactFact[]);
  const before = kase.severityScore === null ? null : Number(kase.severityScore);
  if ((now?.severity ?? null) === kase.severity && (now?.score ?? null) === before) return;
  await u.tx.analysisCase.update({
    where: { id: caseId },
    data: { severity: now?.severity ?? null, severityScore: now ? now.score.toFixed(1) : null },
  });
  u.event(
    'case.severity.changed',
    { caseId },
    {
      from: kase.severity ? { severity: kase.severity, score: before } : null,
      to: now ? { severity: now.severity, score: now.score, basis: now.basis } : null,
    },
  );
}
