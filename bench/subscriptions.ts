/**
 * bench/subscriptions: SUBSCRIBERS graphql-ws subscriptions to leadPromoted on
 * one instance (the clients in a forked second process), then EVENTS
 * promotions committed at RATE per second through recordActivities over HTTP
 * (one new contact per request, which a rule promotes to MQL). Beside it, in
 * the same run: a bare `ws` server sending the same message, serialised once
 * per event, to SUBSCRIBERS bare `ws` sockets at the same rate.
 *
 *   npm run bench:subscriptions [-- sqlite|mysql]     SUBSCRIBERS=5000 EVENTS=1000 RATE=10
 *
 * Latency runs from the moment the recordActivities request is sent (its
 * transaction commits inside it, so this is an upper bound on commit to
 * receipt) to the client's receipt, on the same machine's wall clock. Memory
 * per idle connection is the growth of this process's heap and RSS (after a
 * full GC) from before the sockets connect to when all are subscribed,
 * divided by their number. The run fails unless every socket gets every
 * event exactly once, in commit order.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import { type BenchApp, type Store, runBench, startBenchApp } from './common';
import type { FromClient, PhaseResult, ToClient } from './subscriptions-client';
import { wallNow } from './subscriptions-client';

const SUBSCRIBERS = Number(process.env.SUBSCRIBERS ?? 5000);
const EVENTS = Number(process.env.EVENTS ?? 1000);
const RATE = Number(process.env.RATE ?? 10);
/** How long the clients wait for missing deliveries once nothing more arrives. */
const SETTLE_MS = 30_000;
/**
 * When set, a CPU profile of this process during each phase's deliveries is written there (<dir>/<phase>.cpuprofile).
 */
const PROFILE_DIR = process.env.PROFILE_DIR;

/** What a live dashboard of promotions selects: the event and the promoted contact. */
const SUBSCRIPTION =
  `subscription { leadPromoted { cursor transition { id contactId fromStage toStage trigger score occurredAt ` +
  `contact { email stage score temperature } } } }`;
const RECORD =
  'mutation($inputs: [ActivityInput!]!) { recordActivities(inputs: $inputs) { transitions { id toStage } } }';

interface Memory {
  heap: number;
  rss: number;
}

interface Phase {
  result: PhaseResult;
  /** Bytes per idle connection. */
  perConnection: Memory;
  /** CPU seconds this (server) process spent from the first send to the last receipt. */
  serverCpu: number;
  /** Events per second actually sent: below RATE when this process cannot keep up with the schedule. */
  achievedRate: number;
  /** 99th percentile of how late an event was sent against its schedule, ms. */
  lagP99: number;
  /** Round trip of the recordActivities requests (service phase only), ms. */
  commitP50?: number;
  commitP99?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function memoryAfterGc(): Memory {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc (npm run bench:subscriptions does)');
  gc();
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss };
}

/** Sends a command to the client process and waits for its answer of `kind`. */
function ask<K extends FromClient['kind']>(
  child: ChildProcess,
  cmd: ToClient,
  kind: K,
): Promise<Extract<FromClient, { kind: K }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: FromClient) => {
      if (m.kind !== kind) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(m as Extract<FromClient, { kind: K }>);
    };
    const onExit = (code: number) => reject(new Error(`client process exited with ${code}`));
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.send(cmd);
  });
}

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * Calls `fire(i)` EVENTS times at RATE per second on an absolute schedule (a
 * slow call does not delay the next); returns the rate achieved and the 99th
 * percentile lag behind the schedule (a busy event loop fires late).
 */
async function paced(fire: (i: number) => Promise<void> | void): Promise<{ achievedRate: number; lagP99: number }> {
  const start = performance.now();
  const inFlight: Promise<void>[] = [];
  const fired: number[] = [];
  const lags: number[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const due = start + (i * 1000) / RATE;
    await sleep(due - performance.now());
    fired.push(performance.now());
    lags.push(fired[i] - due);
    inFlight.push(Promise.resolve(fire(i)));
  }
  await Promise.all(inFlight);
  lags.sort((x, y) => x - y);
  return {
    achievedRate: (EVENTS - 1) / ((fired[EVENTS - 1] - fired[0]) / 1000),
    lagP99: lags[Math.floor(lags.length * 0.99)],
  };
}

