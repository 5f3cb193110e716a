/**
 * Errors with a client-facing code. They live beside the store because the store throws one
 * (DatabaseUnavailableError) and every layer above may throw them; src/graphql/errors.ts maps them
 * to `extensions.code` in the one formatError.
 */
import { HeaderMap } from '@apollo/server';

/** The contract's error codes. */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'INTERNAL_SERVER_ERROR';

/** An error a client can act on; `field` names the offending input (e.g. `inputs[3].type`). */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Seconds a client is told to wait before retrying when the database is unavailable. */
const DATABASE_RETRY_AFTER_S = 5;

/**
 * The database is gone, frozen or out of connections. Clients see
 * INTERNAL_SERVER_ERROR (the contract's code for failures that are not theirs)
 * with `reason: DATABASE_UNAVAILABLE` and `retryAfter` seconds, sent with HTTP
 * 503 and Retry-After. The cause stays in the server's logs.
 */
export class DatabaseUnavailableError extends DomainError {
  /** graphql-js copies these onto the GraphQLError; Apollo turns `http` into the response status and headers. */
  readonly extensions = {
    http: { status: 503, headers: new HeaderMap([['retry-after', String(DATABASE_RETRY_AFTER_S)]]) },
  };

  constructor(cause: unknown) {
    super('INTERNAL_SERVER_ERROR', `The database is unavailable; retry in ${DATABASE_RETRY_AFTER_S} s`, {
      reason: 'DATABASE_UNAVAILABLE',
      retryAfter: DATABASE_RETRY_AFTER_S,
    });
    this.cause = cause;
  }
}
