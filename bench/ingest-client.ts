/**
 * bench/ingest-client: the sender of bench/ingest, forked as a second
 * process so that building and sending the requests does not share the
 * service's thread (a client never runs inside the server). It receives the
 * batches once, then sends slices of them on request and reports how long
 * each slice took, from its first request to its last response.
 */

/** What bench/ingest.ts sends. */
export type IngestClientMessage =
  | { type: 'load'; url: string; key: string; query: string; batches: unknown[][] }
  | { type: 'send'; from: number; to: number; concurrency: number };

/** What it gets back after each `send`: seconds taken, or the first error. */
export type IngestClientReport = { seconds: number } | { error: string };

let target: Extract<IngestClientMessage, { type: 'load' }> | null = null;

async function send(from: number, to: number, concurrency: number): Promise<number> {
  const { url, key, query, batches } = target!;
  const start = performance.now();
  let next = from;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < to) {
        const inputs = batches[next++];
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query, variables: { inputs } }) });
        const body = (await res.json()) as { errors?: unknown[] };
        if (body.errors) throw new Error(JSON.stringify(body.errors).slice(0, 500));
      }
    }),
  );
  return (performance.now() - start) / 1000;
}

process.on('message', (message: IngestClientMessage) => {
  if (message.type === 'load') {
    target = message;
    return;
  }
  send(message.from, message.to, message.concurrency).then(
    (seconds) => process.send!({ seconds } satisfies IngestClientReport),
    (err: Error) => process.send!({ error: err.message } satisfies IngestClientReport),
  );
});
