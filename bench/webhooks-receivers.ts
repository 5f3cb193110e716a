/**
 * The receivers of bench/webhooks, in a process of their own (forked by it):
 * N node:http servers, the `flaky` ones answering 500 to a third of their
 * requests at random. Every request is timestamped on arrival and its
 * signature verified with the standardwebhooks package; figures are computed
 * here and sent to the parent over IPC.
 */
import { Agent, createServer, request, type Server } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { prng as rng } from '../scripts/demo/random';

/** Parent -> receivers. */
export type ToReceivers =
  | { cmd: 'listen'; n: number; flaky: number[] }
  | { cmd: 'secrets'; secrets: (string | null)[] }
  | { cmd: 'reset' }
  | { cmd: 'report'; expected: number; waitMs: number }
  /**
   * Moves each contact to `toStage` through transitionContact at `rate` per second (the load, kept out of the service's
   * process).
   */
  | { cmd: 'load'; url: string; key: string; contacts: string[]; toStage: string; rate: number }
  | { cmd: 'close' };

/** Figures of one phase. */
export interface ReceiverReport {
  expected: number;
  /** Distinct events (by webhook-id) answered 2xx. */
  delivered: number;
  missing: number;
  /** Distinct webhook-ids carrying an event already delivered under another id (must be 0). */
  duplicates: number;
  /** 2xx receipts of a webhook-id already answered 2xx (at-least-once repeats, removed by deduping). */
  repeats: number;
  /** Deliveries that arrived after a later event of the same endpoint. */
  outOfOrder: number;
  badSignatures: number;
  failedOnPurpose: number;
  /** Latency from the event's time (the transition's, or the bare loop's send) to the first 2xx receipt, ms. */
  healthy: { p50: number; p99: number; max: number };
  flaky: { p50: number; p99: number; max: number };
  firstAt: number;
  lastAt: number;
}

/** Receivers -> parent. */
export type FromReceivers =
  | { kind: 'ports'; ports: number[] }
  | { kind: 'ok' }
  | { kind: 'report'; report: ReceiverReport }
  | { kind: 'loaded'; errors: number; lagP99: number; rtP50: number; rtP99: number };

const send = (m: FromReceivers) => process.send!(m);
const wallNow = (): number => performance.timeOrigin + performance.now();

interface Receipt {
  endpoint: number;
  id: string;
  event: string;
  /** Order of the event within its endpoint's stream (transition id, or the bare loop's sequence). */
  order: number;
  sentAt: number;
  at: number;
}

const servers: Server[] = [];
let flaky = new Set<number>();
let verifiers: (Webhook | null)[] = [];
let receipts: Receipt[] = [];
let bad = 0;
let failed = 0;
const random = rng(20);

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] : NaN;
}

function stats(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: Math.round(percentile(sorted, 0.5)),
    p99: Math.round(percentile(sorted, 0.99)),
    max: Math.round(sorted.at(-1) ?? NaN),
  };
}

function report(expected: number): ReceiverReport {
  const first = new Map<string, Receipt>();
  let repeats = 0;
  for (const r of receipts) {
    if (first.has(r.id)) repeats++;
    else first.set(r.id, r);
  }
  const events = new Set<string>();
  let duplicates = 0;
  for (const r of first.values()) {
    if (events.has(r.event)) duplicates++;
    else events.add(r.event);
  }
  const lastOrder = new Map<number, number>();
  let outOfOrder = 0;
  for (const r of first.values()) {
    if ((lastOrder.get(r.endpoint) ?? -Infinity) > r.order) outOfOrder++;
    lastOrder.set(r.endpoint, Math.max(lastOrder.get(r.endpoint) ?? -Infinity, r.order));
  }
  const latency = (f: boolean) =>
    [...first.values()].filter((r) => flaky.has(r.endpoint) === f).map((r) => r.at - r.sentAt);
  const times = [...first.values()].map((r) => r.at);
  return {
    expected,
    delivered: first.size,
    missing: expected - events.size,
    duplicates,
    repeats,
    outOfOrder,
    badSignatures: bad,
    failedOnPurpose: failed,
    healthy: stats(latency(false)),
    flaky: stats(latency(true)),
    firstAt: Math.min(...times),
    lastAt: Math.max(...times),
  };
}

