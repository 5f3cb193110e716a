/**
 * The one execution path every door goes through: HTTP (Apollo), graphql-ws
 * and any later transport (SSE). A door authenticates its caller, then hands
 * the request to an {@link ExecutionGate}; nothing executes without passing
 * the same parse, validation, depth, cost, per-request rate limit, per-key
 * cost budget, error formatting and logging.
 *
 * ## API for a door
 *
 * - `gate.admit(viewer)`: the per-request rate limit (one token). Call it
 *   once per operation, as soon as the caller is known.
 * - `gate.prepare(request, viewer, transport)`: for doors that run graphql-js
 *   themselves (graphql-ws, graphql-sse). `request` is the wire payload
 *   (`{ query, variables, operationName }`, anything may be malformed). It
 *   parses (cached by text), validates (cached per document, introspection
 *   refused unless enabled), selects the operation, coerces the variables,
 *   then checks depth, cost and the cost budget (`check`). It resolves to
 *   `{ args }`: `{ schema, document, operationName, variableValues }`, ready
 *   for `execute`/`subscribe` once the door adds `contextValue`, or to
 *   `{ errors }`: GraphQLErrors with `extensions.code` (BAD_USER_INPUT with
 *   `limit`/`reason`, RATE_LIMITED). It never throws for client input.
 * - `gate.formatError(formatted, error)` / `gate.formatErrors(errors)` /
 *   `gate.formatResult(result)`: the one formatError (codes, no internals in
 *   production, no "did you mean" hints unless enabled).
 * - `gate.record(entry)`: one log line and the request counters per
 *   operation, whatever the door.
 * - `gate.apolloPlugin()`: the same checks and logging inside Apollo.
 *
 * Plugging in graphql-sse (`createHandler` from `graphql-sse/lib/use/http`):
 *
 * ```ts
 * createHandler({
 *   schema,
 *   onSubscribe: async (req, params) => {
 *     const viewer = await viewerFromHeader(services.access, req.headers.get('authorization'));
 *     try { await gate.admit(viewer); } catch (err) { return { errors: gate.formatErrors([err as GraphQLError]) }; }
 *     const prepared = await gate.prepare(params, viewer, 'sse');
 *     if ('errors' in prepared) return { errors: gate.formatErrors(prepared.errors) };
 *     const { operation, cost, ...args } = prepared.args;
 *     return { ...args, contextValue: createContext(viewer, services) };
 *   },
 *   onOperation: (_ctx, req, args, result) => gate.record({ transport: 'sse', type: ..., ms: ..., codes: [] }),
 *   onNext: (_ctx, _req, result) => gate.formatResult(result),
 * });
 * ```
 *
 * Per-connection caps (like WS_MAX_OPERATIONS) belong to the door, which
 * knows its connections; the gate holds everything per operation.
 *
 * graphql-ws uses the same pair in its `onSubscribe` (server.ts).
 */
import { type ApolloServerPlugin } from '@apollo/server';
import {
  type DocumentNode,
  type ExecutionResult,
  type FormattedExecutionResult,
  getVariableValues,
  GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
  NoSchemaIntrospectionCustomRule,
  parse,
  specifiedRules,
  validate,
  type ValidationRule,
} from 'graphql';
import type { Logger } from 'pino';
import type { Context } from '../graphql/context';
import type { ResolvedHook } from '../graphql/slow-resolvers';
import { makeFormatError } from '../graphql/errors';
import type { Viewer } from '../modules/access';
import { documentDepth, operationCost, selectOperation } from './cost';
import { InputLiteralsRule, screenQueryText, screenVariables } from './input-screen';
import type { Metrics } from './observability';
import type { RateLimiter } from './rate-limit';

/** A door of the service. */
export type Transport = 'http' | 'ws' | 'sse';

/** What the gate enforces (config.limits and the production switches). */
export interface GateOptions {
  maxDepth: number;
  maxComplexity: number;
  production: boolean;
  /** Schema introspection (`__schema`, `__type`) allowed. */
  introspection: boolean;
  /** "Did you mean …?" hints in validation messages. */
  suggestions: boolean;
  /** Resolver calls at least this long count as slow (lq_slow_resolvers_total). */
  slowResolverMs: number;
}

/** A request as it arrives on a wire: nothing is trusted. */
export interface OperationRequest {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
}

/** Arguments ready for graphql-js `execute`/`subscribe` once a door adds `contextValue`. */
export interface PreparedArgs {
  schema: GraphQLSchema;
  document: DocumentNode;
  operationName: string | undefined;
  variableValues: Record<string, unknown>;
  /** query, mutation or subscription. */
  operation: 'query' | 'mutation' | 'subscription';
  cost: number;
}

/** One line of the operations log. */
export interface OperationRecord {
  transport: Transport;
  type: string;
  operationName: string | null;
  viewer?: Viewer;
  ms: number;
  codes: string[];
  requestId?: string;
  status?: number;
}

