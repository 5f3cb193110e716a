/** A real graphql-ws client over a real socket, collecting events for assertions. */
import { createClient, Client } from 'graphql-ws';
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
export function wsClient(httpUrl: string, key: string, opts: { onClose?: (code: number, reason: string) => void; retry?: boolean } = {}): Client {
  return createClient({
    url: httpUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${key}` },
    retryAttempts: opts.retry ? 5 : 0,
    lazy: true,
    on: { closed: (e) => opts.onClose?.((e as { code: number }).code, String((e as { reason?: string }).reason ?? '')) },
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
        if (Date.now() > end) throw new Error(`only ${c.events.length} of ${n} events (errors: ${JSON.stringify(c.errors)})`);
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
