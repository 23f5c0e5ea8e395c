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
