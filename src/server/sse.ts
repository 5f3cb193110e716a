/**
 * GraphQL over Server-Sent Events on /graphql/stream with graphql-sse's
 * "distinct connections" mode: one HTTP response per operation. The door is
 * thin: the same bearer key (the Authorization header, or `api_key` in the
 * query string for browsers' EventSource, which cannot set headers) and
 * body size as POST /graphql, then the execution gate every door goes
 * through (execution.ts: rate limit, parse, validation, depth, cost and
 * budget, the one formatError, the log line). Each event's SSE `id` is its
 * leadPromoted cursor, and a reconnect's `Last-Event-ID` resumes after it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHandler } from 'graphql-sse';
import {
  type ExecutionArgs,
  type ExecutionResult,
  GraphQLError,
  type GraphQLFormattedError,
  createSourceEventStream,
  execute,
} from 'graphql';
import type { Logger } from 'pino';
import { type Context, type Services, createContext } from '../graphql/context';
import { viewerFromHeader } from './auth';
import type { ExecutionGate } from './execution';
import { BodyTooLarge, readBody } from './http-util';
import { promotionCursor } from '../modules/realtime';

/** What the door needs from the server. */
export interface SseDeps {
  gate: ExecutionGate;
  services: Services;
  logger: Logger;
  maxBodyBytes: number;
}

/**
 * The SSE door: `handle` serves one request; `closeAll` ends every open stream (shutdown: clients reconnect elsewhere).
 */
export interface SseDoor {
  handle(req: IncomingMessage, res: ServerResponse, url: URL, requestId: string): Promise<void>;
  closeAll(): void;
  /** Ends the streams of API keys for which `active` says false (revoked keys). */
  recheck(active: (keyId: string) => Promise<boolean>): void;
}

/**
 * Per request: the context, and the cursors of the events handed to graphql-sse, in order, waiting for their `next`
 * message.
 */
interface StreamState {
  context: Context;
  ids: string[];
  /** What the request's log line reports: the error codes sent, the operation's type once known. */
  log: { codes: string[]; type: string };
}

const EVENT_STREAM = 'text/event-stream';

/** A payload's SSE id: the cursor of a promotion (root value of leadPromoted). */
function eventId(payload: unknown): string | null {
  const t = payload as { seq?: unknown; id?: unknown } | null;
  return t && typeof t.seq === 'number' && t.id !== undefined
    ? promotionCursor(t as { seq: number; id: string })
    : null;
}

/** A graphql-style error response (the same shape POST /graphql answers with). */
function errorBody(errors: GraphQLFormattedError[]): string {
  return JSON.stringify({ errors });
}

