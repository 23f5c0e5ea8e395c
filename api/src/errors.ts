import { DomainError } from '@psirt/schema';
import { GraphQLError } from 'graphql';
import type { Logger } from './logger.ts';

const HTTP_STATUS: Partial<Record<DomainError['code'], number>> = {
  UNAUTHENTICATED: 401,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
};

/** A deliberate error as GraphQL sends it: its message, and its code in `extensions`. */
export function domainToGraphQL(error: DomainError, from?: GraphQLError): GraphQLError {
  // Only errors raised outside a field (a bad token, a full queue) change the HTTP status;
  // when to try again is said in any case.
  const status = from?.path ? undefined : HTTP_STATUS[error.code];
  const headers = error.retryAfterSeconds ? { 'retry-after': String(Math.ceil(error.retryAfterSeconds)) } : undefined;
  return new GraphQLError(error.message, {
    nodes: from?.nodes,
    source: from?.source,
    positions: from?.positions,
    path: from?.path,
    extensions: {
      code: error.code,
      ...(error.path ? { field: error.path } : {}),
      ...(error.retryAfterSeconds ? { retryAfter: Math.ceil(error.retryAfterSeconds) } : {}),
      ...(status || headers ? { http: { ...(status ? { status } : {}), ...(headers ? { headers } : {}) } } : {}),
    },
  });
}

/**
 * The database could not give the request a connection or a transaction in
 * time (Prisma P2028, a pool's acquisition timeout, PostgreSQL's lock_timeout
 * 55P03 as the audit writer sets it): the request fails closed,
 * as UNAVAILABLE with when to try again, not as a masked INTERNAL.
 */
export function isDatabaseBusy(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return (
    code === 'P2028' ||
    code === '55P03' ||
    /timeout exceeded when trying to connect|Unable to start a transaction in the given time/i.test(error.message)
  );
}
export const BUSY = () => new DomainError('UNAVAILABLE', 'The database is busy; try again in a moment.', undefined, 2);

/**
 * Class checks by name, not instanceof: under some loaders (vitest's) `graphql`
 * is loaded twice, as ESM and as CJS, and each copy has its own GraphQLError.
 */
function isGraphQLError(e: unknown): e is GraphQLError {
  return e instanceof GraphQLError || (e instanceof Error && e.name === 'GraphQLError');
}

/**
 * Pothos's own refusals of arguments (an invalid global ID, cursor, `first`)
 * are the client's mistake: VALIDATION, with Pothos's message.
 */
const isPothosValidation = (e: unknown): e is Error => e instanceof Error && e.name === 'PothosValidationError';

/** The error at the bottom of a chain of GraphQL errors (input coercion wraps a scalar's twice). */
function rootCause(error: GraphQLError): unknown {
  let cause: unknown = error.originalError;
  while (isGraphQLError(cause) && cause.originalError) cause = cause.originalError;
  return cause;
}

/** A document nested so deeply that a recursive step (parse, validate, coerce) ran out of stack. */
export const isStackOverflow = (e: unknown) => e instanceof RangeError && /call stack/i.test(e.message);
export const TOO_DEEP = 'The document nests too deeply.';

/**
 * The error boundary. Deliberate errors (DomainError) pass with their code;
 * GraphQL's own parse/validation errors pass as they are; anything else is a
 * bug: logged in full here, and masked for the client ("Unexpected error.").
 */
export function createMaskError(log: Logger) {
  return (error: unknown): Error => {
    if (DomainError.is(error)) return domainToGraphQL(error);
    if (isGraphQLError(error)) {
      const original = rootCause(error);
      if (DomainError.is(original)) {
        // A scalar's refusal comes wrapped by input coercion, whose message names the variable
        // ('Variable "$d" got invalid value …; <ours>'): keep that message, with our code.
        const named = error.originalError !== original && error.message.endsWith(original.message);
        return domainToGraphQL(named ? new DomainError(original.code, error.message, original.path) : original, error);
      }
      if (isDatabaseBusy(original)) {
        log.warn({ path: error.path }, 'database busy: answered UNAVAILABLE');
        return domainToGraphQL(BUSY(), error);
      }
      if (isPothosValidation(original)) {
        return domainToGraphQL(new DomainError('VALIDATION', original.message), error);
      }
      if (isStackOverflow(original)) {
        // A client's document, or our own runaway recursion: answered as the former, noted in case.
        log.warn({ path: error.path }, 'stack overflow while resolving: answered as a document nested too deeply');
        return domainToGraphQL(new DomainError('OPERATION_LIMIT', TOO_DEEP), error);
      }
      if (!original || isGraphQLError(original)) return error;
      log.error({ err: original, path: error.path }, 'unexpected error in a resolver');
      return new GraphQLError('Unexpected error.', {
        nodes: error.nodes,
        path: error.path,
        extensions: { code: 'INTERNAL' },
      });
    }
    if (isDatabaseBusy(error)) {
      log.warn('database busy outside a resolver: answered UNAVAILABLE');
      return domainToGraphQL(BUSY());
    }
    if (isStackOverflow(error)) {
      log.warn('stack overflow outside a resolver: answered as a document nested too deeply');
      return domainToGraphQL(new DomainError('OPERATION_LIMIT', TOO_DEEP));
    }
    log.error({ err: error }, 'unexpected error');
    return new GraphQLError('Unexpected error.', { extensions: { code: 'INTERNAL' } });
  };
}
