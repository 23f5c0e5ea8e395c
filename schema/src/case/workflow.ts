// The analysis case (VAR) workflow: its states, the transitions between them,
// who may take each one, and what must be true first. Pure data and functions:
// the API enforces it, GraphQL publishes it (`varWorkflow`), the bot and the
// dashboards read it from there instead of hard-coding it.
import { DomainError } from '../errors.ts';
import type { Role } from '../roles.ts';

export const CASE_STATES = ['ANALYSIS', 'REMEDIATION', 'DISCLOSURE', 'CLOSED'] as const;
export type CaseState = (typeof CASE_STATES)[number];

export const CASE_STATE_DESCRIPTIONS: Record<CaseState, string> = {
  ANALYSIS: 'The Vulnerability Analysis Team establishes which products and versions are affected.',
  REMEDIATION: 'At least one product is affected: fixes and mitigations are being prepared.',
  DISCLOSURE: 'Fixes or mitigations exist: CVE, CERT notification and the advisory are being coordinated.',
  CLOSED: 'Done; the reporter has been told the conclusion.',
};

/** What the workflow's guards look at: a summary of the case, not the case. */
export interface CaseFacts {
  /** Status of each product impact recorded on the case. */
  impacts: readonly { status: 'UNDER_INVESTIGATION' | 'AFFECTED' | 'NOT_AFFECTED' | 'FIXED' }[];
  /** Mitigations and fixes recorded on the case. */
  mitigations: number;
}

export interface Transition {
  from: CaseState;
  to: CaseState;
  /** A verb for buttons and commands. */
  name: string;
  description: string;
  /** Staff roles that may take it. Product-line roles must also be members of the case. */
  roles: readonly Role[];
  /** Closing requires a conclusion, which is sent to the reporters. */
  requiresConclusion: boolean;
  /** Why the transition cannot be taken now, or null when it can. */
  guard?: (facts: CaseFacts) => string | null;
}

const PSIRT: readonly Role[] = ['ADMIN', 'ANALYST'];
const TEAM: readonly Role[] = ['ADMIN', 'ANALYST', 'PRODUCT_SECURITY_PRIME'];

const noneUnderInvestigation = (f: CaseFacts) =>
  f.impacts.some((i) => i.status === 'UNDER_INVESTIGATION')
    ? 'every product impact must be decided first (none may be UNDER_INVESTIGATION)'
    : null;

export const CASE_TRANSITIONS: readonly Transition[] = [
  {
    from: 'ANALYSIS',
    to: 'REMEDIATION',
    name: 'confirm',
    description: 'Impact confirmed on at least one product; remediation starts.',
    roles: TEAM,
    requiresConclusion: false,
    guard: (f) =>
      f.impacts.some((i) => i.status === 'AFFECTED' || i.status === 'FIXED')
        ? null
        : 'at least one product must be AFFECTED or FIXED',
  },
  {
    from: 'ANALYSIS',
    to: 'CLOSED',
    name: 'close',
    description: 'No product is affected (or the report is not a vulnerability after all).',
    roles: PSIRT,
    requiresConclusion: true,
    guard: (f) =>
      noneUnderInvestigation(f) ??
      (f.impacts.some((i) => i.status === 'AFFECTED') ? 'a product is still AFFECTED: remediate it first' : null),
  },
  {
    from: 'REMEDIATION',
    to: 'ANALYSIS',
    name: 'reanalyse',
    description: 'New information: the impact must be established again.',
    roles: TEAM,
    requiresConclusion: false,
  },
  {
    from: 'REMEDIATION',
    to: 'DISCLOSURE',
    name: 'disclose',
    description: 'Fixes or mitigations exist for the affected products: coordinate disclosure.',
    roles: TEAM,
    requiresConclusion: false,
    guard: (f) =>
      noneUnderInvestigation(f) ??
      (f.impacts.some((i) => i.status === 'AFFECTED') && f.mitigations === 0
        ? 'an AFFECTED product needs a fix or a mitigation first'
        : null),
  },
  {
    from: 'DISCLOSURE',
    to: 'REMEDIATION',
    name: 'back-to-remediation',
    description: 'A fix or mitigation turned out insufficient.',
    roles: PSIRT,
    requiresConclusion: false,
  },
  {
    from: 'DISCLOSURE',
    to: 'CLOSED',
    name: 'close',
    description: 'Disclosed; the case is complete.',
    roles: PSIRT,
    requiresConclusion: true,
  },
  {
    from: 'CLOSED',
    to: 'ANALYSIS',
    name: 'reopen',
    description: 'New information about a closed case.',
    roles: PSIRT,
    requiresConclusion: false,
  },
];

export function transitionsFrom(state: CaseState): Transition[] {
  return CASE_TRANSITIONS.filter((t) => t.from === state);
}

/**
 * Checks a requested transition and returns it, or throws INVALID_TRANSITION
 * (naming the allowed ones), FORBIDDEN (naming who may) or CONFLICT (the guard's reason).
 */
export function checkTransition(
  from: CaseState,
  to: CaseState,
  roles: readonly Role[],
  facts: CaseFacts,
  conclusion?: string | null,
): Transition {
  const allowed = transitionsFrom(from);
  const transition = allowed.find((t) => t.to === to);
  if (!transition) {
    throw new DomainError(
      'INVALID_TRANSITION',
      `A case in ${from} cannot move to ${to}; allowed: ${allowed.map((t) => t.to).join(', ') || 'none'}.`,
    );
  }
  if (!transition.roles.some((r) => roles.includes(r))) {
    throw new DomainError(
      'FORBIDDEN',
      `Moving a case from ${from} to ${to} needs one of: ${transition.roles.join(', ')}.`,
    );
  }
  if (transition.requiresConclusion && !conclusion?.trim()) {
    throw new DomainError('VALIDATION', `Moving a case to ${to} needs a conclusion for the reporter.`, 'conclusion');
  }
  const reason = transition.guard?.(facts);
  if (reason) throw new DomainError('CONFLICT', `Cannot move from ${from} to ${to}: ${reason}.`);
  return transition;
}
