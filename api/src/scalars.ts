// The custom scalars, with the bounds the database holds. graphql-scalars'
// DateTime accepts any date JavaScript can represent (year 0000, 275760); a
// date PostgreSQL cannot store would pass the scalar and fail in the database
// as INTERNAL. Bounded here, the client hears VALIDATION naming the argument.
import { DomainError } from '@psirt/schema';
import { GraphQLScalarType } from 'graphql';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';

/** The dates the API takes: four-digit years from 0001 to 9999 (ISO 8601 without expansion; PostgreSQL holds them all). */
export const DATE_RANGE = { min: new Date('0001-01-01T00:00:00.000Z'), max: new Date('9999-12-31T23:59:59.999Z') };

const EXPECTED = 'a date and time from 0001-01-01 to 9999-12-31 in RFC 3339 form, e.g. 2026-12-06T09:00:00Z';

/** The base scalar's parse, then the range: any refusal is one VALIDATION error saying what is expected. */
function inRange(parse: () => unknown): Date {
  let date: unknown;
  try {
    date = parse();
  } catch {
    throw new DomainError('VALIDATION', EXPECTED);
  }
  if (!(date instanceof Date) || Number.isNaN(date.getTime()) || date < DATE_RANGE.min || date > DATE_RANGE.max) {
    throw new DomainError('VALIDATION', EXPECTED);
  }
  return date;
}

const base = DateTimeResolver.toConfig();
export const DateTimeScalar = new GraphQLScalarType<Date, Date | string>({
  ...base,
  parseValue: (value) => inRange(() => base.parseValue?.(value)),
  parseLiteral: (ast, variables) => inRange(() => base.parseLiteral?.(ast, variables)),
});

export { JSONResolver as JsonScalar };
