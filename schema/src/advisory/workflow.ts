// The Security Advisory (SA) lifecycle: states, transitions, who may take each.
// Pure data, like the case workflow: the API enforces it and GraphQL publishes
// it (`advisoryWorkflow`), so the bot and dashboards never hard-code it.
import { DomainError } from '../errors.ts';
import type { Role } from '../roles.ts';

export const ADVISORY_STATES = ['DRAFT', 'IN_REVIEW', 'APPROVED', 'PUBLISHED', 'WITHDRAWN', 'SUPERSEDED'] as const;
export type AdvisoryState = (typeof ADVISORY_STATES)[number];

export const ADVISORY_STATE_DESCRIPTIONS: Record<AdvisoryState, string> = {
  DRAFT: 'Being written by the PSIRT; nothing is public.',
  IN_REVIEW: 'A revision is before the Security Advisories Committee, which votes on it.',
  APPROVED: 'The committee approved the revision; it can be published (now, or at the embargo).',
  PUBLISHED: 'Public. A new revision goes back to the committee while the published one stays public.',
  WITHDRAWN: 'Taken down by an admin, with a written reason.',
  SUPERSEDED: 'Replaced by another advisory.',
};

/** Who takes a transition: roles, or the committee's tally (no person decides alone). */
export type AdvisoryActor = { roles: readonly Role[] } | { tally: 'APPROVED' | 'REJECTED' };

export interface AdvisoryTransition {
  from: AdvisoryState;
  to: AdvisoryState;
  /** A verb for buttons and commands. */
  name: string;
  description: string;
  by: AdvisoryActor;
}

const PSIRT: readonly Role[] = ['ADMIN', 'ANALYST'];

export const ADVISORY_TRANSITIONS: readonly AdvisoryTransition[] = [
  {
    from: 'DRAFT',
    to: 'IN_REVIEW',
    name: 'requestReview',
    description: "Freeze the draft as a revision and ask the committee's approval (votes start from zero).",
    by: { roles: PSIRT },
  },
  {
    from: 'IN_REVIEW',
    to: 'APPROVED',
    name: 'approve',
    description: 'Quorum reached with the required majority for approval.',
    by: { tally: 'APPROVED' },
  },
  {
    from: 'IN_REVIEW',
    to: 'DRAFT',
    name: 'reject',
    description: 'Quorum reached without the majority: back to the PSIRT to rework.',
    by: { tally: 'REJECTED' },
  },
  {
    from: 'IN_REVIEW',
    to: 'DRAFT',
    name: 'recall',
    description: 'The PSIRT takes the revision back before the committee decides.',
    by: { roles: PSIRT },
  },
  {
    from: 'APPROVED',
    to: 'PUBLISHED',
    name: 'publish',
    description: 'Publish under the disclosure policy (the basis is recorded).',
    by: { roles: PSIRT },
  },
  {
    from: 'APPROVED',
    to: 'DRAFT',
    name: 'recall',
    description: 'Change the approved text before publication: it needs a new approval.',
    by: { roles: PSIRT },
  },
  {
    from: 'PUBLISHED',
    to: 'IN_REVIEW',
    name: 'update',
    description: 'A new revision (e.g. fixes shipped) goes to the committee; the published one stays public.',
    by: { roles: PSIRT },
  },
  {
    from: 'PUBLISHED',
    to: 'WITHDRAWN',
    name: 'withdraw',
    description: 'Take the advisory down, with a written reason.',
    by: { roles: ['ADMIN'] },
  },
  {
    from: 'PUBLISHED',
    to: 'SUPERSEDED',
    name: 'supersede',
    description: 'Another published advisory replaces this one.',
    by: { roles: PSIRT },
  },
];

/**
 * The transition from `from` named `name`, if `roles` may take it. Throws
 * INVALID_TRANSITION (listing what is possible) or FORBIDDEN (naming the roles).
 */
export function checkAdvisoryTransition(from: AdvisoryState, name: string, roles: readonly Role[]): AdvisoryTransition {
  const candidates = ADVISORY_TRANSITIONS.filter((t) => t.from === from && t.name === name && 'roles' in t.by);
  if (candidates.length === 0) {
    const possible = ADVISORY_TRANSITIONS.filter((t) => t.from === from && 'roles' in t.by).map((t) => t.name);
    throw new DomainError(
      'INVALID_TRANSITION',
      `An advisory in ${from} cannot ${name}; possible: ${possible.length ? [...new Set(possible)].join(', ') : 'nothing'}.`,
    );
  }
  const t = candidates[0] as AdvisoryTransition;
  const allowed = (t.by as { roles: readonly Role[] }).roles;
  if (!allowed.some((r) => roles.includes(r))) {
    throw new DomainError('FORBIDDEN', `Only ${allowed.join(' or ')} may ${name} an advisory.`);
  }
  return t;
}
