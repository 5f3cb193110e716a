/**
 * bench/webhooks: ENDPOINTS receiver endpoints (FLAKY of them answer 500 to
 * a third of their requests at random), one per partner, each created by its
 * PARTNER key for MQL and SQL; EVENTS promotions at RATE per second through
 * transitionContact over HTTP, each delivered to its partner's endpoint.
 * The receivers run in a forked process (bench/webhooks-receivers.ts) and
 * verify every signature with the standardwebhooks package.
 *
 *   npm run bench:webhooks [-- sqlite|mysql]     ENDPOINTS=100 FLAKY=10 EVENTS=10000 RATE=100 FIRST_RETRY_MS=100
 *   CPU_PROFILE=backlog.cpuprofile npm run bench:webhooks -- sqlite    (CPU profiles of the backlog phases: the
 *   service's in backlog.cpuprofile, the bare loop's in .bare, the floor's in .floor; for where time goes only:
 *   the profiler's own cost falls inside the CPU windows)
 *
 * Phases, in one run per store:
 *  1. live: EVENTS promotions to MQL at RATE/s (sent from the receivers'
 *     process, so the load's client costs stay out of the service's) while
 *     the service delivers.
 *     Latency is from the transition's time (taken inside its transaction,
 *     just before commit: an upper bound on commit to receipt) to the first
 *     2xx receipt, same machine, same wall clock.
 *  2. backlog: endpoints disabled, the same contacts promoted to SQL, then
 *     the endpoints enabled by one UPDATE: this process's CPU until the
 *     receivers report every event delivered, per delivery (no API traffic
 *     in that window).
 *  3. bare: a loop in this process that signs (standardwebhooks) and POSTs
 *     (node:http, keep-alive, one request in flight per endpoint, in order,
 *     the same retry delay) the same number of payloads of the same shape:
 *     paced at RATE/s for latency, then as a backlog for CPU per delivery.
 *  4. floor: the bare backlog again, plus the durable writes the issue
 *     requires per attempt (bench/webhooks-bare.ts).
 * Every CPU window subtracts the idle service's CPU per second (measured
 * before phase 2) times its length; the raw figure is printed beside it.
 * The run fails unless every event arrives, none twice, in order per endpoint.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import { BENCH_KEY, type BenchApp, type Store, runBench, startBenchApp } from './common';
import type { FromReceivers, ReceiverReport, ToReceivers } from './webhooks-receivers';
import { DurableWrites, bareLoop, benchBody } from './webhooks-bare';

const ENDPOINTS = Number(process.env.ENDPOINTS ?? 100);
const FLAKY = Number(process.env.FLAKY ?? 10);
const EVENTS = Number(process.env.EVENTS ?? 10_000);
const RATE = Number(process.env.RATE ?? 100);
/** The first retry's delay (5 s in production): shortened so the flaky endpoints' retries end within the run. */
const FIRST_RETRY_MS = Number(process.env.FIRST_RETRY_MS ?? 100);
/** How long a phase may take before the missing events are reported (the report comes as soon as all arrived). */
const REPORT_WAIT_MS = Number(process.env.REPORT_WAIT_MS ?? 120_000);
/** Requests in flight while setting up (untimed). */
const SETUP_CONCURRENCY = 16;
/** /metrics is closed in production unless a token is set. */
const METRICS_TOKEN = 'bench-metrics-token-0123456789';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** This process's CPU (all its threads: user + system), seconds. */
const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
/**
 * CPU per delivery over a window: all of this process's threads (user +
 * system), less what the idle service spends in the same time (its timers,
 * GC of earlier work: `idlePerSecond`, measured with nothing to deliver), so a
 * window that a flaky endpoint's last retry stretches is not charged for
 * waiting. `raw` keeps the figure before that subtraction.
 */
