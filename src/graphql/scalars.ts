/** Custom scalars with the contract's names: DateTime (UTC ISO-8601), JSONObject, JSON. */
import { GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { GraphQLJSON, GraphQLJSONObject } from 'graphql-scalars';
import { DomainError } from './errors';

function parseDate(value: unknown): Date {
  if (
    typeof value !== 'string' ||
    !/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)
  ) {
    throw new DomainError(
      'BAD_USER_INPUT',
      `DateTime must be an ISO-8601 string such as 2026-01-31T12:00:00Z, got ${JSON.stringify(value)}`,
    );
  }
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new DomainError('BAD_USER_INPUT', `DateTime is not a valid date: ${value}`);
  return d;
}

/** ISO-8601 date-time, always serialised in UTC with milliseconds. */
export const DateTimeScalar = new GraphQLScalarType({
  name: 'DateTime',
  description: 'ISO-8601 date-time, always serialised in UTC.',
  serialize(value) {
    const d = value instanceof Date ? value : new Date(value as string);
    return d.toISOString();
  },
  parseValue: parseDate,
  parseLiteral(ast: ValueNode) {
    if (ast.kind !== Kind.STRING) throw new DomainError('BAD_USER_INPUT', 'DateTime must be a string');
    return parseDate(ast.value);
  },
});

/** A JSON object. */
export const JSONObjectScalar = new GraphQLScalarType({
  ...GraphQLJSONObject.toConfig(),
  name: 'JSONObject',
  description: 'A JSON object.',
});
/** Any JSON value. */
export const JSONScalar = new GraphQLScalarType({
  ...GraphQLJSON.toConfig(),
  name: 'JSON',
  description: 'Any JSON value.',
});
