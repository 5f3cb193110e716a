/**
 * The subscribers of bench/subscriptions, in a process of their own (forked
 * by it): N graphql-ws clients on N sockets, or N bare `ws` sockets for the
 * baseline. Every receipt is timestamped on arrival; latencies are computed
 * once the parent sends each event's commit time (same machine, same wall
 * clock). Talks to the parent over IPC only.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

/** Parent -> client. */
export type ToClient =
  | { cmd: 'connect'; mode: 'graphql-ws' | 'bare'; url: string; n: number; key?: string; query?: string }
  | { cmd: 'expect'; events: [id: string, committedAt: number][]; waitMs: number }
  | { cmd: 'close' };

/** Delivery figures of one phase. */
export interface PhaseResult {
  expected: number;
  delivered: number;
  missing: number;
  /** Receipts of an id not above the last one that socket received (a repeat, or out of commit order). */
  duplicates: number;
  /** Receipts of ids the parent never committed. */
  unknown: number;
  /** Errors and unexpected closes seen by the clients. */
  errors: string[];
  p50: number;
  p99: number;
  max: number;
  /**
   * Median over events of the first socket's latency, and of the time from the first socket's receipt to the last
   * one's.
   */
  firstP50: number;
  spreadP50: number;
  /** Deliveries per second from the first commit to the last receipt. */
  perSecond: number;
  /** CPU seconds this (client) process spent from connected to the result. */
  clientCpu: number;
  /** One message as the graphql-ws client received it, re-serialised (the baseline sends this shape). */
  sample: string | null;
}

/** Client -> parent. */
export type FromClient =
  { kind: 'connected'; n: number; ms: number } | { kind: 'result'; result: PhaseResult } | { kind: 'closed' };

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes. */
export const wallNow = (): number => performance.timeOrigin + performance.now();

const send = (m: FromClient) => process.send!(m);

/** Receipt times by event id, and per-socket order checks. */
class Receipts {
  readonly times = new Map<string, number[]>();
  duplicates = 0;
  errors: string[] = [];
  sample: string | null = null;

  /** Records event `id` on socket state `last` (the socket's last id); returns the new last id. */
  record(id: string, last: number): number {
    const at = wallNow();
    const n = Number(id);
    if (n <= last) this.duplicates++;
    let list = this.times.get(id);
    if (!list) this.times.set(id, (list = []));
    list.push(at);
    return Math.max(n, last);
  }

  error(what: string): void {
    if (this.errors.length < 20) this.errors.push(what);
  }
}

let receipts = new Receipts();
/** Close the sockets of the phase; each resolves once its socket has closed. */
let closers: (() => Promise<void>)[] = [];

/** Opens `n` sockets, `wave` at a time, each resolving once subscribed (graphql-ws) or open (bare). */
async function connectAll(n: number, wave: number, open: () => Promise<() => Promise<void>>): Promise<void> {
  for (let i = 0; i < n; i += wave) {
    closers.push(...(await Promise.all(Array.from({ length: Math.min(wave, n - i) }, open))));
  }
}