function cpuWindow(idlePerSecond = 0) {
  const start = process.cpuUsage();
  const started = performance.now();
  return (deliveries: number) => {
    const u = process.cpuUsage(start);
    const seconds = (performance.now() - started) / 1000;
    const cpu = (u.user + u.system) / 1e6;
    return {
      perDelivery: Math.max(0, cpu - idlePerSecond * seconds) / deliveries,
      raw: cpu / deliveries,
      seconds,
      systemShare: u.system / (u.user + u.system),
    };
  };
}
/** The idle service's CPU per second (nothing queued, no requests): the baseline every window subtracts. */
async function idleCpuPerSecond(ms = 5000): Promise<number> {
  const start = process.cpuUsage();
  await sleep(ms);
  const u = process.cpuUsage(start);
  return (u.user + u.system) / 1e6 / (ms / 1000);
}
const us = (s: number) => `${(s * 1e6).toFixed(0)} µs`;

/** Profiles this process's CPU while `fn` runs when CPU_PROFILE names a file (open it in Chrome DevTools). */
async function profiled<T>(file: string | undefined, fn: () => Promise<T>): Promise<T> {
  if (!file) return fn();
  const session = new Session();
  session.connect();
  const post = (method: string) =>
    new Promise<any>((resolve, reject) => session.post(method, (err, result) => (err ? reject(err) : resolve(result))));
  await post('Profiler.enable');
  await post('Profiler.start');
  try {
    return await fn();
  } finally {
    writeFileSync(file, JSON.stringify((await post('Profiler.stop')).profile));
    session.disconnect();
  }
}

function ask<K extends FromReceivers['kind']>(
  child: ChildProcess,
  cmd: ToReceivers,
  kind: K,
): Promise<Extract<FromReceivers, { kind: K }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: FromReceivers) => {
      if (m.kind !== kind) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(m as Extract<FromReceivers, { kind: K }>);
    };
    const onExit = (code: number) => reject(new Error(`receiver process exited with ${code}`));
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.send(cmd);
  });
}

/** Runs `fn` for 0..n-1 with `concurrency` in flight. */
async function pool(n: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

/** Calls fn(i) for 0..n-1 at `rate` per second on schedule (not waiting for earlier calls). */
async function paced(n: number, rate: number, fn: (i: number) => Promise<void>): Promise<void> {
  const start = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    pending.push(fn(i));
  }
  await Promise.all(pending);
}

function check(phase: string, r: ReceiverReport): void {
  const problems = [
    r.missing && `${r.missing} missing`,
    r.duplicates && `${r.duplicates} duplicates`,
    r.outOfOrder && `${r.outOfOrder} out of order`,
    r.badSignatures && `${r.badSignatures} bad signatures`,
  ].filter(Boolean);
  if (problems.length) throw new Error(`${phase}: ${problems.join(', ')}`);
}

function line(phase: string, r: ReceiverReport, cpuPerDelivery?: number): string {
  return (
    `  ${phase.padEnd(14)} delivered ${r.delivered}/${r.expected}, missing ${r.missing}, duplicates ` +
    `${r.duplicates} (repeats ${r.repeats}), out of order ${r.outOfOrder}, 500s ${r.failedOnPurpose}; ` +
    `latency healthy p50 ${r.healthy.p50} ms p99 ${r.healthy.p99} ms max ${r.healthy.max} ms, flaky p50 ` +
    `${r.flaky.p50} ms p99 ${r.flaky.p99} ms` +
    (cpuPerDelivery === undefined ? '' : `; CPU ${(cpuPerDelivery * 1e6).toFixed(0)} µs/delivery`)
  );
}

