import { DomainError } from '@psirt/schema';
import { GraphQLError } from 'graphql';
import type { Logger } from './logger.ts';

const HTTP_STATUS: Partial<Record<DomainError['code'], number>> = { UNAUTHENTICATED: 401, RATE_LIMITED: 429 };

/** A deliberate error as GraphQL sends it: its message, and its code in `extensions`. */
export function domainToGraphQL(error: DomainError, from?: GraphQLError): GraphQLError {
  const status = HTTP_STATUS[error.code];
  return new GraphQLError(error.message, {
    nodes: from?.nodes,
    source: from?.source,
    positions: from?.positions,
    path: from?.path,
    extensions: {
      code: error.code,
      ...(error.path ? { field: error.path } : {}),
      // Only errors raised before execution (bad token) change the HTTP status.
      ...(status && !from?.path ? { http: { status } } : {}),
    },
  });
}

/**
 * The error boundary. Deliberate errors (DomainError) pass with their code;
 * GraphQL's own parse/validation errors pass as they are; anything else is a
 * bug: logged in full here, and masked for the client ("Unexpected error.").
 */
export function createMaskError(log: Logger) {
  return (error: unknown): Error => {
    if (error instanceof DomainError) return domainToGraphQL(error);
    if (error instanceof GraphQLError) {
      const original = error.originalError;
      if (original instanceof DomainError) return domainToGraphQL(original, error);
      if (!original || original instanceof GraphQLError) return error;
      log.error({ err: original, path: error.path }, 'unexpected error in a resolver');
      return new GraphQLError('Unexpected error.', {
        nodes: error.nodes,
        path: error.path,
        extensions: { code: 'INTERNAL' },
      });
    }
    log.error({ err: error }, 'unexpected error');
    return new GraphQLError('Unexpected error.', { extensions: { code: 'INTERNAL' } });
  };
}
