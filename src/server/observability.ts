/**
 * Structured request logs and Prometheus metrics. The execution gate
 * (execution.ts) logs and counts each operation of every door; this Apollo
 * plugin hands it HTTP's (slow resolvers: the gate's hook in every door's context); `/metrics` renders the
 * counters plus gauges read at scrape time (subscriptions, ingestion, rescore).
 */
import type { ApolloServerPlugin, GraphQLResponse } from '@apollo/server';
import type { Context } from '../graphql/context';
import type { OperationRecord } from './execution';

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
      const labels = g.labels
        ? `{${Object.entries(g.labels)
            .map(([k, v]) => `${k}="${v}"`)
            .join(',')}}`
        : '';
      lines.push(`# HELP ${g.name} ${g.help}`, `# TYPE ${g.name} gauge`, `${g.name}${labels} ${g.value}`);
    }
    return lines.join('\n') + '\n';
  }
}

/**
 * The codes clients receive. The raw errors Apollo hands plugins carry a
 * DomainError's code only on their originalError (formatError moves it into
 * extensions), so the formatted body is what gets counted.
 */
export function formattedCodes(body: GraphQLResponse['body']): string[] {
  const errors = body.kind === 'single' ? body.singleResult.errors : body.initialResult.errors;
  return (errors ?? []).map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR'));
}

/** Apollo plugin: HTTP operations to the gate's log (`record`). */
export function observabilityPlugin(record: (entry: OperationRecord) => void): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ request, contextValue }) {
      const started = performance.now();
      return {
        async willSendResponse({ response, operationName, operation }) {
          record({
            transport: 'http',
            type: operation?.operation ?? 'invalid',
            operationName: operationName ?? request.operationName ?? null,
            viewer: contextValue?.viewer,
            requestId: contextValue?.requestId,
            ms: performance.now() - started,
            status: response.http.status ?? 200,
            codes: formattedCodes(response.body),
          });
        },
      };
    },
  };
}