async function runStore(store: Store): Promise<void> {
  console.log(
    `\n${store}: ${ENDPOINTS} endpoints (${FLAKY} flaky), ${EVENTS} promotions at ${RATE}/s, first retry ` +
      `after ${FIRST_RETRY_MS} ms`,
  );
  const b: BenchApp = await startBenchApp(store, {
    WEBHOOK_ALLOW_HTTP: 'true',
    WEBHOOK_ALLOW_PRIVATE: 'true',
    WEBHOOK_FIRST_RETRY_MS: String(FIRST_RETRY_MS),
    RATE_LIMIT_ADMIN: '100000:100000',
    RATE_LIMIT_PARTNER: '100000:100000',
    METRICS_TOKEN,
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent',
  });
  const child = fork(join(__dirname, 'webhooks-receivers.ts'), [], {
    execArgv: ['-r', 'ts-node/register/transpile-only'],
  });
  try {
    const flaky = Array.from({ length: FLAKY }, (_, i) => i);
    const { ports } = await ask(child, { cmd: 'listen', n: ENDPOINTS, flaky }, 'ports');
    const urls = ports.map((p) => `http://127.0.0.1:${p}/hook`);
    const endpoints: { id: string; secret: string; partnerId: string }[] = [];
    for (let e = 0; e < ENDPOINTS; e++) {
      const partner = (
        await b.gql(`mutation($n: String!) { createPartner(name: $n) { id } }`, { n: `bench-partner-${e}` })
      ).createPartner.id;
      const key = (
        await b.gql(
          `mutation($p: ID!) { createApiKey(input: { name: "p", role: PARTNER, partnerId: $p }) { secret } }`,
          { p: partner },
        )
      ).createApiKey.secret;
      const res = await fetch(b.app.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({
          query:
            `mutation($u: String!) { createWebhookEndpoint(input: { url: $u, stages: [MQL, SQL] }) { secret ` +
            `endpoint { id } } }`,
          variables: { u: urls[e] },
        }),
      });
      const created = ((await res.json()) as any).data.createWebhookEndpoint;
      endpoints.push({ id: created.endpoint.id, secret: created.secret, partnerId: partner });
    }
    await ask(child, { cmd: 'secrets', secrets: endpoints.map((e) => e.secret) }, 'ok');
    const contacts: string[] = new Array(EVENTS);
    await pool(EVENTS, SETUP_CONCURRENCY, async (i) => {
      contacts[i] = (
        await b.gql(`mutation($e: String!, $p: ID!) { createContact(input: { email: $e, partnerId: $p }) { id } }`, {
          e: `wh-${i}@acme-corp.com`,
          p: endpoints[i % ENDPOINTS].partnerId,
        })
      ).createContact.id;
    });
    const move = (i: number, to: string) =>
      b.gql(
        `mutation($id: ID!, $to: LifecycleStage!) { transitionContact(id: $id, toStage: $to, reason: "bench") { id } }`,
        { id: contacts[i], to },
      );

    // 1. live
    await ask(child, { cmd: 'reset' }, 'ok');
    const liveCpu = cpuSeconds();
    const liveStart = performance.now();
    const loaded = await ask(
      child,
      { cmd: 'load', url: b.app.url, key: BENCH_KEY, contacts, toStage: 'MQL', rate: RATE },
      'loaded',
    );
    if (loaded.errors) throw new Error(`live: ${loaded.errors} transitionContact requests failed`);
    const live = (await ask(child, { cmd: 'report', expected: EVENTS, waitMs: REPORT_WAIT_MS }, 'report')).report;
    const liveSeconds = (performance.now() - liveStart) / 1000;
    console.log(
      line('service live', live) +
        (`; service CPU incl. the API ${(((cpuSeconds() - liveCpu) / live.delivered) * 1e6).toFixed(0)} ` +
          `µs/promotion, ${liveSeconds.toFixed(1)} s, send lag p99 ${loaded.lagP99} ms; transitionContact round ` +
          `trip p50 ${loaded.rtP50} ms p99 ${loaded.rtP99} ms`),
    );
    check('live', live);

    // 2. backlog
    const setEnabled = (enabled: boolean) =>
      pool(
        ENDPOINTS,
        SETUP_CONCURRENCY,
        async (e) =>
          void (await b.gql(
            `mutation($id: ID!, $on: Boolean!) { updateWebhookEndpoint(id: $id, input: { enabled: $on }) { id } }`,
            { id: endpoints[e].id, on: enabled },
          )),
      );
    await setEnabled(false);
    await pool(EVENTS, SETUP_CONCURRENCY, async (i) => void (await move(i, 'SQL')));
    await sleep(500);
    await ask(child, { cmd: 'reset' }, 'ok');
    const attempts0 = await attemptsOf(b);
    // Enabled by one UPDATE rather than 100 mutations, so the window holds the delivery path alone
    // (the worker's next poll finds the work).
    const idle = await idleCpuPerSecond();
    console.log(`  idle service: ${(idle * 1000).toFixed(1)} ms CPU per second (subtracted from every window below)`);
    const serviceCpu = cpuWindow(idle);
    const backlogStart = performance.now();
    const backlog = await profiled(process.env.CPU_PROFILE, async () => {
      await b.app.ds.query('UPDATE webhook_endpoints SET enabled = 1');
      return (await ask(child, { cmd: 'report', expected: EVENTS, waitMs: REPORT_WAIT_MS }, 'report')).report;
    });
    const service = serviceCpu(backlog.delivered);
    const attempts = (await attemptsOf(b)) - attempts0;
    console.log(
      line('service backlog', backlog, service.perDelivery) +
        (`; raw ${us(service.raw)} over ${service.seconds.toFixed(1)} s, system ` +
          `${(service.systemShare * 100).toFixed(0)}%, ${attempts} attempts, ` +
          `${(backlog.delivered / ((performance.now() - backlogStart) / 1000)).toFixed(0)} deliveries/s`),
    );
    check('backlog', backlog);

    // 3. bare, then the floor (the bare loop and the durable writes)
    const bare = bareLoop(
      urls,
      endpoints.map((e) => e.secret),
      endpoints.map((e) => e.id),
      FIRST_RETRY_MS,
    );
    await ask(child, { cmd: 'reset' }, 'ok');
    const pacedDone = bare.expect(EVENTS);
    await paced(EVENTS, RATE, async (i) => bare.enqueue(i % ENDPOINTS, new Date()));
    await pacedDone;
    const barePaced = (await ask(child, { cmd: 'report', expected: EVENTS, waitMs: REPORT_WAIT_MS }, 'report')).report;
    console.log(line('bare paced', barePaced));
    const backlogOf = async (phase: string, profile: string | undefined) => {
      await ask(child, { cmd: 'reset' }, 'ok');
      const cpu = cpuWindow(idle);
      const done = bare.expect(EVENTS);
      const report = await profiled(profile, async () => {
        for (let i = 0; i < EVENTS; i++) bare.enqueue(i % ENDPOINTS, new Date());
        await done;
        return (await ask(child, { cmd: 'report', expected: EVENTS, waitMs: REPORT_WAIT_MS }, 'report')).report;
      });
      const used = cpu(report.delivered);
      console.log(
        line(phase, report, used.perDelivery) +
          `; raw ${us(used.raw)} over ${used.seconds.toFixed(1)} s, system ${(used.systemShare * 100).toFixed(0)}%`,
      );
      check(phase, report);
      return used.perDelivery;
    };
    const bareCpu = await backlogOf('bare backlog', process.env.CPU_PROFILE && process.env.CPU_PROFILE + '.bare');
    const writes = new DurableWrites(b.app.ds);
    await writes.prepare(
      endpoints.map((e) => e.id),
      EVENTS,
      benchBody(0, 0, new Date()),
    );
    bare.useDurable(writes);
    const floorCpu = await backlogOf('floor backlog', process.env.CPU_PROFILE && process.env.CPU_PROFILE + '.floor');
    const written = await writes.settle();
    if (written.delivered !== EVENTS) throw new Error(`floor: ${written.delivered} of ${EVENTS} rows marked delivered`);
    console.log(`  floor writes: ${written.delivered} delivered rows, ${written.attempts} attempt rows`);
    bare.destroy();
    console.log(
      `  => healthy p99 ${live.healthy.p99} ms (target < 1000), CPU per delivery ${us(service.perDelivery)} ` +
        `vs bare ${us(bareCpu)}: ratio ${(service.perDelivery / bareCpu).toFixed(2)} (target <= 2); ` +
        `floor (bare + attempt row + delivered state) ${us(floorCpu)}: ratio ${(floorCpu / bareCpu).toFixed(2)} ` +
        `to bare, service ${(service.perDelivery / floorCpu).toFixed(2)} to floor`,
    );
  } finally {
    child.send({ cmd: 'close' } satisfies ToReceivers);
    await b.stop();
  }
}

/** The service's attempt count (lq_webhook_attempts). */
async function attemptsOf(b: BenchApp): Promise<number> {
  const text = await (
    await fetch(b.app.url.replace('/graphql', '/metrics'), { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
  ).text();
  return Number(/lq_webhook_attempts (\d+)/.exec(text)?.[1] ?? 0);
}

runBench('bench/webhooks: signed, ordered, at-least-once delivery against a bare sign-and-POST loop', runStore);
