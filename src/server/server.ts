/**
 * One Node http server: Apollo Server on POST/GET /graphql, graphql-ws on the
 * same path, /healthz and /readyz. Owns drain and shutdown.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { type ExecutionResult, GraphQLError, type GraphQLSchema } from 'graphql';
import { type WebSocket, WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import cors from 'cors';
import type { Logger } from 'pino';
import type { Config } from '../config/config';
import { type Context, type Services, createContext } from '../graphql/context';
import { requestStats } from '../db/sql-counter';
import { viewerFromConnectionParams, viewerFromHeader } from './auth';
import { Explorer } from './explorer/explorer';
import { type Metrics, observabilityPlugin } from './observability';
import { ExecutionGate, MAX_TOKENS } from './execution';
import { screenQueryText } from './input-screen';
import { BodyTooLarge, readBody, sendJson } from './http-util';
import { MetricsEndpoint } from './metrics-endpoint';
import type { RateLimiter } from './rate-limit';
import type { Viewer } from '../modules/access';
import { SerialisedResults, sharedSubscribe, SubscriptionOverflow, resumeCursor } from '../modules/realtime';
import { consoleHandler } from './console';
import { createSseDoor } from './sse';

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

/**
 * Estimated bytes of one subscription event on the wire. The live broadcast bounds a subscriber by its socket's
 * unsent bytes rather than a queue of events: subscriptionQueueLimit events of this size.
 */
const EVENT_BYTES_ESTIMATE = 1024;

/** How long a subscriber over its bound is given to drain (a burst is written before any socket sends) before 4429. */
const SUBSCRIBER_DRAIN_WAIT_MS = 2000;