async function listen(n: number, flakyOnes: number[]): Promise<number[]> {
  flaky = new Set(flakyOnes);
  const ports: number[] = [];
  for (let i = 0; i < n; i++) {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const at = wallNow();
        if (flaky.has(i) && random() < 1 / 3) {
          failed++;
          res.writeHead(500).end();
          return;
        }
        const body = Buffer.concat(chunks).toString('utf8');
        let parsed: any;
        try {
          parsed = verifiers[i] ? verifiers[i]!.verify(body, req.headers as Record<string, string>) : JSON.parse(body);
        } catch {
          bad++;
          res.writeHead(400).end();
          return;
        }
        const t = parsed.data?.transition;
        receipts.push({
          endpoint: i,
          id: String(req.headers['webhook-id']),
          event: String(t?.id ?? parsed.data?.seq),
          order: Number(t?.id ?? parsed.data?.seq),
          sentAt: Date.parse(t?.occurredAt ?? parsed.data?.sentAt),
          at,
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    ports.push((server.address() as { port: number }).port);
  }
  return ports;
}

/**
 * Sends the transitions on schedule, not waiting for earlier answers; counts failed requests and how late sends were.
 */
async function load(
  m: Extract<ToReceivers, { cmd: 'load' }>,
): Promise<{ errors: number; lagP99: number; rtP50: number; rtP99: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const query =
    `mutation($id: ID!, $to: LifecycleStage!) { transitionContact(id: $id, toStage: $to, reason: "bench") { id ` +
    `} }`;
  let errors = 0;
  const lags: number[] = [];
  const roundTrips: number[] = [];
  const start = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < m.contacts.length; i++) {
    const due = start + (i * 1000) / m.rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    lags.push(performance.now() - due);
    const body = JSON.stringify({ query, variables: { id: m.contacts[i], to: m.toStage } });
    const sent = performance.now();
    pending.push(
      new Promise<void>((resolve) => {
        const req = request(
          m.url,
          {
            method: 'POST',
            agent,
            headers: {
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(body),
              authorization: `Bearer ${m.key}`,
            },
          },
          (res) => {
            let text = '';
            res.on('data', (c) => (text += c));
            res.on('end', () => {
              roundTrips.push(performance.now() - sent);
              if (res.statusCode !== 200 || text.includes('"errors"')) errors++;
              resolve();
            });
          },
        );
        req.on('error', () => (errors++, resolve()));
        req.end(body);
      }),
    );
  }
  await Promise.all(pending);
  agent.destroy();
  const rt = stats(roundTrips);
  return { errors, lagP99: Math.round(stats(lags).p99), rtP50: rt.p50, rtP99: rt.p99 };
}

async function onMessage(m: ToReceivers): Promise<void> {
  if (m.cmd === 'listen') send({ kind: 'ports', ports: await listen(m.n, m.flaky) });
  else if (m.cmd === 'secrets') {
    verifiers = m.secrets.map((s) => (s ? new Webhook(s) : null));
    send({ kind: 'ok' });
  } else if (m.cmd === 'reset') {
    receipts = [];
    bad = 0;
    failed = 0;
    send({ kind: 'ok' });
  } else if (m.cmd === 'report') {
    // Wait until every expected event arrived, or nothing new arrived for waitMs.
    let seen = -1;
    let quietSince = Date.now();
    for (;;) {
      const delivered = new Set(receipts.map((r) => r.id)).size;
      if (delivered >= m.expected) break;
      if (receipts.length !== seen) {
        seen = receipts.length;
        quietSince = Date.now();
      }
      if (Date.now() - quietSince > m.waitMs) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    send({ kind: 'report', report: report(m.expected) });
  } else if (m.cmd === 'load') {
    send({ kind: 'loaded', ...(await load(m)) });
  } else if (m.cmd === 'close') {
    for (const s of servers) {
      s.closeAllConnections();
      s.close();
    }
    process.exit(0);
  }
}
process.on('message', (m: ToReceivers) => void onMessage(m));
