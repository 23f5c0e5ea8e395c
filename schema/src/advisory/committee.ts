// The Security Advisories Committee's decision on one revision: a quorum of
// votes cast (abstentions count towards it), then a majority of the approve and
// reject votes. Configurable by admins; the defaults suit a committee of five.
import { DomainError } from '../errors.ts';

export interface CommitteePolicy {
  /** Votes (approve, reject or abstain) needed before anything is decided. */
  quorum: number;
  /** SIMPLE: more approvals than rejections; TWO_THIRDS: at least 2/3 of approve + reject. */
  majority: 'SIMPLE' | 'TWO_THIRDS';
}

export const DEFAULT_COMMITTEE_POLICY: CommitteePolicy = { quorum: 3, majority: 'SIMPLE' };

export function validateCommitteePolicy(p: CommitteePolicy): CommitteePolicy {
  if (!Number.isInteger(p.quorum) || p.quorum < 1 || p.quorum > 50) {
    throw new DomainError('VALIDATION', 'quorum must be a whole number from 1 to 50.', 'quorum');
  }
  if (p.majority !== 'SIMPLE' && p.majority !== 'TWO_THIRDS') {
    throw new DomainError('VALIDATION', 'majority must be SIMPLE or TWO_THIRDS.', 'majority');
  }
  return p;
}

export type VoteDecision = 'APPROVE' | 'REJECT' | 'ABSTAIN';

export interface Tally {
  approve: number;
  reject: number;
  abstain: number;
  /** Votes still needed for the quorum (0 once reached). */
  missing: number;
  /** Null until the quorum is reached. */
  decision: 'APPROVED' | 'REJECTED' | null;
}

/** Counts one revision's votes (one per member: the caller passes each member's latest). */
export function tally(votes: readonly { decision: VoteDecision }[], policy: CommitteePolicy): Tally {
  const count = (d: VoteDecision) => votes.filter((v) => v.decision === d).length;
  const approve = count('APPROVE');
  const reject = count('REJECT');
  const abstain = count('ABSTAIN');
  const missing = Math.max(0, policy.quorum - votes.length);
  if (missing > 0) return { approve, reject, abstain, missing, decision: null };
  const approved =
    policy.majority === 'SIMPLE' ? approve > reject : approve > 0 && 3 * approve >= 2 * (approve + reject);
  return { approve, reject, abstain, missing, decision: approved ? 'APPROVED' : 'REJECTED' };
}
