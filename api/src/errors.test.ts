import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createMaskError } from './errors.ts';
import { createLogger } from './logger.ts';

const mask = createMaskError(createLogger('silent'));
/** What Prisma throws when no connection or transaction could be had in time (its fields, as it sets them). */
const p2028 = () =>
  Object.assign(new Error('Transaction API error: Unable to start a transaction in the given time.'), {
    name: 'PrismaClientKnownRequestError',
    code: 'P2028',
    clientVersion: '7.10.0',
  });

describe('the error boundary', () => {
  it('answers a database that gave no transaction in time as UNAVAILABLE with Retry-After, not INTERNAL', () => {
    // In a field: the field's error says so; the response keeps its status, with the header.
    const inField = mask(new GraphQLError('x', { path: ['reporters'], originalError: p2028() })) as GraphQLError;
    expect(inField.message).toBe('The database is busy; try again in a moment.');
    expect(inField.extensions).toEqual({
      code: 'UNAVAILABLE',
      retryAfter: 2,
      http: { headers: { 'retry-after': '2' } },
    });
    expect(inField.path).toEqual(['reporters']);
    // Before any field (building the context): HTTP 503.
    const outside = mask(p2028()) as GraphQLError;
    expect(outside.extensions).toMatchObject({ code: 'UNAVAILABLE', http: { status: 503 } });
  });

  it('still masks what is not deliberate', () => {
    const bug = mask(
      new GraphQLError('x', { path: ['a'], originalError: new TypeError('undefined is not a function') }),
    );
    expect([bug.message, (bug as GraphQLError).extensions]).toEqual(['Unexpected error.', { code: 'INTERNAL' }]);
  });
});