/** Starts the server on config.port (0 picks a free port). */
export async function startServer(deps: ServerDeps): Promise<RunningServer> {
  const { config, schema, services, logger } = deps;
  const httpServer = createServer();
  // Longer than load balancers' idle timeouts (often 60 s), so a pooled connection is never closed under a client's
  // request.
  httpServer.keepAliveTimeout = 65_000;
  httpServer.headersTimeout = 66_000;
  // A message larger than an HTTP body may be is refused by ws itself (close 1009) before it is read into memory.
  const wsServer = new WebSocketServer({
    server: httpServer,
    path: '/graphql',
    maxPayload: config.limits.maxBodyBytes,
  });
  const { guards } = config;
  const gate = new ExecutionGate({
    schema,
    options: {
      maxDepth: config.limits.maxDepth,
      maxComplexity: config.limits.maxComplexity,
      production: config.production,
      introspection: guards.introspection,
      suggestions: guards.suggestions,
    },
    rateLimiter: deps.rateLimiter,
    logger,
    metrics: deps.metrics,
  });
  const formatErrors = (errors: readonly GraphQLError[]) => gate.formatErrors(errors);
  // GraphQL over Server-Sent Events on /graphql/stream, through the same gate (src/server/sse.ts).
  const sse = createSseDoor({ gate, services, logger, maxBodyBytes: config.limits.maxBodyBytes });
  // Revoked keys are dropped: one timer re-checks each distinct key of the open sockets (not one query per socket).
  const socketsByKey = new Map<string, Set<WebSocket>>();
  const keyRecheck = setInterval(() => {
    sse.recheck((keyId) => services.access.isActive(keyId));
    for (const [keyId, sockets] of socketsByKey) {
      services.access.isActive(keyId).then(
        (active) => active || [...sockets].forEach((socket) => socket.close(4403, 'API key revoked')),
        (err) => logger.warn({ err }, 'key re-check failed'),
      );
    }
  }, config.keyRecheckMs);
  keyRecheck.unref();
  const serialised = new SerialisedResults();
  // When each graphql-ws operation passed the gate, for its log line: per connection (ids are unique per socket only).
  const wsStarted = new WeakMap<object, Map<string, { started: number; operation: string }>>();
  const startedOn = (ctx: object) => {
    let map = wsStarted.get(ctx);
    if (!map) wsStarted.set(ctx, (map = new Map()));
    return map;
  };
  // Same error shapes as over HTTP: extensions.code, no internals in production.
  const formatResult = gate.formatResult;
  // A consumer too slow for its bound: close the connection (its socket buffers are full too); it resumes by cursor.
  const closeTooSlow = (socket: WebSocket, cursor: string) => {
    deps.metrics.inc(
      'lq_subscribers_too_slow_total',
      'Subscriber connections closed with 4429 (still over their bound after a drain attempt)',
    );
    socket.close(4429, `Too slow; resume with after=${cursor}`.slice(0, 123));
  };
  // Which socket and graphql-ws subscription id a subscription's context belongs to, for the live broadcast.
  const targets = new WeakMap<object, { socket: WebSocket; id: string }>();
  // Frames written while an event fans out leave together, once the fan-out is done (next check phase), the way a
  // broadcast loop writes them; this cut the CPU per delivery by about 40 % (bench/subscriptions, docs/benchmarks.md).
  const corked = new Set<Socket>();
  const rawSockets = new WeakMap<WebSocket, Socket>();
  const uncorkAll = () => {
    const sockets = [...corked];
    corked.clear();
    for (const raw of sockets) raw.uncork();
  };
  // Every message leaves through here, so a shared result's JSON, made once per event, goes into each subscriber's
  // frame.
  wsServer.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    const raw = request.socket;
    rawSockets.set(socket, raw);
    const send = socket.send.bind(socket) as (data: unknown, ...rest: unknown[]) => void;
    socket.send = ((data: unknown, ...rest: unknown[]) => {
      if (!corked.has(raw)) {
        if (corked.size === 0) setImmediate(uncorkAll);
        raw.cork();
        corked.add(raw);
      }
      send(typeof data === 'string' ? serialised.expand(data) : data, ...rest);
    }) as WebSocket['send'];
  });
  const wsCleanup = useServer<Record<string, unknown>, { viewer?: Viewer }>(
    {
      schema,
      subscribe: sharedSubscribe(serialised, {
        target: (context) => targets.get(context),
        format: formatResult,
        maxBufferedBytes: config.subscriptionQueueLimit * EVENT_BYTES_ESTIMATE,
        drainWaitMs: SUBSCRIBER_DRAIN_WAIT_MS,
        flush: (socket) => {
          const raw = rawSockets.get(socket);
          if (raw && corked.delete(raw)) raw.uncork();
        },
        tooSlow: closeTooSlow,
        failed: (err) => logger.error({ err }, 'subscription broadcast failed'),
      }),
      jsonMessageReplacer: serialised.replacer,
      onConnect: async (ctx) => {
        const { viewer, reason } = await viewerFromConnectionParams(services.access, ctx.connectionParams);
        if (!viewer) {
          ctx.extra.socket.close(4401, reason);
          return false;
        }
        ctx.extra.viewer = viewer;
        const socket = ctx.extra.socket;
        let sockets = socketsByKey.get(viewer.keyId);
        if (!sockets) socketsByKey.set(viewer.keyId, (sockets = new Set()));
        sockets.add(socket);
        socket.once('close', () => {
          sockets.delete(socket);
          if (sockets.size === 0 && socketsByKey.get(viewer.keyId) === sockets) socketsByKey.delete(viewer.keyId);
        });
        return true;
      },
      // The gate's parse, validation, limits and budget, as over HTTP; graphql-ws runs what it returns.
      onSubscribe: async (ctx, id, payload) => {
        const viewer = ctx.extra.viewer!;
        const started = performance.now();
        const refuse = (errors: GraphQLError[]) => {
          gate.record({
            transport: 'ws',
            type: 'invalid',
            operationName: payload.operationName ?? null,
            viewer,
            ms: performance.now() - started,
            codes: formatErrors(errors).map((e) => String(e.extensions?.code)),
          });
          return errors;
        };
        // graphql-ws registers the operation before this hook: the count includes it.
        const running = Object.keys(ctx.subscriptions).length;
        if (running > guards.wsMaxOperations) {
          return refuse([
            new GraphQLError(`At most ${guards.wsMaxOperations} operations may run at once on one socket`, {
              extensions: { code: 'BAD_USER_INPUT', limit: 'operationsPerSocket', max: guards.wsMaxOperations },
            }),
          ]);
        }
        try {
          await gate.admit(viewer);
        } catch (err) {
          return refuse([err as GraphQLError]);
        }
        const prepared = await gate.prepare(payload, viewer, 'ws');
        if ('errors' in prepared) return refuse(prepared.errors);
        const { operation, cost: _cost, ...args } = prepared.args;
        startedOn(ctx).set(id, { started, operation });
        return args;
      },
      onOperation: (ctx, id, payload, _args, result) => {
        const start = startedOn(ctx).get(id);
        startedOn(ctx).delete(id);
        const errors = Symbol.asyncIterator in result ? undefined : (result as ExecutionResult).errors;
        const codes = errors ? formatErrors(errors).map((e) => String(e.extensions?.code)) : [];
        gate.record({
          transport: 'ws',
          type: start?.operation ?? 'invalid',
          operationName: payload.operationName ?? null,
          viewer: ctx.extra.viewer,
          ms: start ? performance.now() - start.started : 0,
          codes,
        });
        return undefined;
      },
      context: (ctx, id, payload) => {
        const context = createContext(ctx.extra.viewer!, services);
        // Resume state the client sent in connectionParams (src/client/resumable-ws.ts): graphql-ws re-sends `after`
        // unchanged.
        context.resumeAfter = resumeCursor(ctx.connectionParams, payload);
        targets.set(context, { socket: ctx.extra.socket, id });
        return context;
      },
      onNext: (_ctx, _id, _payload, _args, result) => (result.errors ? formatResult(result) : undefined),
      onError: (ctx, _id, _payload, errors) => {
        const overflow = errors.map((e) => e.originalError).find((e) => e instanceof SubscriptionOverflow);
        if (overflow) closeTooSlow(ctx.extra.socket, overflow.cursor);
        return formatErrors(errors);
      },
    },
    wsServer,
  );

  const apollo = new ApolloServer<Context>({
    schema,
    // Every call carries Authorization, a header no browser sends cross-site without a CORS preflight:
    // counting it as the preflight marker lets urql's GET queries through (docs/ui.md).
    csrfPrevention: { requestHeaders: ['authorization', 'x-apollo-operation-name', 'apollo-require-preflight'] },
    introspection: guards.introspection,
    hideSchemaDetailsFromClientErrors: !guards.suggestions,
    validationRules: gate.extraRules,
    parseOptions: { maxTokens: MAX_TOKENS },
    includeStacktraceInErrorResponses: !config.production,
    formatError: gate.formatError,
    // main.ts owns SIGTERM/SIGINT: Apollo's own handler would re-raise the signal and cut the shutdown short.
    stopOnTerminationSignals: false,
    plugins: [
      gate.apolloPlugin(),
      observabilityPlugin((entry) => gate.record(entry), deps.metrics),
      // Browsers get the bundled explorer instead (explorer/explorer.ts): Apollo's landing page loads from a CDN.
      ApolloServerPluginLandingPageDisabled(),
    ],
  });
  await apollo.start();

  // The API explorer for browsers, outside production only.
  const explorer = config.production ? null : new Explorer();

  const corsMiddleware = cors({
    origin: config.corsOrigins.includes('*') ? true : config.corsOrigins,
    credentials: false,
    allowedHeaders: [
      'content-type',
      'authorization',
      'apollo-require-preflight',
      'x-apollo-operation-name',
      'last-event-id',
    ],
    maxAge: 600,
  });

  async function handleGraphql(req: IncomingMessage, res: ServerResponse, url: URL, requestId: string): Promise<void> {
    const headers = new HeaderMap();
    for (const [k, v] of Object.entries(req.headers))
      if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
    // Once an AsyncLocalStorage is entered, every promise in the process runs async_hooks: only when the count is
    // wanted.
    const stats = deps.exposeSqlCount ? { sqlStatements: 0 } : null;
    // The key is looked up as soon as the headers are in, while the body streams in and is parsed (a batch of
    // activities is tens of KiB); its answer is awaited only by the context, so a bad body still gets its 400/413.
    const authenticate = () => viewerFromHeader(services.access, req.headers.authorization);
    const viewer = stats ? requestStats.run(stats, authenticate) : authenticate();
    viewer.catch(() => undefined);
    let body: unknown = undefined;
    if (req.method === 'POST') {
      let raw: string;
      try {
        raw = await readBody(req, config.limits.maxBodyBytes);
      } catch (err) {
        if (err instanceof BodyTooLarge) {
          return sendJson(
            res,
            413,
            {
              errors: [
                {
                  message: `Request body larger than ${config.limits.maxBodyBytes} bytes`,
                  extensions: { code: 'BAD_USER_INPUT', limit: config.limits.maxBodyBytes },
                },
              ],
            },
            { connection: 'close' },
          );
        }
        throw err;
      }
      const type = headers.get('content-type') ?? '';
      if (type.includes('application/json')) {
        try {
          body = raw === '' ? {} : JSON.parse(raw);
        } catch {
          return sendJson(res, 400, {
            errors: [{ message: 'Request body is not valid JSON', extensions: { code: 'BAD_USER_INPUT' } }],
          });
        }
      } else body = raw;
    }
    // The query text's nesting is measured before Apollo's (recursive) parser sees it.
    const text =
      typeof (body as { query?: unknown } | undefined)?.query === 'string'
        ? (body as { query: string }).query
        : url.searchParams.get('query');
    if (text) {
      try {
        screenQueryText(text);
      } catch (err) {
        return sendJson(res, 400, { errors: gate.formatErrors([err as GraphQLError]) });
      }
    }
    const respond = async () => {
      const result = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
        context: async () => {
          const v = await viewer;
          await gate.admit(v);
          return createContext(v, services, requestId);
        },
      });
      for (const [k, v] of result.headers) res.setHeader(k, v);
      if (stats) res.setHeader('x-sql-statements', String(stats.sqlStatements));
      res.statusCode = result.status ?? 200;
      if (result.body.kind === 'complete') res.end(result.body.string);
      else {
        for await (const chunk of result.body.asyncIterator) res.write(chunk);
        res.end();
      }
    };
    await (stats ? requestStats.run(stats, respond) : respond());
  }

  // Every open connection (cut when shutdown overruns its grace), and the requests in flight per HTTP connection,
  // so shutdown ends each keep-alive connection after its last response. Upgraded connections leave the map:
  // they are WebSockets, closed with a close frame once HTTP has drained.
  const connections = new Set<Socket>();
  const requestsPerSocket = new Map<Socket, number>();
  let draining = false;
  let inFlight = 0;
  let drained: (() => void) | null = null;
  httpServer.on('connection', (socket: Socket) => {
    connections.add(socket);
    requestsPerSocket.set(socket, 0);
    socket.once('close', () => {
      connections.delete(socket);
      requestsPerSocket.delete(socket);
    });
  });
  httpServer.on('upgrade', (req: IncomingMessage) => {
    requestsPerSocket.delete(req.socket);
    // A keep-alive connection may still ask for an upgrade while HTTP drains: no new WebSockets then.
    if (draining) req.socket.destroy();
  });
  httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    requestsPerSocket.set(socket, (requestsPerSocket.get(socket) ?? 0) + 1);
    inFlight++;
    if (draining) res.setHeader('connection', 'close');
    // 'close' also fires when the client goes away mid-response, so an aborted request never holds shutdown.
    res.once('close', () => {
      const left = (requestsPerSocket.get(socket) ?? 1) - 1;
      requestsPerSocket.set(socket, left);
      if (draining && left === 0) socket.end();
      if (--inFlight === 0) drained?.();
    });
  });

  const serveConsole = consoleHandler();
  httpServer.on('request', (req, res) => {
    const requestId = (req.headers['x-request-id'] as string) || randomUUID();
    res.setHeader('x-request-id', requestId);
    corsMiddleware(req, res, async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      try {
        if (url.pathname === '/healthz') return sendJson(res, 200, { status: 'ok' });
        if (url.pathname === '/readyz') {
          const ok = await deps.ready();
          return sendJson(res, ok ? 200 : 503, { status: ok ? 'ready' : 'database unavailable' });
        }
        if (explorer?.handles(req, url)) return await explorer.serve(req, res, url);
        if (url.pathname === '/graphql') return await handleGraphql(req, res, url, requestId);
        if (url.pathname === '/graphql/stream') return await sse.handle(req, res, url, requestId);
        if (url.pathname === '/metrics') return await metricsEndpoint.serve(req, res, 'api');
        if (serveConsole(req, res, url.pathname)) return;
        sendJson(res, 404, { error: 'not found' });
      } catch (err) {
        logger.error({ err, requestId }, 'request failed');
        if (!res.headersSent)
          sendJson(res, 500, {
            errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
          });
        else res.end();
      }
    });
  });

  const metricsEndpoint = new MetricsEndpoint({
    guards,
    production: config.production,
    render: async () => deps.metrics.render(await deps.gauges()),
    logger,
  });
  const metricsPort = await metricsEndpoint.start();

  await new Promise<void>((resolve) => httpServer.listen(config.port, resolve));
  const address = httpServer.address();
  const port = typeof address === 'object' && address ? address.port : config.port;

  return {
    httpServer,
    port,
    metricsPort,
    async stop() {
      draining = true;
      clearInterval(keyRecheck);
      // SSE streams never finish by themselves: end them now; EventSource clients reconnect (elsewhere) with
      // Last-Event-ID.
      sse.closeAll();
      // Refuse new connections at once; the callback runs when every connection, WebSockets included, has closed.
      const allClosed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      const deadline = setTimeout(() => connections.forEach((socket) => socket.destroy()), SHUTDOWN_GRACE_MS);
      for (const [socket, requests] of requestsPerSocket) if (requests === 0) socket.end();
      if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
      // Only now the close frames: 1001 (going away), which graphql-ws clients retry, reaching another instance.
      await wsCleanup.dispose();
      await allClosed;
      clearTimeout(deadline);
      await apollo.stop();
      await metricsEndpoint.stop();
    },
  };
}
