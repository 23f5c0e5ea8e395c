import { DomainError } from './errors.ts';

/** Kinds of human-facing ids: reports, analysis cases, security advisories. */
export const PUBLIC_ID_KINDS = ['VSR', 'VAR', 'SA'] as const;
export type PublicIdKind = (typeof PUBLIC_ID_KINDS)[number];

const PATTERN = /^(VSR|VAR|SA)-(\d{4})-(\d{4,})$/;

/** `VSR-2026-0001`: kind, year, then a per-year sequence of at least four digits. */
export function formatPublicId(kind: PublicIdKind, year: number, sequence: number): string {
  if (!Number.isInteger(year) || year < 1000 || year > 9999) throw new RangeError(`year ${year} out of range`);
  if (!Number.isInteger(sequence) || sequence < 1) throw new RangeError(`sequence ${sequence} must be >= 1`);
  return `${kind}-${year}-${String(sequence).padStart(4, '0')}`;
}

export interface PublicId {
  kind: PublicIdKind;
  year: number;
  sequence: number;
}

/** Parses an id typed by a person (case-insensitive, surrounding spaces ignored). */
export function parsePublicId(text: string, expected?: PublicIdKind): PublicId {
  const m = PATTERN.exec(text.trim().toUpperCase());
  if (!m) {
    throw new DomainError('VALIDATION', `"${text}" is not an id like ${expected ?? 'VSR'}-2026-0001`);
  }
  const id = { kind: m[1] as PublicIdKind, year: Number(m[2]), sequence: Number(m[3]) };
  if (expected && id.kind !== expected) {
    throw new DomainError('VALIDATION', `"${text}" is a ${id.kind} id; expected a ${expected} id`);
  }
  return id;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Row ids are UUIDs; anything else can be answered "not found" without asking the database. */
export const isUuid = (value: string): boolean => UUID.test(value);

/** Matches no row: ids are UUIDv7, and the nil UUID is never issued. */
export const NIL_UUID = '00000000-0000-0000-0000-000000000000';