/** Documents kept parsed and validated; least recently added go first. */
const DOCUMENTS_KEPT = 256;
/** Longest query text a socket may send; HTTP bodies are bounded by MAX_BODY_BYTES before this. */
const MAX_QUERY_CHARS = 100_000;
/** Tokens the parser reads at most (Apollo's parseOptions too): a batch of 1,000 inline activities is about 15,000. */
export const MAX_TOKENS = 50_000;

const userError = (message: string, extensions: Record<string, unknown>, nodes?: GraphQLError['nodes']) =>
  new GraphQLError(message, { nodes, extensions: { code: 'BAD_USER_INPUT', ...extensions, http: { status: 400 } } });

/** Dependencies of the gate. */
export interface GateDeps {
  schema: GraphQLSchema;
  options: GateOptions;
  rateLimiter: RateLimiter;
  logger: Logger;
  metrics: Metrics;
}

export class ExecutionGate {
  readonly schema: GraphQLSchema;
  /** Validation rules of every door (Apollo's validationRules take the extra ones). */
  readonly extraRules: ValidationRule[];
  private readonly rules: ValidationRule[];
  private readonly documents = new Map<string, DocumentNode | GraphQLError>();
  private readonly validated = new WeakMap<DocumentNode, readonly GraphQLError[]>();
  private readonly format: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;

  /**
   * Told of each timed resolver call (graphql/slow-resolvers.ts) by the context every door builds, so slow resolvers
   * count the same over HTTP, graphql-ws and SSE.
   */
  readonly resolved: ResolvedHook;

  constructor(private readonly deps: GateDeps) {
    this.schema = deps.schema;
    const { metrics, options } = deps;
    this.resolved = (field, ms) => {
      if (ms < options.slowResolverMs) return;
      metrics.inc('lq_slow_resolvers_total', `Resolver calls slower than ${options.slowResolverMs} ms`, { field });
      metrics.inc('lq_slow_resolver_seconds_total', 'Time spent in those slow resolver calls', { field }, ms / 1000);
    };
    this.extraRules = [InputLiteralsRule, ...(deps.options.introspection ? [] : [NoSchemaIntrospectionCustomRule])];
    this.rules = [...specifiedRules, ...this.extraRules];
    const base = makeFormatError(deps.options.production, (err) => deps.logger.error({ err }, 'internal error'));
    const hints = / ?Did you mean [^?]*\?/g;
    this.format = deps.options.suggestions
      ? base
      : (formatted, error) => {
          const out = base(formatted, error);
          return out.message.includes('Did you mean') ? { ...out, message: out.message.replace(hints, '') } : out;
        };
  }

  /** The per-request rate limit: one token of the viewer's key; throws RATE_LIMITED. */
  admit(viewer: Viewer): Promise<void> {
    return this.deps.rateLimiter.take(viewer);
  }

  /** Parses a query text once (cached); a syntax error is BAD_USER_INPUT with reason GRAPHQL_PARSE_FAILED. */
  parse(query: unknown): DocumentNode {
    if (typeof query !== 'string' || query.trim() === '')
      throw userError('The request has no query text', { reason: 'GRAPHQL_PARSE_FAILED' });
    if (query.length > MAX_QUERY_CHARS)
      throw userError(`Query text longer than ${MAX_QUERY_CHARS} characters`, {
        limit: 'queryLength',
        max: MAX_QUERY_CHARS,
      });
    let document = this.documents.get(query);
    if (!document) {
      try {
        screenQueryText(query);
        document = parse(query, { maxTokens: MAX_TOKENS });
      } catch (err) {
        document = userError(err instanceof GraphQLError ? err.message : 'Syntax error', {
          reason: 'GRAPHQL_PARSE_FAILED',
        });
      }
      if (this.documents.size >= DOCUMENTS_KEPT) this.documents.delete(this.documents.keys().next().value!);
      this.documents.set(query, document);
    }
    if (document instanceof GraphQLError) throw document;
    return document;
  }

  /** Validation errors of a document (cached per document), as BAD_USER_INPUT. */
  validate(document: DocumentNode): readonly GraphQLError[] {
    let errors = this.validated.get(document);
    if (!errors) {
      errors = validate(this.schema, document, this.rules).map((e) =>
        userError(e.message, { ...e.extensions, reason: 'GRAPHQL_VALIDATION_FAILED' }, e.nodes),
      );
      this.validated.set(document, errors);
    }
    return errors;
  }

  /**
   * Depth, cost and the key's cost budget of a validated operation; throws
   * BAD_USER_INPUT naming the limit, or RATE_LIMITED. Returns the cost.
   */
  async check(
    viewer: Viewer,
    document: DocumentNode,
    operationName: string | null | undefined,
    variables: Record<string, unknown>,
  ): Promise<number> {
    const { maxDepth, maxComplexity } = this.deps.options;
    const bad = screenVariables(variables);
    if (bad) throw bad;
    const depth = documentDepth(document);
    if (depth > maxDepth) throw limitError('depth', maxDepth, depth);
    const cost = operationCost(this.schema, document, operationName, variables);
    if (cost === null) return 0; // variables that do not coerce: reported as BAD_USER_INPUT before anything runs
    if (cost > maxComplexity) throw limitError('complexity', maxComplexity, cost);
    await this.deps.rateLimiter.spend(viewer, cost);
    return cost;
  }

