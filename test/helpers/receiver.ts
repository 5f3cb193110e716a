/** A real webhook receiver (node:http) for tests: records every request and answers as a script says. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Webhook } from 'standardwebhooks';

/** How to answer the n-th request (0-based): an HTTP status, 'hang' (never answer) or 'drop' (close the connection). */
export type Answer = number | 'hang' | 'drop';

export interface Received {
  headers: Record<string, string>;
  body: string;
  at: number;
  answer: Answer;
}

export interface Receiver {
  url: string;
  requests: Received[];
  /** Requests answered 2xx, deduplicated by webhook-id, in arrival order. */
  delivered(): Received[];
  /** Every request verified with the secret (throws on a bad signature). */
  verifyAll(secret: string): unknown[];
  waitFor(predicate: () => boolean, ms?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(script: (n: number) => Answer = () => 204): Promise<Receiver> {
  const requests: Received[] = [];
  const hanging = new Set<ServerResponse>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = script(requests.length);
      requests.push({
        headers: req.headers as Record<string, string>,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
        answer,
      });
      if (answer === 'hang') hanging.add(res);
      else if (answer === 'drop') req.socket.destroy();
      else res.writeHead(answer).end(answer >= 300 ? 'receiver says no' : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const r: Receiver = {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    delivered() {
      const seen = new Set<string>();
      return requests.filter(
        (q) =>
          typeof q.answer === 'number' &&
          q.answer < 300 &&
          !seen.has(q.headers['webhook-id']) &&
          seen.add(q.headers['webhook-id']),
      );
    },
    verifyAll(secret) {
      const wh = new Webhook(secret);
      return requests.map((q) => wh.verify(q.body, q.headers));
    },
    async waitFor(predicate, ms = 20_000) {
      const end = Date.now() + ms;
      while (!predicate()) {
        if (Date.now() > end) throw new Error(`receiver: condition not met in ${ms} ms (${requests.length} requests)`);
        await new Promise((res) => setTimeout(res, 10));
      }
    },
    async close() {
      for (const res of hanging) res.socket?.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return r;
}

/** Receivers started by a test file, closed together after it. */
export function receiverPool(): {
  start(script?: (n: number) => Answer): Promise<Receiver>;
  closeAll(): Promise<void>;
} {
  const started: Receiver[] = [];
  return {
    async start(script) {
      const r = await startReceiver(script);
      started.push(r);
      return r;
    },
    async closeAll() {
      for (const r of started) await r.close();
    },
  };
}
