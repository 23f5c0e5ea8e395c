/**
 * The closed set of error codes the platform speaks. Every deliberate failure
 * carries one; anything else is a bug and is masked at the API boundary.
 */
export const ERROR_CODES = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'VALIDATION',
  'CONFLICT',
  'INVALID_TRANSITION',
  'RATE_LIMITED',
  'UNAVAILABLE',
  /** The operation is larger than the API serves (aliases, depth, cost, tokens, directives). */
  'OPERATION_LIMIT',
  /** The operation ran past its time budget and was cancelled. */
  'TIMEOUT',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** A deliberate, expected failure with a message a human can act on. */
export class DomainError extends Error {
  override name = 'DomainError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Where the problem is, e.g. "input.vector" (for VALIDATION). */
    readonly path?: string,
    /** For RATE_LIMITED and UNAVAILABLE: when to try again, in seconds (HTTP Retry-After). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }

  /** True for a DomainError, even one from another copy of this module. */
  static is(error: unknown): error is DomainError {
    return (
      error instanceof DomainError ||
      (error instanceof Error && error.name === 'DomainError' && typeof (error as DomainError).code === 'string')
    );
  }
}
