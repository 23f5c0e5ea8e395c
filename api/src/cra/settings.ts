// The manufacturer's CRA settings: the Member State of its main establishment
// (and so the coordinator CSIRT it notifies), where its products are made
// available by default, and the coordinated vulnerability disclosure policy
// its website serves (Annex I, Part II).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type MemberState, memberState, parseMarkets } from '@psirt/schema';

export interface CraSettings {
  memberState: MemberState | null;
  /** The coordinator CSIRT's name: configured, else the Member State's designated one. */
  coordinator: string | null;
  /** Member States for products (and lines) without markets of their own. */
  defaultMarkets: string[];
  /** How often the clocks are checked for reminders and new evidence (ms; 0: never). */
  checkIntervalMs: number;
  /** The CVD policy (Markdown), as the vendor edited it or the default. */
  policy: string;
}

export interface CraOptions {
  memberState?: string;
  coordinator?: string;
  defaultMarkets?: readonly string[];
  checkIntervalMs?: number;
  /** A Markdown file with the vendor's CVD policy (PSIRT_CVD_POLICY_FILE). */
  policyFile?: string;
}

const DEFAULT_POLICY = fileURLToPath(new URL('./cvd-policy.md', import.meta.url));

/** The settings from options; a bad Member State or market throws a message naming it. */
export function craSettings(o: CraOptions = {}): CraSettings {
  const ms = o.memberState ? memberState(o.memberState) : null;
  if (o.memberState && !ms)
    throw new RangeError(`PSIRT_CRA_MEMBER_STATE: "${o.memberState}" is not an EU Member State code (e.g. DE)`);
  return {
    memberState: ms,
    coordinator: o.coordinator ?? ms?.coordinator.name ?? null,
    defaultMarkets: parseMarkets(o.defaultMarkets ?? []),
    checkIntervalMs: o.checkIntervalMs ?? 60_000,
    policy: readPolicy(o.policyFile),
  };
}

function readPolicy(file: string | undefined): string {
  try {
    return readFileSync(file ?? DEFAULT_POLICY, 'utf8');
  } catch (error) {
    throw new RangeError(`PSIRT_CVD_POLICY_FILE: cannot read ${file}: ${(error as Error).message}`);
  }
}