/** How a phase's server tells its state: open connections, and whether every subscriber is registered. */
interface Server {
  connections(): Promise<number>;
  subscribed(): boolean;
}

/**
 * Connects the subscribers, measures them idle, commits the promotions, collects the figures, waits for the sockets to
 * be gone.
 */
async function measure(
  name: string,
  child: ChildProcess,
  connect: ToClient,
  server: Server,
  fire: (i: number, events: [string, number][]) => Promise<void> | void,
): Promise<Omit<Phase, 'commitP50' | 'commitP99'>> {
  const base = await server.connections();
  const before = memoryAfterGc();
  const { ms } = await ask(child, connect, 'connected');
  await until(server.subscribed, 'every subscription to be registered on the server');
  await sleep(1000);
  const after = memoryAfterGc();
  console.log(`  ${SUBSCRIBERS} sockets connected in ${(ms / 1000).toFixed(1)} s`);
  const profiler = PROFILE_DIR ? new Session() : null;
  profiler?.connect();
  await profiler?.post('Profiler.enable');
  await profiler?.post('Profiler.start');
  const cpu = process.cpuUsage();
  const events: [string, number][] = [];
  const pace = await paced((i) => fire(i, events));
  const { result } = await ask(child, { cmd: 'expect', events, waitMs: SETTLE_MS }, 'result');
  const used = process.cpuUsage(cpu);
  if (profiler) {
    const { profile } = await profiler.post('Profiler.stop');
    writeFileSync(join(PROFILE_DIR!, `${name}.cpuprofile`), JSON.stringify(profile));
    profiler.disconnect();
  }
  await ask(child, { cmd: 'close' }, 'closed');
  // The next phase's memory baseline must not hold this phase's sockets.
  await until(async () => (await server.connections()) <= base, 'the server to close the sockets');
  return {
    result,
    perConnection: { heap: (after.heap - before.heap) / SUBSCRIBERS, rss: (after.rss - before.rss) / SUBSCRIBERS },
    serverCpu: (used.user + used.system) / 1e6,
    ...pace,
  };
}

async function throughService(b: BenchApp, child: ChildProcess, key: string): Promise<Phase> {
  const roundTrips: number[] = [];
  const phase = await measure(
    'api',
    child,
    {
      cmd: 'connect',
      mode: 'graphql-ws',
      url: b.app.url.replace(/^http/, 'ws'),
      n: SUBSCRIBERS,
      key,
      query: SUBSCRIPTION,
    },
    {
      connections: () =>
        new Promise((resolve, reject) =>
          b.app.server.httpServer.getConnections((err, n) => (err ? reject(err) : resolve(n))),
        ),
      subscribed: () => b.app.services.realtime.activeSubscriptions === SUBSCRIBERS,
    },
    async (i, events) => {
      const sentAt = wallNow();
      const data = await b.gql(RECORD, {
        inputs: [{ contactEmail: `bench.sub${i}@acme-corp.com`, type: 'page_view' }],
      });
      roundTrips.push(wallNow() - sentAt);
      const mql = data.recordActivities.transitions.find((t: { toStage: string }) => t.toStage === 'MQL');
      if (!mql) throw new Error(`request ${i} promoted nobody to MQL`);
      events.push([mql.id, sentAt]);
    },
  );
  roundTrips.sort((x, y) => x - y);
  return {
    ...phase,
    commitP50: roundTrips[Math.floor(roundTrips.length / 2)],
    commitP99: roundTrips[Math.floor(roundTrips.length * 0.99)],
  };
}

async function throughBareWs(child: ChildProcess, sample: string): Promise<Phase> {
  const wss = new WebSocketServer({ port: 0 });
  await new Promise((r) => wss.once('listening', r));
  const message = JSON.parse(sample);
  try {
    return await measure(
      'bare',
      child,
      {
        cmd: 'connect',
        mode: 'bare',
        url: `ws://127.0.0.1:${(wss.address() as { port: number }).port}`,
        n: SUBSCRIBERS,
      },
      { connections: async () => wss.clients.size, subscribed: () => wss.clients.size === SUBSCRIBERS },
      (i, events) => {
        const id = String(i + 1);
        message.payload.data.leadPromoted.transition.id = id;
        events.push([id, wallNow()]);
        const bytes = JSON.stringify(message);
        for (const socket of wss.clients) socket.send(bytes);
      },
    );
  } finally {
    await new Promise((r) => wss.close(r));
  }
}

