/**
 * Domain errors and the one formatError that maps them to
 * `extensions.code`. Services throw DomainError; nothing else reaches clients
 * in production except as INTERNAL_SERVER_ERROR without details.
 */
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';

export { type ErrorCode, DomainError, DatabaseUnavailableError } from '../db/errors';
import { DomainError } from '../db/errors';

/** Shorthands used by services. */
export const badInput = (field: string, message: string, extra: Record<string, unknown> = {}) =>
  new DomainError('BAD_USER_INPUT', `${field}: ${message}`, { field, ...extra });
export const notFound = (what: string, id?: string) =>
  new DomainError('NOT_FOUND', id ? `${what} ${id} not found` : `${what} not found`);
export const forbidden = (message = 'Your API key role may not do this') => new DomainError('FORBIDDEN', message);
export const conflict = (message: string, extra: Record<string, unknown> = {}) =>
  new DomainError('CONFLICT', message, extra);

const GRAPHQL_VALIDATION_CODES = new Set([
  'GRAPHQL_VALIDATION_FAILED',
  'GRAPHQL_PARSE_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'OPERATION_RESOLUTION_FAILURE',
]);
const CLIENT_CODES = new Set([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'CONFLICT',
  'RATE_LIMITED',
]);

/**
 * Builds Apollo's formatError. Apollo's own parse/validation errors become
 * BAD_USER_INPUT (the contract has no other code for them); unknown errors
 * become INTERNAL_SERVER_ERROR and, in production, lose message and stack.
 */
export function makeFormatError(production: boolean, onInternal: (err: unknown) => void) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const unwrapped = unwrapResolverError(error);
    // Errors thrown while building the context (e.g. the database is down during auth) arrive wrapped, without a path.
    const original =
      unwrapped instanceof GraphQLError && unwrapped.originalError instanceof DomainError
        ? unwrapped.originalError
        : unwrapped;
    const base = { message: formatted.message, locations: formatted.locations, path: formatted.path };
    if (original instanceof DomainError) {
      return { ...base, message: original.message, extensions: { code: original.code, ...original.extra } };
    }
    const code = formatted.extensions?.code as string | undefined;
    if (code && CLIENT_CODES.has(code)) {
      // Our own GraphQLErrors (auth, limits, rate limits): keep their details, never transport internals.
      const { stacktrace: _s, http: _h, ...extensions } = formatted.extensions ?? {};
      return { ...base, extensions };
    }
    if (code && GRAPHQL_VALIDATION_CODES.has(code)) {
      const field = formatted.extensions?.field;
      return {
        ...base,
        extensions: { code: 'BAD_USER_INPUT', reason: code, ...(typeof field === 'string' ? { field } : {}) },
      };
    }
    // graphql-js's own request errors (e.g. "Too many errors processing variables") carry no code, path or cause: the
    // request was bad.
    if (
      (!code || code === 'INTERNAL_SERVER_ERROR') &&
      original instanceof GraphQLError &&
      !original.originalError &&
      !formatted.path
    ) {
      return { ...base, extensions: { code: 'BAD_USER_INPUT', reason: 'BAD_REQUEST' } };
    }
    onInternal(original);
    return {
      message: production ? 'Internal server error' : formatted.message,
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}
