// The disclosure policy, enforced when an advisory is published: one basis
// must hold, and it is recorded on the advisory.
//  1. FIXES_AVAILABLE — every case is complete (DISCLOSURE or CLOSED) and every
//     affected product has a fix or a workaround/mitigation, or — for a High or
//     Critical one — a fix planned with a date;
//  2. EXPLOITATION_OBSERVED — an early advisory, possibly before any fix;
//  3. PUBLIC_INFORMATION — public information raises customers' risk (early);
//  4. EXCEPTION — anything else: an admin, with a written justification.
import { DomainError } from '../errors.ts';
import type { Role } from '../roles.ts';

export type PublicationBasis = 'FIXES_AVAILABLE' | 'EXPLOITATION_OBSERVED' | 'PUBLIC_INFORMATION' | 'EXCEPTION';

export interface DisclosureFacts {
  cases: readonly {
    publicId: string;
    state: string;
    exploitationObserved: boolean;
    publiclyKnown: boolean;
    products: readonly {
      key: string;
      status: 'UNDER_INVESTIGATION' | 'AFFECTED' | 'NOT_AFFECTED' | 'FIXED';
      /** A FIX, or a workaround/configuration/restriction, for this product or the whole case. */
      remediated: boolean;
      fixPlannedAt: Date | null;
      severity: 'NONE' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL' | null;
    }[];
  }[];
}

/** Why FIXES_AVAILABLE does not hold (empty when it does). */
export function missingRemediation(f: DisclosureFacts): string[] {
  const gaps: string[] = [];
  for (const c of f.cases) {
    if (c.state !== 'DISCLOSURE' && c.state !== 'CLOSED') {
      // The step that is missing, as the analyst would take it.
      const steps = c.state === 'ANALYSIS' ? 'REMEDIATION, then to DISCLOSURE' : 'DISCLOSURE';
      gaps.push(
        `${c.publicId} is in ${c.state}, not yet in DISCLOSURE (move it to ${steps}: transitionCase(caseId: "${c.publicId}", to: …))`,
      );
    }
    for (const p of c.products) {
      if (p.status === 'UNDER_INVESTIGATION') gaps.push(`${c.publicId}: ${p.key} is still under investigation`);
      if (p.status !== 'AFFECTED') continue;
      const planned = (p.severity === 'HIGH' || p.severity === 'CRITICAL') && p.fixPlannedAt !== null;
      if (!p.remediated && !planned) gaps.push(`${c.publicId}: ${p.key} has no fix or workaround`);
    }
  }
  return gaps;
}

export interface PublicationDecision {
  basis: PublicationBasis;
  /** Published before fixes exist: expected to be revised when they ship. */
  early: boolean;
}

/**
 * The bases that hold now, in the order publication tries them: what the
 * PSIRT is offered (an early advisory on EXPLOITATION_OBSERVED as soon as a
 * case is actively exploited, before any fix). EXCEPTION is always open to an admin.
 */
export function availableBases(f: DisclosureFacts): Exclude<PublicationBasis, 'EXCEPTION'>[] {
  return [
    ...(missingRemediation(f).length === 0 ? (['FIXES_AVAILABLE'] as const) : []),
    ...(f.cases.some((c) => c.exploitationObserved) ? (['EXPLOITATION_OBSERVED'] as const) : []),
    ...(f.cases.some((c) => c.publiclyKnown) ? (['PUBLIC_INFORMATION'] as const) : []),
  ];
}

/**
 * The basis for publishing now. `requested` picks one (the first that holds is
 * used otherwise); EXCEPTION needs the ADMIN role and a justification of at
 * least 20 characters. Throws CONFLICT naming what is missing.
 */
export function decidePublication(
  f: DisclosureFacts,
  roles: readonly Role[],
  requested?: PublicationBasis | null,
  justification?: string | null,
): PublicationDecision {
  const gaps = missingRemediation(f);
  const holds: Record<Exclude<PublicationBasis, 'EXCEPTION'>, boolean> = {
    FIXES_AVAILABLE: gaps.length === 0,
    EXPLOITATION_OBSERVED: f.cases.some((c) => c.exploitationObserved),
    PUBLIC_INFORMATION: f.cases.some((c) => c.publiclyKnown),
  };
  if (requested === 'EXCEPTION') {
    if (!roles.includes('ADMIN')) throw new DomainError('FORBIDDEN', 'Only an ADMIN may publish by exception.');
    if ((justification ?? '').trim().length < 20) {
      throw new DomainError(
        'VALIDATION',
        'A publication by exception needs a written justification (at least 20 characters).',
        'justification',
      );
    }
    return { basis: 'EXCEPTION', early: gaps.length > 0 };
  }
  const order = ['FIXES_AVAILABLE', 'EXPLOITATION_OBSERVED', 'PUBLIC_INFORMATION'] as const;
  const basis = requested ? (holds[requested] ? requested : null) : (order.find((b) => holds[b]) ?? null);
  if (!basis) {
    const why = requested
      ? requested === 'FIXES_AVAILABLE'
        ? gaps.join('; ')
        : requested === 'EXPLOITATION_OBSERVED'
          ? 'no case has exploitation observed'
          : 'no case is publicly known'
      : `no basis holds: ${gaps.join('; ')}; no exploitation observed; not publicly known`;
    throw new DomainError(
      'CONFLICT',
      `The disclosure policy does not allow publishing ${requested ? `on ${requested} ` : ''}now: ${why}. An admin may publish by EXCEPTION with a written justification.`,
    );
  }
  return { basis, early: basis !== 'FIXES_AVAILABLE' };
}