function complete(r: PhaseResult): boolean {
  return r.missing === 0 && r.duplicates === 0 && r.unknown === 0 && r.errors.length === 0;
}

function report(name: string, p: Phase): void {
  const r = p.result;
  console.log(
    `  ${name.padEnd(10)} sent ${p.achievedRate.toFixed(1)} events/s (schedule ${RATE}/s, lag p99 ` +
      `${p.lagP99.toFixed(0)} ms)` +
      (`  delivered ${r.delivered - r.duplicates}/${r.expected} (missing ${r.missing}, repeated/out of order ` +
        `${r.duplicates}, unknown ${r.unknown})`) +
      (`  p50 ${r.p50.toFixed(1)} ms  p99 ${r.p99.toFixed(1)} ms  max ${r.max.toFixed(1)} ms  ` +
        `${Math.round(r.perSecond)} deliveries/s`) +
      (`  per event (median): first socket ${r.firstP50.toFixed(1)} ms, first to last socket ` +
        `${r.spreadP50.toFixed(1)} ms`) +
      (`  idle memory/connection: heap ${(p.perConnection.heap / 1024).toFixed(1)} KiB, RSS ` +
        `${(p.perConnection.rss / 1024).toFixed(1)} KiB`) +
      (`  CPU: server ${p.serverCpu.toFixed(1)} s (${((p.serverCpu / r.delivered) * 1e6).toFixed(1)} ` +
        `µs/delivery), clients ${r.clientCpu.toFixed(1)} s`) +
      (p.commitP50 !== undefined
        ? `  recordActivities round trip p50 ${p.commitP50.toFixed(1)} ms, p99 ${p.commitP99!.toFixed(1)} ms`
        : ''),
  );
  if (r.errors.length) console.log(`    client errors: ${r.errors.join('; ')}`);
}

async function runStore(store: Store): Promise<void> {
  const b = await startBenchApp(store);
  const child = fork(join(__dirname, 'subscriptions-client.ts'), [], {
    execArgv: ['-r', 'ts-node/register/transpile-only', '--max-old-space-size=4096'],
  });
  try {
    await b.gql(`mutation($input: ScoringRuleInput!) { createScoringRule(input: $input) { id } }`, {
      input: { name: 'Visit', kind: 'BEHAVIOR', activityType: 'page_view', points: 100 },
    });
    await b.app.services.rescore.idle(60_000);
    const key = (await b.gql(`mutation { createApiKey(input: { name: "dashboards", role: VIEWER }) { secret } }`))
      .createApiKey.secret as string;

    const service = await throughService(b, child, key);
    report(`${store} api`, service);
    if (!service.result.sample) throw new Error('no event reached the clients');
    const bare = await throughBareWs(child, service.result.sample);
    report('bare ws', bare);
    const ratio = (x: number, y: number) => (x / y).toFixed(2);
    console.log(
      `  ratio api/bare: p50 ${ratio(service.result.p50, bare.result.p50)}, p99 ` +
        `${ratio(service.result.p99, bare.result.p99)}, server CPU ${ratio(service.serverCpu, bare.serverCpu)}, ` +
        `heap/connection ${ratio(service.perConnection.heap, bare.perConnection.heap)}, RSS/connection ` +
        `${ratio(service.perConnection.rss, bare.perConnection.rss)}`,
    );
    if (!complete(service.result) || !complete(bare.result))
      throw new Error('some deliveries are missing, repeated or out of order');
  } finally {
    child.kill();
    await b.stop();
  }
}

runBench(
  `bench/subscriptions: ${SUBSCRIBERS} subscribers in a second process, ${EVENTS} promotions at ${RATE}/s, ` +
    `beside bare ws sends (same run)`,
  runStore,
);
