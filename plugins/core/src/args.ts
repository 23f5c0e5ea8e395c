// Arguments of the chat-ops commands: case and report ids.
import { type CommandContext, UsageError } from '@psirt/plugin-sdk';

export const VAR = /^VAR-\d{4}-\d{4,}$/i;
export const VSR = /^VSR-\d{4}-\d{4,}$/i;
export const REJECT_REASONS = [
  'live-incident',
  'duplicate',
  'out-of-scope',
  'not-a-vulnerability',
  'insufficient-information',
];

export function caseArg(ctx: CommandContext, at = 0): string {
  const id = ctx.args[at];
  if (!id || !VAR.test(id)) throw new UsageError(id ? `"${id}" is not a case id (VAR-2026-0001)` : 'which case?');
  return id.toUpperCase();
}
