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
 *   service's in backlog.cpuprofile, the bare loop's in backlog.cpuprofile.bare; open them in Chrome DevTools)
 *
 * Phases, in one run per store:
 *  1. live: EVENTS promotions to MQL at RATE/s (sent from the receivers'
 *     process, so the load's client costs stay out of the service's) while
 *     the service delivers.
 *     Latency is from the transition's time (taken inside its transaction,
 *     just before commit: an upper bound on commit to receipt) to the first
 *     2xx receipt, same machine, same wall clock.
 *  2. backlog: endpoints disabled, the same contacts promoted to SQL, then
 *     the endpoints enabled: this process's CPU until every event is
 *     delivered, per delivery (no API traffic in that window).
 *  3. bare: a loop in this process that signs (standardwebhooks) and POSTs
 *     (node:http, keep-alive, one request in flight per endpoint, in order,
 *     the same retry delay) the same number of payloads of the same shape:
 *     paced at RATE/s for latency, then as a backlog for CPU per delivery.
 * The run fails unless every event arrives, none twice, in order per endpoint.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import http from 'node:http';
import { join } from 'node:path';
import { BENCH_KEY, type BenchApp, type Store, runBench, startBenchApp } from './common';
import type { FromReceivers, ReceiverReport, ToReceivers } from './webhooks-receivers';
import { promotionPayload, webhookId } from '../src/modules/webhooks/payload';
import { signHeaders } from '../src/modules/webhooks/signer';

const ENDPOINTS = Number(process.env.ENDPOINTS ?? 100);
const FLAKY = Number(process.env.FLAKY ?? 10);
const EVENTS = Number(process.env.EVENTS ?? 10_000);
const RATE = Number(process.env.RATE ?? 100);
/** The first retry's delay (5 s in production): shortened so the flaky endpoints' retries end within the run. */
const FIRST_RETRY_MS = Number(process.env.FIRST_RETRY_MS ?? 100);
/** Requests in flight while setting up (untimed). */
const SETUP_CONCURRENCY = 16;
/** /metrics is closed in production unless a token is set. */
const METRICS_TOKEN = 'bench-metrics-token-0123456789';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

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
    (`latency healthy p50 ${r.healthy.p50} ms p99 ${r.healthy.p99} ms max ${r.healthy.max} ms, flaky p50 ` +
      `${r.flaky.p50} ms p99 ${r.flaky.p99} ms`) +
    (cpuPerDelivery === undefined ? '' : `; CPU ${(cpuPerDelivery * 1e6).toFixed(0)} µs/delivery`)
  );
}

/** The bare loop: per endpoint a queue, one request in flight, retried after the same delays until 2xx. */
function bareLoop(urls: string[], secrets: string[]) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const queues = urls.map(() => ({ items: [] as { body: string; id: string }[], busy: false, failures: 0 }));
  let done = 0;
  let resolveAll: (() => void) | null = null;
  const post = (url: string, body: string, headers: Record<string, string>) =>
    new Promise<number>((resolve) => {
      const req = http.request(
        url,
        {
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', () => resolve(0));
      req.end(body);
    });
  const pump = (e: number): void => {
    const q = queues[e];
    if (q.busy || q.items.length === 0) return;
    q.busy = true;
    const item = q.items[0];
    const headers = signHeaders(item.id, new Date(), item.body, [secrets[e]]);
    void post(urls[e], item.body, { ...headers }).then(async (status) => {
      if (status >= 200 && status < 300) {
        q.items.shift();
        q.failures = 0;
        if (++done === expected && resolveAll) resolveAll();
      } else await sleep(FIRST_RETRY_MS * 2 ** q.failures++);
      q.busy = false;
      pump(e);
    });
  };
  let expected = 0;
  let seq = 0;
  return {
    enqueue(e: number, sentAt: Date) {
      const n = ++seq;
      const body = promotionPayload(
        {
          seq: n,
          id: String(n),
          contactId: `bare-${n}`,
          fromStage: 'LEAD',
          toStage: 'MQL',
          trigger: 'MANUAL',
          reason: 'bench',
          score: 0,
          actor: 'bench',
          actorOwnerId: null,
          occurredAt: sentAt.toISOString(),
          partnerId: `p-${e}`,
          ownerId: null,
          contact: {
            id: `bare-${n}`,
            email: `bare-${n}@acme-corp.com`,
            stage: 'MQL',
            score: 0,
            fitScore: 0,
            engagementScore: 0,
          },
        },
        `cursor-${n}`,
      );
      queues[e].items.push({ body, id: webhookId('lead.promoted', String(n), '') });
      pump(e);
    },
    expect(n: number): Promise<void> {
      expected = n;
      done = 0;
      return done === n ? Promise.resolve() : new Promise((resolve) => (resolveAll = resolve));
    },
    destroy: () => agent.destroy(),
  };
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
    const live = (await ask(child, { cmd: 'report', expected: EVENTS, waitMs: 30_000 }, 'report')).report;
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
    const backlogCpu = cpuSeconds();
    const backlogStart = performance.now();
    const backlog = await profiled(process.env.CPU_PROFILE, async () => {
      await setEnabled(true);
      return (await ask(child, { cmd: 'report', expected: EVENTS, waitMs: 30_000 }, 'report')).report;
    });
    const serverCpu = (cpuSeconds() - backlogCpu) / backlog.delivered;
    const attempts = (await attemptsOf(b)) - attempts0;
    console.log(
      line('service backlog', backlog, serverCpu) +
        (`; ${attempts} attempts, ` +
          `${(backlog.delivered / ((performance.now() - backlogStart) / 1000)).toFixed(0)} deliveries/s`),
    );
    check('backlog', backlog);

    // 3. bare
    const bare = bareLoop(
      urls,
      endpoints.map((e) => e.secret),
    );
    await ask(child, { cmd: 'reset' }, 'ok');
    const pacedDone = bare.expect(EVENTS);
    await paced(EVENTS, RATE, async (i) => bare.enqueue(i % ENDPOINTS, new Date()));
    await pacedDone;
    const barePaced = (await ask(child, { cmd: 'report', expected: EVENTS, waitMs: 30_000 }, 'report')).report;
    console.log(line('bare paced', barePaced));
    await ask(child, { cmd: 'reset' }, 'ok');
    const bareCpu0 = cpuSeconds();
    const backlogDone = bare.expect(EVENTS);
    await profiled(process.env.CPU_PROFILE && process.env.CPU_PROFILE + '.bare', async () => {
      for (let i = 0; i < EVENTS; i++) bare.enqueue(i % ENDPOINTS, new Date());
      await backlogDone;
    });
    const bareCpu = (cpuSeconds() - bareCpu0) / EVENTS;
    const bareBacklog = (await ask(child, { cmd: 'report', expected: EVENTS, waitMs: 30_000 }, 'report')).report;
    console.log(line('bare backlog', bareBacklog, bareCpu));
    bare.destroy();
    check('bare', bareBacklog);
    console.log(
      `  => healthy p99 ${live.healthy.p99} ms (target < 1000), CPU per delivery ` +
        `${(serverCpu * 1e6).toFixed(0)} µs vs bare ${(bareCpu * 1e6).toFixed(0)} µs: ratio ` +
        `${(serverCpu / bareCpu).toFixed(2)} (target <= 2)`,
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
