/** A real graphql-ws client over a real socket, collecting events for assertions. */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface Collector {
  events: any[];
  errors: unknown[];
  completed: boolean;
  /** Resolves once `n` events arrived (or rejects after `ms`). */
  waitFor(n: number, ms?: number): Promise<any[]>;
  dispose(): void;
}

/** Opens a client for `httpUrl` (http://host:port/graphql) with a key. */
export function wsClient(
  httpUrl: string,
  key: string,
  opts: { onClose?: (code: number, reason: string) => void; retry?: boolean } = {},
): Client {
  return createClient({
    url: httpUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${key}` },
    retryAttempts: opts.retry ? 5 : 0,
    lazy: true,
    on: {
      closed: (e) => opts.onClose?.((e as { code: number }).code, String((e as { reason?: string }).reason ?? '')),
    },
  });
}

/** Subscribes and collects every event. */
export function collect(client: Client, query: string, variables: Record<string, unknown> = {}): Collector {
  const c: Collector = {
    events: [],
    errors: [],
    completed: false,
    async waitFor(n, ms = 20_000) {
      const end = Date.now() + ms;
      while (c.events.length < n) {
        if (Date.now() > end)
          throw new Error(`only ${c.events.length} of ${n} events (errors: ${JSON.stringify(c.errors)})`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return c.events;
    },
    dispose: () => undefined,
  };
  c.dispose = client.subscribe(
    { query, variables },
    {
      next: (v) => (v.errors ? c.errors.push(v.errors) : c.events.push(v.data)),
      error: (e) => c.errors.push(e),
      complete: () => (c.completed = true),
    },
  );
  return c;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The outcome of one query or mutation over a socket: its data, or the errors graphql-ws delivered. */
export interface WsOutcome {
  data?: any;
  errors?: { message: string; extensions?: { code?: string; [k: string]: unknown } }[];
}

/** Runs a query or mutation over graphql-ws and waits for its result or error. */
export function wsRun(
  client: Client,
  query: string,
  variables: Record<string, unknown> = {},
  ms = 30_000,
): Promise<WsOutcome> {
  return new Promise((resolve, reject) => {
    const out: WsOutcome = {};
    const timer = setTimeout(() => reject(new Error(`no answer over the socket within ${ms} ms`)), ms);
    client.subscribe(
      { query, variables },
      {
        next: (v) => {
          out.data = v.data;
          if (v.errors) out.errors = v.errors as WsOutcome['errors'];
        },
        error: (e) => {
          clearTimeout(timer);
          if (Array.isArray(e)) resolve({ errors: e });
          else reject(e);
        },
        complete: () => {
          clearTimeout(timer);
          resolve(out);
        },
      },
    );
  });
}

/** A graphql-ws subscriber on a bare socket whose reading can be paused, as a consumer that stops reading would. */
export interface PausableSubscriber {
  events: any[];
  closed: Promise<{ code: number; reason: string }>;
  pause(): void;
  resume(): void;
}

/** Connects, subscribes to `query` and collects its `next` payloads. */
export function pausableSubscriber(httpUrl: string, key: string, query: string): Promise<PausableSubscriber> {
  const socket = new WebSocket(httpUrl.replace(/^http/, 'ws'), 'graphql-transport-ws');
  const events: any[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  return new Promise((resolve, reject) => {
    socket.on('error', reject);
    socket.on('open', () =>
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } })),
    );
    socket.on('message', (raw) => {
      const message = JSON.parse(raw.toString());
      if (message.type === 'connection_ack') {
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
        resolve({ events, closed, pause: () => socket.pause(), resume: () => socket.resume() });
      } else if (message.type === 'next') events.push(message.payload.data);
    });
  });
}