  /** Everything before execution for doors that run graphql-js themselves (see the file's TSDoc). */
  async prepare(
    request: OperationRequest,
    viewer: Viewer,
    transport: Transport,
  ): Promise<{ args: PreparedArgs } | { errors: GraphQLError[] }> {
    try {
      if (typeof request !== 'object' || request === null)
        throw userError('The request must be an object with a query', { reason: 'BAD_REQUEST' });
      const document = this.parse(request.query);
      const invalid = this.validate(document);
      if (invalid.length > 0) return { errors: [...invalid] };
      const { operationName, variables } = request;
      if (operationName != null && typeof operationName !== 'string')
        throw userError('operationName must be a string', { reason: 'BAD_REQUEST' });
      if (variables != null && (typeof variables !== 'object' || Array.isArray(variables)))
        throw userError('variables must be an object', { reason: 'BAD_REQUEST' });
      const operation = selectOperation(document, operationName);
      if (!operation)
        throw userError(
          operationName
            ? `Unknown operation named "${operationName}"`
            : 'Must provide operationName when the document has several operations',
          { reason: 'OPERATION_RESOLUTION_FAILURE' },
        );
      const variableValues = (variables ?? {}) as Record<string, unknown>;
      const bad = screenVariables(variableValues);
      if (bad) throw bad;
      const coerced = getVariableValues(this.schema, operation.variableDefinitions ?? [], variableValues, {
        maxErrors: 10,
      });
      if (coerced.errors)
        return { errors: coerced.errors.map((e) => userError(e.message, { reason: 'BAD_VARIABLES' }, e.nodes)) };
      const cost = await this.check(viewer, document, operationName as string | undefined, variableValues);
      return {
        args: {
          schema: this.schema,
          document,
          operationName: (operationName as string | null) ?? undefined,
          variableValues,
          operation: operation.operation,
          cost,
        },
      };
    } catch (err) {
      if (err instanceof GraphQLError) return { errors: [err] };
      this.deps.logger.error({ err, transport }, 'preparing an operation failed');
      return {
        errors: [
          new GraphQLError('Internal server error', {
            originalError: err instanceof Error ? err : new Error(String(err)),
          }),
        ],
      };
    }
  }

  /** The one formatError (Apollo's `formatError` signature). */
  readonly formatError = (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError =>
    this.format(formatted, error);

  /** Formats GraphQLErrors the way formatError does, for doors that send them themselves. */
  formatErrors(errors: readonly GraphQLError[]): GraphQLFormattedError[] {
    return errors.map((e) => this.format(e.toJSON(), e));
  }

  /** A result with its errors formatted. */
  readonly formatResult = (result: ExecutionResult): FormattedExecutionResult => ({
    ...result,
    errors: result.errors && this.formatErrors(result.errors),
  });

  /** One structured log line and counters per operation, whatever the door. */
  record(entry: OperationRecord): void {
    const { metrics, logger } = this.deps;
    metrics.inc('lq_graphql_requests_total', 'GraphQL operations by type', { type: entry.type });
    metrics.inc('lq_graphql_transport_requests_total', 'GraphQL operations by transport', {
      transport: entry.transport,
    });
    metrics.inc('lq_graphql_request_seconds_total', 'Time spent answering GraphQL operations', {}, entry.ms / 1000);
    for (const code of entry.codes)
      metrics.inc('lq_graphql_errors_total', 'GraphQL errors by extensions.code', { code });
    logger.info(
      {
        transport: entry.transport,
        requestId: entry.requestId,
        operationName: entry.operationName,
        key: entry.viewer?.name,
        durationMs: Math.round(entry.ms * 10) / 10,
        ...(entry.status ? { status: entry.status } : {}),
        ...(entry.codes.length ? { errors: entry.codes } : {}),
      },
      'graphql',
    );
  }

  /** The same checks inside Apollo: subscriptions belong on a socket, then depth, cost and budget. */
  apolloPlugin(): ApolloServerPlugin<Context> {
    return {
      requestDidStart: async () => ({
        didResolveOperation: async ({ document, request, operationName, operation, contextValue }) => {
          if (operation?.operation === 'subscription') {
            throw new GraphQLError('Subscriptions run over WebSocket (graphql-ws) on this same path, not over HTTP', {
              extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
            });
          }
          await this.check(contextValue.viewer, document, operationName, request.variables ?? {});
        },
      }),
    };
  }
}

function limitError(limit: string, max: number, actual: number): GraphQLError {
  return new GraphQLError(`Query ${limit} ${actual} exceeds the limit of ${max}`, {
    extensions: { code: 'BAD_USER_INPUT', limit, max, actual, http: { status: 400 } },
  });
}
