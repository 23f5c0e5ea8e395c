// What becomes of a received mail, and the two ways its processing stops short:
// refused (quarantined, with the reason for analysts) or already handled by
// another processor.

export type QuarantineReason =
  | 'MALFORMED_MIME'
  | 'OVERSIZED'
  | 'UNREADABLE_PGP'
  | 'NOT_DECRYPTABLE'
  | 'PROCESSING_ERROR';

export type IntakeResult =
  | { outcome: 'REPORT' | 'MESSAGE'; mailId: string; publicId: string }
  | { outcome: 'IGNORED'; mailId: string; why: string }
  | { outcome: 'QUARANTINED'; mailId: string; reason: QuarantineReason }
  | { outcome: 'DUPLICATE'; mailId: string; status: string; publicId: string | null };

/** A mail that cannot be processed, and why (for analysts; never sent back). */
export class Refused extends Error {
  constructor(
    readonly reason: QuarantineReason,
    message: string,
  ) {
    super(message);
  }
}

/** Another processor got there first (a retry, or two analysts re-processing). */
export class AlreadyHandled extends Error {}