function openGraphqlWs(url: string, key: string, query: string): Promise<() => Promise<void>> {
  return new Promise((resolve, reject) => {
    let last = -1;
    let acked = false;
    let closed: () => void;
    const gone = new Promise<void>((r) => (closed = r));
    const client: Client = createClient({
      url,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${key}` },
      retryAttempts: 0,
      lazy: true,
      on: {
        connected: () => {
          acked = true;
          resolve(async () => {
            await client.dispose();
            await gone;
          });
        },
        closed: (e) => {
          const code = (e as { code?: number }).code;
          closed();
          if (!acked) reject(new Error(`socket closed before connection_ack (${code})`));
          else if (!closing) receipts.error(`closed ${code}`);
        },
      },
    });
    client.subscribe<any>(
      { query },
      {
        next: (v) => {
          if (v.errors) return receipts.error(JSON.stringify(v.errors).slice(0, 200));
          receipts.sample ??= JSON.stringify({ id: '0190f0c4-7b1e-7cc1-a2f3-5d8e1c2b4a60', type: 'next', payload: v });
          last = receipts.record(v.data.leadPromoted.transition.id, last);
        },
        error: (e) => receipts.error(String((e as Error).message ?? (e as { code?: number }).code ?? e)),
        complete: () => undefined,
      },
    );
  });
}

function openBare(url: string): Promise<() => Promise<void>> {
  return new Promise((resolve, reject) => {
    let last = -1;
    const socket = new WebSocket(url);
    const gone = new Promise<void>((r) => socket.once('close', () => r()));
    socket.on('open', () =>
      resolve(async () => {
        socket.close();
        await gone;
      }),
    );
    socket.on('error', (err) =>
      socket.readyState === WebSocket.CONNECTING ? reject(err) : receipts.error(err.message),
    );
    socket.on('message', (data) => {
      last = receipts.record(JSON.parse(String(data)).payload.data.leadPromoted.transition.id, last);
    });
  });
}

let closing = false;

/** Waits until every expected receipt arrived (or `waitMs` passed without progress), then computes the figures. */
async function result(
  events: [string, number][],
  waitMs: number,
  sockets: number,
): Promise<Omit<PhaseResult, 'clientCpu'>> {
  const expected = events.length * sockets;
  const count = () => [...receipts.times.values()].reduce((s, l) => s + l.length, 0);
  let seen = count();
  let progressAt = Date.now();
  while (seen < expected && Date.now() - progressAt < waitMs) {
    await new Promise((r) => setTimeout(r, 100));
    const now = count();
    if (now !== seen) progressAt = Date.now();
    seen = now;
  }
  const committed = new Map(events);
  const latencies = new Float64Array(seen);
  let i = 0;
  let unknown = 0;
  let lastReceipt = 0;
  const firsts: number[] = [];
  const spreads: number[] = [];
  for (const [id, times] of receipts.times) {
    const at = committed.get(id);
    if (at === undefined) {
      unknown += times.length;
      continue;
    }
    let min = Infinity;
    let max = 0;
    for (const t of times) {
      latencies[i++] = t - at;
      min = Math.min(min, t);
      max = Math.max(max, t);
    }
    lastReceipt = Math.max(lastReceipt, max);
    firsts.push(min - at);
    spreads.push(max - min);
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const sorted = latencies.subarray(0, i).sort();
  const pct = (p: number) => (i ? sorted[Math.min(i - 1, Math.floor(p * i))] : NaN);
  const delivered = i;
  const firstCommit = Math.min(...events.map((e) => e[1]));
  return {
    expected,
    delivered,
    missing: expected - (delivered - receipts.duplicates),
    duplicates: receipts.duplicates,
    unknown,
    errors: receipts.errors,
    p50: pct(0.5),
    p99: pct(0.99),
    max: i ? sorted[i - 1] : NaN,
    firstP50: median(firsts),
    spreadP50: median(spreads),
    perSecond: delivered / ((lastReceipt - firstCommit) / 1000),
    sample: receipts.sample,
  };
}

let sockets = 0;
let cpuAtConnected = process.cpuUsage();
async function onMessage(m: ToClient): Promise<void> {
  try {
    if (m.cmd === 'connect') {
      receipts = new Receipts();
      closing = false;
      sockets = m.n;
      const start = performance.now();
      await connectAll(
        m.n,
        250,
        m.mode === 'bare' ? () => openBare(m.url) : () => openGraphqlWs(m.url, m.key!, m.query!),
      );
      cpuAtConnected = process.cpuUsage();
      send({ kind: 'connected', n: m.n, ms: performance.now() - start });
    } else if (m.cmd === 'expect') {
      const figures = await result(m.events, m.waitMs, sockets);
      const cpu = process.cpuUsage(cpuAtConnected);
      send({ kind: 'result', result: { ...figures, clientCpu: (cpu.user + cpu.system) / 1e6 } });
    } else {
      closing = true;
      await Promise.all(closers.map((close) => close()));
      closers = [];
      send({ kind: 'closed' });
    }
  } catch (err) {
    console.error(err);
    process.exit(1);
  }
}
process.on('message', (m: ToClient) => void onMessage(m));
