/**
 * A minimal Server-Sent Events client over fetch (what EventSource does): events with their id, Last-Event-ID on
 * request.
 */
export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

export interface SseStream {
  status: number;
  headers: Headers;
  events: SseEvent[];
  /** The `next` events' parsed data. */
  nexts(): any[];
  waitFor(n: number, ms?: number): Promise<SseEvent[]>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

/** Opens `url` as an event stream; `init` adds method, body and headers (Last-Event-ID for a resume). */
export async function openSse(
  url: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<SseStream> {
  const abort = new AbortController();
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers: {
      accept: 'text/event-stream',
      ...(init.body ? { 'content-type': 'application/json' } : {}),
      ...init.headers,
    },
    body: init.body ? JSON.stringify(init.body) : undefined,
    signal: abort.signal,
  });
  const events: SseEvent[] = [];
  const ended = (async () => {
    if (!res.body || !(res.headers.get('content-type') ?? '').includes('text/event-stream')) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const e: SseEvent = { data: '' };
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const [field, ...rest] = line.split(':');
            const value = rest.join(':').replace(/^ /, '');
            if (field === 'id') e.id = value;
            else if (field === 'event') e.event = value;
            else if (field === 'data') e.data += value;
          }
          if (e.event || e.data) events.push(e);
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  const s: SseStream = {
    status: res.status,
    headers: res.headers,
    events,
    nexts: () => events.filter((e) => e.event === 'next').map((e) => JSON.parse(e.data)),
    async waitFor(n, ms = 20_000) {
      const end = Date.now() + ms;
      while (s.nexts().length < n) {
        if (Date.now() > end) throw new Error(`only ${s.nexts().length} of ${n} SSE events: ${JSON.stringify(events)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return events.filter((e) => e.event === 'next');
    },
    ended,
    close: () => abort.abort(),
  };
  return s;
}