export function createSseDoor(deps: SseDeps): SseDoor {
  const { gate, services } = deps;
  const formatErrors = (errors: readonly GraphQLError[]) => gate.formatErrors(errors);
  const states = new WeakMap<object, StreamState>();
  const open = new Map<ServerResponse, string>();
  const badInput = (message: string, extra: Record<string, unknown> = {}) =>
    new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', ...extra } });

  /**
   * graphql's subscribe, with a fresh context per event (DataLoaders per event) and each event's cursor noted for its
   * SSE id.
   */
  async function subscribe(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
    const source = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in source)) return source as ExecutionResult;
    const it = (source as AsyncIterable<unknown>)[Symbol.asyncIterator]();
    const state = states.get(args.contextValue as object)!;
    const { viewer } = state.context;
    // Not an async generator: its return() would wait for the pending next(), i.e. for the next event.
    const mapped: AsyncIterableIterator<ExecutionResult> = {
      async next() {
        const r = await it.next();
        if (r.done) return { done: true, value: undefined };
        const contextValue = createContext(viewer, services, undefined, gate.resolved);
        const result = await execute({ ...args, rootValue: r.value, contextValue });
        state.ids.push(eventId(r.value) ?? '');
        return { done: false, value: result };
      },
      async return() {
        await it.return?.();
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]: () => mapped,
    };
    return mapped;
  }

  const handler = createHandler<IncomingMessage, { state: StreamState }>({
    schema: gate.schema,
    subscribe,
    execute: (args) => execute(args),
    async onSubscribe(req, params) {
      const { state } = req.context;
      const prepared = await gate.prepare(params, state.context.viewer, 'sse');
      if ('errors' in prepared) throw prepared.errors;
      const { operation, cost: _cost, ...args } = prepared.args;
      state.log.type = operation;
      if (operation === 'mutation') throw badInput('Mutations run over POST /graphql, not over Server-Sent Events');
      return { ...args, contextValue: state.context as never };
    },
    onNext(_ctx, req, result) {
      if (!result.errors) return;
      const errors = formatErrors(result.errors);
      req.context.state.log.codes.push(...errors.map((e) => String(e.extensions?.code)));
      return { ...result, errors } as never;
    },
  });

  /** Sends a GraphQL error as JSON before any stream opens (status from the error, e.g. 401, 429). */
  function reject(res: ServerResponse, err: unknown, state: { codes: string[] }): void {
    const errors = (Array.isArray(err) ? err : [err]).map((e) =>
      e instanceof GraphQLError ? e : new GraphQLError((e as Error).message, { originalError: e as Error }),
    );
    const http = errors[0].extensions?.http as { status?: number; headers?: Map<string, string> } | undefined;
    const formatted = formatErrors(errors);
    state.codes.push(...formatted.map((e) => String(e.extensions?.code)));
    const status = http?.status ?? (formatted[0].extensions?.code === 'INTERNAL_SERVER_ERROR' ? 500 : 400);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      ...Object.fromEntries(http?.headers ?? []),
    });
    res.end(errorBody(formatted));
  }

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL, requestId: string): Promise<void> {
    const started = performance.now();
    const log = {
      codes: [] as string[],
      viewer: undefined as Context['viewer'] | undefined,
      operationName: null as string | null,
      type: 'invalid',
    };
    res.once('close', () => {
      open.delete(res);
      gate.record({
        transport: 'sse',
        type: log.type,
        ms: performance.now() - started,
        codes: log.codes,
        requestId,
        operationName: log.operationName,
        viewer: log.viewer,
        status: res.statusCode,
      });
    });
    if (!(req.headers.accept ?? '').includes(EVENT_STREAM)) {
      return reject(
        res,
        Object.assign(badInput(`Send Accept: ${EVENT_STREAM}`), {
          extensions: { code: 'BAD_USER_INPUT', http: { status: 406 } },
        }),
        log,
      );
    }
    const apiKey = url.searchParams.get('api_key');
    let context: Context;
    try {
      const viewer = await viewerFromHeader(
        services.access,
        req.headers.authorization ?? (apiKey ? `Bearer ${apiKey}` : undefined),
      );
      log.viewer = viewer;
      await gate.admit(viewer);
      context = createContext(viewer, services, requestId, gate.resolved);
    } catch (err) {
      return reject(res, err, log);
    }
    const lastEventId = req.headers['last-event-id'];
    context.resumeAfter = typeof lastEventId === 'string' && lastEventId !== '' ? lastEventId : null;
    let body: unknown;
    if (req.method === 'POST') {
      try {
        const raw = await readBody(req, deps.maxBodyBytes);
        body = JSON.parse(raw || '{}');
      } catch (err) {
        if (err instanceof BodyTooLarge)
          return reject(
            res,
            badInput(`Request body larger than ${deps.maxBodyBytes} bytes`, {
              limit: deps.maxBodyBytes,
              http: { status: 413 },
            }),
            log,
          );
        return reject(res, badInput('Request body is not valid JSON'), log);
      }
      log.operationName = (body as { operationName?: string })?.operationName ?? null;
    } else log.operationName = url.searchParams.get('operationName');
    const state: StreamState = { context, ids: [], log };
    states.set(context, state);
    let result: Awaited<ReturnType<typeof handler>>;
    try {
      result = await handler({
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: { get: (key: string) => (key === 'accept' ? EVENT_STREAM : (req.headers[key] as string | undefined)) },
        body: body as never,
        raw: req,
        context: { state },
      });
    } catch (err) {
      // Thrown by onSubscribe: parse, validation and limit errors (one or many).
      return reject(res, err, log);
    }
    const [stream, init] = result;
    if (typeof stream !== 'object' || stream === null) {
      // graphql-sse's own refusals (unreadable parameters): plain messages, given the contract's code here.
      const parsed = stream
        ? (JSON.parse(stream) as { errors?: { message: string }[] })
        : { errors: [{ message: init.statusText ?? 'Bad request' }] };
      return reject(
        res,
        Object.assign(
          (parsed.errors ?? []).map((e) => badInput(e.message)),
          {},
        ),
        log,
      );
    }
    res.writeHead(init.status, init.statusText, init.headers as Record<string, string>);
    open.set(res, context.viewer.keyId);
    res.once('close', () => void stream.return?.(undefined));
    try {
      for await (const message of stream) {
        if (!res.writable) break;
        const id = message.startsWith('event: next') ? state.ids.shift() : undefined;
        res.write(id ? `id: ${id}\n${message}` : message);
      }
    } catch (err) {
      // The stream failed (e.g. the subscriber fell too far behind): the client reconnects with Last-Event-ID.
      deps.logger.warn({ err, requestId }, 'SSE stream ended with an error');
    }
    res.end();
  }

  return {
    handle,
    closeAll() {
      for (const res of open.keys()) res.end();
    },
    recheck(active) {
      for (const keyId of new Set(open.values())) {
        active(keyId).then(
          (ok) => ok || [...open].filter(([, k]) => k === keyId).forEach(([res]) => res.end()),
          (err) => deps.logger.warn({ err }, 'key re-check failed'),
        );
      }
    },
  };
}
