/**
 * bench/ingest-client: the sender of bench/ingest, forked as a second
 * process so that building and sending the requests does not share the
 * service's thread (a client never runs inside the server). It receives the
 * batches once and serialises each request body then, before any clock
 * runs; it then sends slices of them on request over one keep-alive
 * connection (node:http; fetch plus a JSON.stringify per send took the
 * sender 1.6-2.1 ms of CPU per batch, 0.4 ms this way, on the two cores the
 * service and the store share) and reports how
 * long each slice took, from its first request to its last response.
 */
import { Agent, request } from 'node:http';

/** What bench/ingest.ts sends. */
export type IngestClientMessage =
  | { type: 'load'; url: string; key: string; query: string; batches: unknown[][] }
  | { type: 'send'; from: number; to: number; concurrency: number };

/** What it gets back after each `send`: seconds taken, or the first error. */
export type IngestClientReport = { seconds: number } | { error: string };

let target: { url: URL; key: string; bodies: Buffer[] } | null = null;
const agent = new Agent({ keepAlive: true });

function post(body: Buffer): Promise<string> {
  const { url, key } = target!;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': body.length, authorization: `Bearer ${key}` },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks).toString()));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function send(from: number, to: number, concurrency: number): Promise<number> {
  const start = performance.now();
  let next = from;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < to) {
        const body = JSON.parse(await post(target!.bodies[next++])) as { errors?: unknown[] };
        if (body.errors) throw new Error(JSON.stringify(body.errors).slice(0, 500));
      }
    }),
  );
  return (performance.now() - start) / 1000;
}

process.on('message', (message: IngestClientMessage) => {
  if (message.type === 'load') {
    const { url, key, query, batches } = message;
    target = {
      url: new URL(url),
      key,
      bodies: batches.map((inputs) => Buffer.from(JSON.stringify({ query, variables: { inputs } }))),
    };
    return;
  }
  send(message.from, message.to, message.concurrency).then(
    (seconds) => process.send!({ seconds } satisfies IngestClientReport),
    (err: Error) => process.send!({ error: err.message } satisfies IngestClientReport),
  );
});
