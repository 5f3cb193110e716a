/**
 * Structured request logs and Prometheus metrics. One Apollo plugin logs each
 * operation (request id, operation name, key name, duration, error codes) and
 * counts requests, errors by code and slow resolvers; `/metrics` renders the
 * counters plus gauges read at scrape time (subscriptions, ingestion, rescore).
 */
import type { ApolloServerPlugin, GraphQLResponse } from '@apollo/server';

type GraphQLResponseBody = GraphQLResponse['body'];
import type { Logger } from 'pino';
import type { Context } from '../graphql/context';

type Labels = Record<string, string>;

/** Minimal Prometheus registry: counters with labels, rendered in the text exposition format. */
export class Metrics {
  private readonly counters = new Map<string, { help: string; values: Map<string, number> }>();

  inc(name: string, help: string, labels: Labels = {}, by = 1): void {
    let c = this.counters.get(name);
    if (!c) this.counters.set(name, (c = { help, values: new Map() }));
    const key = Object.entries(labels)
      .map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`)
      .join(',');
    c.values.set(key, (c.values.get(key) ?? 0) + by);
  }

  /** Text exposition of the counters plus the given gauges. */
  render(gauges: { name: string; help: string; value: number; labels?: Labels }[]): string {
    const lines: string[] = [];
    for (const [name, c] of this.counters) {
      lines.push(`# HELP ${name} ${c.help}`, `# TYPE ${name} counter`);
      for (const [labels, v] of c.values) lines.push(`${name}${labels ? `{${labels}}` : ''} ${v}`);
    }
    for (const g of gauges) {
      const labels = g.labels ? `{${Object.entries(g.labels).map(([k, v]) => `${k}="${v}"`).join(',')}}` : '';
      lines.push(`# HELP ${g.name} ${g.help}`, `# TYPE ${g.name} gauge`, `${g.name}${labels} ${g.value}`);
    }
    return lines.join('\n') + '\n';
  }
}

const SLOW_RESOLVER_MS = 50;

/**
 * The codes clients receive. The raw errors Apollo hands plugins carry a
 * DomainError's code only on their originalError (formatError moves it into
 * extensions), so the formatted body is what gets counted.
 */
export function formattedCodes(body: GraphQLResponseBody): string[] {
  const errors = body.kind === 'single' ? body.singleResult.errors : body.initialResult.errors;
  return (errors ?? []).map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR'));
}

/** One finished operation, as logged and counted. */
export interface OperationEntry {
  type: string;
  ms: number;
  /** extensions.code of each error the client received. */
  codes: string[];
  requestId?: string;
  operationName: string | null;
  key?: string;
  status: number;
  /** Set for doors other than HTTP (e.g. 'sse'). */
  transport?: string;
}

/** Logs one line and counts one operation: the same for every transport. */
export function logOperation(logger: Logger, metrics: Metrics, e: OperationEntry): void {
  metrics.inc('lq_graphql_requests_total', 'GraphQL operations by type', { type: e.type });
  metrics.inc('lq_graphql_request_seconds_total', 'Time spent answering GraphQL operations', {}, e.ms / 1000);
  for (const code of e.codes) metrics.inc('lq_graphql_errors_total', 'GraphQL errors by extensions.code', { code });
  logger.info(
    {
      requestId: e.requestId,
      ...(e.transport ? { transport: e.transport } : {}),
      operationName: e.operationName,
      key: e.key,
      durationMs: Math.round(e.ms * 10) / 10,
      status: e.status,
      ...(e.codes.length ? { errors: e.codes } : {}),
    },
    'graphql',
  );
}

/** Apollo plugin: one structured log line and counters per operation; slow resolvers are counted by field. */
export function observabilityPlugin(logger: Logger, metrics: Metrics): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ request, contextValue }) {
      const started = performance.now();
      return {
        async executionDidStart() {
          return {
            willResolveField({ info }) {
              const t0 = performance.now();
              return () => {
                const ms = performance.now() - t0;
                if (ms < SLOW_RESOLVER_MS) return;
                const field = `${info.parentType.name}.${info.fieldName}`;
                metrics.inc('lq_slow_resolvers_total', `Resolver calls slower than ${SLOW_RESOLVER_MS} ms`, { field });
                metrics.inc('lq_slow_resolver_seconds_total', 'Time spent in those slow resolver calls', { field }, ms / 1000);
              };
            },
          };
        },
        async willSendResponse({ response, operationName, operation }) {
          logOperation(logger, metrics, {
            type: operation?.operation ?? 'invalid',
            ms: performance.now() - started,
            codes: formattedCodes(response.body),
            requestId: contextValue?.requestId,
            operationName: operationName ?? request.operationName ?? null,
            key: contextValue?.viewer?.name,
            status: response.http.status ?? 200,
          });
        },
      };
    },
  };
}
