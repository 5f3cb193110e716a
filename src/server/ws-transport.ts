/**
 * graphql-ws on /graphql: the same gate as HTTP (auth, parse, validation, limits, budget, error format,
 * logging), one shared execution per event for equal subscriptions (shared-execution.ts), corked writes
 * (ws-corking.ts), and 4429 for a subscriber too slow for its bound.
 */
import type { Server } from 'node:http';
import { type ExecutionResult, GraphQLError, type GraphQLSchema } from 'graphql';
import { type WebSocket, WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import type { Disposable, Context as WsContext, SubscribePayload } from 'graphql-ws';
import type { Logger } from 'pino';
import type { Config } from '../config/config';
import { type Services, createContext } from '../graphql/context';
import type { Viewer } from '../modules/access';
import { SubscriptionOverflow, resumeCursor } from '../modules/realtime';
import { viewerFromConnectionParams } from './auth';
import type { ExecutionGate } from './execution';
import type { Metrics } from './observability';
import type { KeyRecheck } from './key-recheck';
import { SerialisedResults, sharedSubscribe } from './shared-execution';
import { SocketCorking } from './ws-corking';

/**
 * Estimated bytes of one subscription event on the wire. The live broadcast bounds a subscriber by its socket's
 * unsent bytes rather than a queue of events: subscriptionQueueLimit events of this size.
 */
const EVENT_BYTES_ESTIMATE = 1024;

/** How long a subscriber over its bound is given to drain (a burst is written before any socket sends) before 4429. */
const SUBSCRIBER_DRAIN_WAIT_MS = 2000;

/** What the WebSocket transport needs. */
export interface WsTransportDeps {
  httpServer: Server;
  config: Config;
  schema: GraphQLSchema;
  services: Services;
  gate: ExecutionGate;
  keys: KeyRecheck;
  logger: Logger;
  metrics: Metrics;
}

type Extra = { viewer?: Viewer };
type Ctx = WsContext<Record<string, unknown>, Extra & { socket: WebSocket }>;

/** When each operation passed the gate, for its log line: per connection (ids are unique per socket only). */
class OperationStarts {
  private readonly byConnection = new WeakMap<object, Map<string, { started: number; operation: string }>>();

  of(ctx: object): Map<string, { started: number; operation: string }> {
    let map = this.byConnection.get(ctx);
    if (!map) this.byConnection.set(ctx, (map = new Map()));
    return map;
  }
}

/** Serves graphql-ws on the HTTP server's /graphql; `dispose` closes every socket with 1001. */
export function startWsTransport(deps: WsTransportDeps): Disposable {
  const { config, services, gate } = deps;
  // A message larger than an HTTP body may be is refused by ws itself (close 1009) before it is read into memory.
  const wsServer = new WebSocketServer({
    server: deps.httpServer,
    path: '/graphql',
    maxPayload: config.limits.maxBodyBytes,
  });
  const serialised = new SerialisedResults();
  const corking = new SocketCorking(wsServer, serialised);
  const starts = new OperationStarts();
  // Which socket and graphql-ws subscription id a subscription's context belongs to, for the live broadcast.
  const targets = new WeakMap<object, { socket: WebSocket; id: string }>();
  const closeTooSlow = tooSlowCloser(deps.metrics);
  return useServer<Record<string, unknown>, Extra>(
    {
      schema: deps.schema,
      subscribe: sharedSubscribe(serialised, {
        target: (context) => targets.get(context),
        format: gate.formatResult,
        maxBufferedBytes: config.subscriptionQueueLimit * EVENT_BYTES_ESTIMATE,
        drainWaitMs: SUBSCRIBER_DRAIN_WAIT_MS,
        flush: corking.flush,
        tooSlow: closeTooSlow,
        failed: (err) => deps.logger.error({ err }, 'subscription broadcast failed'),
      }),
      jsonMessageReplacer: serialised.replacer,
      onConnect: async (ctx) => {
        const { viewer, reason } = await viewerFromConnectionParams(services.access, ctx.connectionParams);
        if (!viewer) {
          ctx.extra.socket.close(4401, reason);
          return false;
        }
        ctx.extra.viewer = viewer;
        deps.keys.track(viewer.keyId, ctx.extra.socket);
        return true;
      },
      onSubscribe: admitOperation(gate, config.guards.wsMaxOperations, starts),
      onOperation: (ctx, id, payload, _args, result) => {
        recordOperation(gate, starts, ctx, id, payload, result);
        return undefined;
      },
      context: (ctx, id, payload) => {
        const context = createContext(ctx.extra.viewer!, services, undefined, gate.resolved);
        // Resume state the client sent in connectionParams (src/client/resumable-ws.ts): graphql-ws re-sends `after`
        // unchanged.
        context.resumeAfter = resumeCursor(ctx.connectionParams, payload);
        targets.set(context, { socket: ctx.extra.socket, id });
        return context;
      },
      onNext: (_ctx, _id, _payload, _args, result) => (result.errors ? gate.formatResult(result) : undefined),
      onError: (ctx, _id, _payload, errors) => {
        const overflow = errors.map((e) => e.originalError).find((e) => e instanceof SubscriptionOverflow);
        if (overflow) closeTooSlow(ctx.extra.socket, overflow.cursor);
        return gate.formatErrors(errors);
      },
    },
    wsServer,
  );
}

/** A consumer too slow for its bound: close the connection (its socket buffers are full too); it resumes by cursor. */
function tooSlowCloser(metrics: Metrics) {
  return (socket: WebSocket, cursor: string) => {
    metrics.inc(
      'lq_subscribers_too_slow_total',
      'Subscriber connections closed with 4429 (still over their bound after a drain attempt)',
    );
    socket.close(4429, `Too slow; resume with after=${cursor}`.slice(0, 123));
  };
}

/** The gate's parse, validation, limits and budget, as over HTTP; graphql-ws runs what it returns. */
function admitOperation(gate: ExecutionGate, maxOperations: number, starts: OperationStarts) {
  return async (ctx: Ctx, id: string, payload: SubscribePayload) => {
    const viewer = ctx.extra.viewer!;
    const started = performance.now();
    const refuse = (errors: GraphQLError[]) => {
      gate.record({
        transport: 'ws',
        type: 'invalid',
        operationName: payload.operationName ?? null,
        viewer,
        ms: performance.now() - started,
        codes: gate.formatErrors(errors).map((e) => String(e.extensions?.code)),
      });
      return errors;
    };
    // graphql-ws registers the operation before this hook: the count includes it.
    const running = Object.keys(ctx.subscriptions).length;
    if (running > maxOperations) {
      return refuse([
        new GraphQLError(`At most ${maxOperations} operations may run at once on one socket`, {
          extensions: { code: 'BAD_USER_INPUT', limit: 'operationsPerSocket', max: maxOperations },
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
    starts.of(ctx).set(id, { started, operation });
    return args;
  };
}

/** The operation's log line and metrics, once graphql-ws has its result. */
function recordOperation(
  gate: ExecutionGate,
  starts: OperationStarts,
  ctx: Ctx,
  id: string,
  payload: SubscribePayload,
  result: object,
): void {
  const start = starts.of(ctx).get(id);
  starts.of(ctx).delete(id);
  const errors = Symbol.asyncIterator in result ? undefined : (result as ExecutionResult).errors;
  const codes = errors ? gate.formatErrors(errors).map((e) => String(e.extensions?.code)) : [];
  gate.record({
    transport: 'ws',
    type: start?.operation ?? 'invalid',
    operationName: payload.operationName ?? null,
    viewer: ctx.extra.viewer,
    ms: start ? performance.now() - start.started : 0,
    codes,
  });
}
