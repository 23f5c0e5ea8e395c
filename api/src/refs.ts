// How clients name records: Relay global ids ("Type:<uuid>" in base64), raw
// UUIDs, and for reports, cases and advisories their public ids (VSR-…, VAR-…, SA-…).
import { isUuid } from '@psirt/schema';

/** A global id of `typename`, or a raw UUID, to the row id; null if neither. */
export function decodeId(ref: string, typename: string): string | null {
  if (isUuid(ref)) return ref;
  const [type, id] = Buffer.from(ref, 'base64').toString('utf8').split(':');
  return type === typename && id && isUuid(id) ? id : null;
}

/** A public id or a global id, as a where clause; null when it can name nothing. */
function refWhere(ref: string, typename: string, prefix: string): { id: string } | { publicId: string } | null {
  if (ref.toUpperCase().startsWith(`${prefix}-`)) return { publicId: ref.toUpperCase() };
  const id = decodeId(ref, typename);
  return id ? { id } : null;
}

export const caseRef = (ref: string) => refWhere(ref, 'AnalysisCase', 'VAR');
export const reportRef = (ref: string) => refWhere(ref, 'VulnerabilityReport', 'VSR');
export const advisoryRef = (ref: string) => refWhere(ref.trim(), 'Advisory', 'SA');

/**
 * A staff user named by node id, UUID, or Slack account: `slack:U0123ABCD`, or
 * a Slack mention as a slash command carries it (`<@U0123ABCD|name>`).
 */
export function userRef(ref: string): { id: string } | { slackUserId: string } | null {
  const slack = /^(?:slack:|<@)([UW][A-Z0-9]+)(?:\|[^>]*)?>?$/i.exec(ref.trim());
  if (slack) return { slackUserId: (slack[1] as string).toUpperCase() };
  const id = decodeId(ref, 'User');
  return id ? { id } : null;
}
