/**
 * One Node http server: Apollo Server on POST/GET /graphql, graphql-ws on the same path, SSE on
 * /graphql/stream, /healthz and /readyz. Each concern has its file beside this one: routes.ts (routing,
 * CORS), graphql-http.ts (body limits, Apollo per request), apollo.ts, ws-transport.ts (graphql-ws and its
 * shared execution), key-recheck.ts, http-drain.ts (shutdown of HTTP); this file wires them and owns stop().
 */
import { createServer, type Server } from 'node:http';
import type { GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import type { Config } from '../config/config';
import type { Services } from '../graphql/context';
import type { Metrics } from './observability';
import { ExecutionGate } from './execution';
import { MetricsEndpoint } from './metrics-endpoint';
import type { RateLimiter } from './rate-limit';
import { createSseDoor } from './sse';
import { startApollo } from './apollo';
import { graphqlHttpHandler } from './graphql-http';
import { HttpDrain } from './http-drain';
import { KeyRecheck } from './key-recheck';
import { routes } from './routes';
import { startWsTransport } from './ws-transport';

/** What the server needs from the outside. */
export interface ServerDeps {
  config: Config;
  schema: GraphQLSchema;
  services: Services;
  logger: Logger;
  /** True when the database answers (for /readyz). */
  ready: () => Promise<boolean>;
  metrics: Metrics;
  rateLimiter: RateLimiter;
  /** Prometheus gauges read at scrape time. */
  gauges: () => Promise<{ name: string; help: string; value: number; labels?: Record<string, string> }[]>;
  /** Exposes the per-request SQL statement count as the `x-sql-statements` header (tests). */
  exposeSqlCount?: boolean;
}

/** A running server. */
export interface RunningServer {
  httpServer: Server;
  port: number;
  /** The port of /metrics when METRICS_PORT is set (0 there picks a free one). */
  metricsPort: number | null;
  /** Stops accepting, finishes in-flight requests, then closes WebSockets with a close frame (1001). */
  stop(): Promise<void>;
}

/** How long shutdown waits for in-flight requests, then for WebSocket close handshakes, before cutting connections. */
const SHUTDOWN_GRACE_MS = 10_000;

/** Starts the server on config.port (0 picks a free port). */
export async function startServer(deps: ServerDeps): Promise<RunningServer> {
  const { config, schema, services, logger, metrics } = deps;
  const httpServer = createServer();
  // Longer than load balancers' idle timeouts (often 60 s), so a pooled connection is never closed under a client's
  // request.
  httpServer.keepAliveTimeout = 65_000;
  httpServer.headersTimeout = 66_000;
  const gate = new ExecutionGate({
    schema,
    options: {
      maxDepth: config.limits.maxDepth,
      maxComplexity: config.limits.maxComplexity,
      production: config.production,
      introspection: config.guards.introspection,
      suggestions: config.guards.suggestions,
      slowResolverMs: config.guards.slowResolverMs,
    },
    rateLimiter: deps.rateLimiter,
    logger,
    metrics,
  });
  // GraphQL over Server-Sent Events on /graphql/stream, through the same gate (src/server/sse.ts).
  const sse = createSseDoor({ gate, services, logger, maxBodyBytes: config.limits.maxBodyBytes });
  const keys = new KeyRecheck(services, sse, logger, config.keyRecheckMs);
  const ws = startWsTransport({ httpServer, config, schema, services, gate, keys, logger, metrics });
  const apollo = await startApollo(schema, gate, config);
  const graphql = graphqlHttpHandler({
    apollo,
    gate,
    services,
    maxBodyBytes: config.limits.maxBodyBytes,
    exposeSqlCount: deps.exposeSqlCount,
  });
  const metricsEndpoint = new MetricsEndpoint({
    guards: config.guards,
    production: config.production,
    render: async () => metrics.render(await deps.gauges()),
    logger,
  });
  // The drain counts each request before a route answers it (it may add `connection: close`).
  const drain = new HttpDrain(httpServer);
  httpServer.on('request', routes({ config, logger, ready: deps.ready, graphql, sse, metricsEndpoint }));
  const metricsPort = await metricsEndpoint.start();
  await new Promise<void>((resolve) => httpServer.listen(config.port, resolve));
  const address = httpServer.address();
  const port = typeof address === 'object' && address ? address.port : config.port;

  async function stop(): Promise<void> {
    keys.stop();
    // SSE streams never finish by themselves: end them now; EventSource clients reconnect (elsewhere) with
    // Last-Event-ID.
    sse.closeAll();
    // Refuse new connections at once; the callback runs when every connection, WebSockets included, has closed.
    const allClosed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
    const deadline = setTimeout(() => drain.destroyAll(), SHUTDOWN_GRACE_MS);
    await drain.drain();
    // Only now the close frames: 1001 (going away), which graphql-ws clients retry, reaching another instance.
    await ws.dispose();
    await allClosed;
    clearTimeout(deadline);
    await apollo.stop();
    await metricsEndpoint.stop();
  }
  return { httpServer, port, metricsPort, stop };
}
