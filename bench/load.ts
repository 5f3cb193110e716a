/**
 * bench/load: a mixed read/ingest workload at 50 concurrent keep-alive
 * connections for 60 s against the real service (HTTP on loopback,
 * NODE_ENV=production) on a fresh store seeded with the demo generator.
 *
 *   npm run bench:load [-- sqlite|mysql]
 *   env: DURATION (60), CONNECTIONS (50), CONTACTS (2000), BASELINE_SECONDS (15), BATCH (25)
 *
 * The client (bench/load-client.ts, autocannon) runs in a forked process, so
 * this process holds only the server: its heap and RSS are sampled every 2 s
 * after a forced GC (`--expose-gc`, set by the npm script) and its CPU time is
 * measured over the run. Every response is checked: the run FAILS (exit 1) on
 * any error other than RATE_LIMITED, which one key with a deliberately low
 * limit must get, and on heap growth (last quarter of the samples above the
 * first by more than 20 %).
 *
 * Baseline: the same operation mix executed in-process with graphql-js
 * `execute` on the same schema and per-request context, with as many
 * requests in flight as the client has connections, for BASELINE_SECONDS
 * right before and right after the load; the ratio is HTTP req/s over the
 * mean of the two (what HTTP, Apollo, auth and rate limiting cost).
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { type DocumentNode, type GraphQLError, execute, parse, validate } from 'graphql';
import { BENCH_KEY, type BenchApp, type Store, runBench, since, startBenchApp } from './common';
import {
  type KeyName,
  type LoadClientConfig,
  type LoadClientReport,
  type LoadTargets,
  Tally,
  Workload,
} from './load-client';
import { DemoPlan } from '../scripts/demo/plan';
import { seedThroughServices } from '../scripts/demo/seed';
import { buildAppSchema } from '../src/graphql/schema';
import { createContext } from '../src/graphql/context';
import { Role } from '../src/modules/access/api-key.entity';
import type { Viewer } from '../src/modules/access/viewer';

const SECONDS = Number(process.env.DURATION ?? 60);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 50);
const CONTACTS = Number(process.env.CONTACTS ?? 2000);
const BASELINE_SECONDS = Number(process.env.BASELINE_SECONDS ?? 15);
const SAMPLE_MS = 2000;
/** Heap growth (last quarter of the samples over the first) that fails the run. */
const MAX_HEAP_GROWTH = 1.2;
/**
 * Role limits of the run: the keys that carry the load are not limited (the
 * bench measures the service, not the limiter), the VIEWER key is, hard.
 */
const RATE_LIMITS = {
  RATE_LIMIT_ADMIN: '100000:100000',
  RATE_LIMIT_MARKETING: '100000:100000',
  RATE_LIMIT_SALES: '100000:100000',
  RATE_LIMIT_PARTNER: '100000:100000',
  RATE_LIMIT_VIEWER: '2:5',
};
const MIB = 2 ** 20;

/** Seeds the demo through the services and creates the run's keys; returns their secrets and what requests can name. */
async function seed(b: BenchApp): Promise<{ secrets: Record<KeyName, string>; targets: LoadTargets }> {
  const started = performance.now();
  const { services, ds } = b.app;
  const { report } = await seedThroughServices(
    services,
    new DemoPlan({ contacts: CONTACTS, days: 90, seed: 42, policy: await services.lifecycle.policy() }),
  );
  const [partner] = await ds.query(
    'SELECT partner_id AS id FROM contacts WHERE partner_id IS NOT NULL GROUP BY partner_id ORDER BY COUNT(*) ' +
      'DESC LIMIT 1',
  );
  const key = async (name: string, role: Role, partnerId?: string) =>
    (await services.access.createApiKey({ name, role, partnerId })).secret;
  const secrets: Record<KeyName, string> = {
    admin: BENCH_KEY,
    marketing: await key('load-marketing', Role.MARKETING),
    sales: await key('load-sales', Role.SALES),
    partner: await key('load-partner', Role.PARTNER, partner.id),
    limited: await key('load-limited-viewer', Role.VIEWER),
  };
  const column = async (sql: string, params: unknown[] = []) =>
    ((await ds.query(sql, params)) as { v: string }[]).map((r) => r.v);
  const targets: LoadTargets = {
    contactIds: await column('SELECT id AS v FROM contacts'),
    partnerContactIds: await column('SELECT id AS v FROM contacts WHERE partner_id = ?', [partner.id]),
    sources: await column('SELECT DISTINCT source AS v FROM contacts WHERE source IS NOT NULL'),
    owners: await column('SELECT DISTINCT owner_id AS v FROM contacts WHERE owner_id IS NOT NULL'),
    searches: [
      ...new Set(
        (await column('SELECT first_name AS v FROM contacts WHERE first_name IS NOT NULL')).map((n) =>
          n.slice(0, 2).toLowerCase(),
        ),
      ),
    ],
  };
  console.log(
    `  seeded ${report.contacts} contacts, ${report.activities} activities, ${report.transitions} ` +
      `transitions, ${report.rules} rules, ${report.partners} partners in ${since(started).toFixed(0)} s; ` +
      `partner key sees ${targets.partnerContactIds.length} contacts`,
  );
  return { secrets, targets };
}

/**
 * The same mix through graphql-js `execute` in this process, `CONNECTIONS` requests in flight; ops/s and per-operation
 * latency.
 */
async function inProcess(
  b: BenchApp,
  secrets: Record<KeyName, string>,
  targets: LoadTargets,
  seed: number,
): Promise<{ opsPerSec: number; tally: Tally }> {
  const schema = await buildAppSchema();
  const viewers = {} as Record<KeyName, Viewer>;
  for (const [name, secret] of Object.entries(secrets) as [KeyName, string][])
    viewers[name] = (await b.app.services.access.authenticate(secret))!;
  const documents = new Map<string, DocumentNode>();
  const document = (query: string) => {
    let doc = documents.get(query);
    if (!doc) {
      doc = parse(query);
      const errors = validate(schema, doc);
      if (errors.length) throw errors[0];
      documents.set(query, doc);
    }
    return doc;
  };
  const workload = new Workload(targets, seed, `baseline-${seed}`);
  const tally = new Tally();
  let ops = 0;
  const start = performance.now();
  const end = start + BASELINE_SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < end) {
        const op = workload.next();
        const at = performance.now();
        const result = await execute({
          schema,
          document: document(op.query),
          variableValues: op.variables,
          contextValue: createContext(viewers[op.key], b.app.services),
        });
        const codes = (result.errors ?? []).map((e: GraphQLError) =>
          String(e.extensions?.code ?? e.originalError?.constructor.name ?? 'NO_CODE'),
        );
        tally.add(op.name, performance.now() - at, codes, JSON.stringify(result.errors ?? []));
        ops++;
      }
    }),
  );
  return { opsPerSec: ops / since(start), tally };
}

/** Heap (after a forced GC when exposed) and RSS of this process every SAMPLE_MS. */
function sampleSettledMemory() {
  const gc = (globalThis as { gc?: () => void }).gc;
  const samples: { heap: number; rss: number }[] = [];
  let gcMaxMs = 0;
  const take = () => {
    const at = performance.now();
    gc?.();
    gcMaxMs = Math.max(gcMaxMs, performance.now() - at);
    const m = process.memoryUsage();
    samples.push({ heap: m.heapUsed / MIB, rss: m.rss / MIB });
  };
  take();
  const timer = setInterval(take, SAMPLE_MS);
  return {
    gc: Boolean(gc),
    stop() {
      clearInterval(timer);
      take();
      const q = Math.max(1, Math.floor(samples.length / 4));
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      return {
        samples,
        gcMaxMs,
        heapFirstQuarter: mean(samples.slice(0, q).map((s) => s.heap)),
        heapLastQuarter: mean(samples.slice(-q).map((s) => s.heap)),
        rssFirstQuarter: mean(samples.slice(0, q).map((s) => s.rss)),
        rssLastQuarter: mean(samples.slice(-q).map((s) => s.rss)),
      };
    },
  };
}

/** Runs the client process against the server and returns its report. */
function runClient(cfg: LoadClientConfig): Promise<LoadClientReport> {
  return new Promise((resolve, reject) => {
    const child = fork(join(__dirname, 'load-client.ts'), [], { execArgv: ['-r', 'ts-node/register/transpile-only'] });
    let report: LoadClientReport | null = null;
    child.once('message', (m) => (report = m as LoadClientReport));
    child.once('error', reject);
    child.once('exit', (code) =>
      report ? resolve(report) : reject(new Error(`load client exited with ${code} and no report`)),
    );
    child.send(cfg);
  });
}

const f0 = (n: number) => n.toFixed(0);
const f1 = (n: number) => n.toFixed(1);

async function runStore(store: Store): Promise<void> {
  console.log(`${store}:`);
  const b = await startBenchApp(store, RATE_LIMITS);
  const failures: string[] = [];
  try {
    const { secrets, targets } = await seed(b);
    console.log(`  mix: ${new Workload(targets, 1, 'describe').describe()}`);
    const before = await inProcess(b, secrets, targets, 1);
    console.log(`  baseline before: ${f0(before.opsPerSec)} ops/s in-process`);

    const memory = sampleSettledMemory();
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const cpu = process.cpuUsage();
    const wall = performance.now();
    const http = await runClient({
      url: b.app.url,
      secrets,
      targets,
      connections: CONNECTIONS,
      seconds: SECONDS,
      seed: 2,
    });
    const cpuUsed = process.cpuUsage(cpu);
    const cpuShare = (cpuUsed.user + cpuUsed.system) / 1000 / (performance.now() - wall);
    const mem = memory.stop();
    loopDelay.disable();
    const load = loadavg()[0];

    const after = await inProcess(b, secrets, targets, 3);
    console.log(`  baseline after:  ${f0(after.opsPerSec)} ops/s in-process`);
    const baseline = (before.opsPerSec + after.opsPerSec) / 2;

    const limited = http.errors.RATE_LIMITED ?? 0;
    console.log(
      `  HTTP: ${http.requests} responses in ${f1(http.seconds)} s = ${f0(http.reqPerSec)} req/s ` +
        `(${f0((http.requests - limited) / http.seconds)} req/s without the RATE_LIMITED ones), server CPU ` +
        `${f0(cpuShare * 100)} % of one core, machine load average ${load.toFixed(1)}`,
    );
    console.log(
      `  server event-loop delay ms: p50 ${f0(loopDelay.percentile(50) / 1e6)}  p99 ` +
        `${f0(loopDelay.percentile(99) / 1e6)}  max ${f0(loopDelay.max / 1e6)}`,
    );
    console.log(
      `  latency ms: p50 ${http.latency.p50}  p97.5 ${http.latency.p97_5}  p99 ${http.latency.p99}  max ` +
        `${http.latency.max}  mean ${f1(http.latency.mean)}`,
    );
    console.log(
      `  status codes: ${JSON.stringify(http.statusCodes)}  socket errors ${http.socketErrors}  timeouts ` +
        `${http.timeouts}`,
    );
    console.log(`  errors by code: ${JSON.stringify(http.errors)}`);
    console.log(
      `  ratio HTTP / in-process execute: ${(http.reqPerSec / baseline).toFixed(2)} (${f0(http.reqPerSec)} / ` +
        `${f0(baseline)} ops/s)`,
    );
    console.log('  per operation (HTTP p50/p99 ms, n | in-process before p50/p99 ms):');
    const base = before.tally.perOp();
    for (const [op, s] of Object.entries(http.perOp).sort()) {
      const x = base[op];
      console.log(
        `    ${op.padEnd(28)} ${f1(s.p50).padStart(7)} ${f1(s.p99).padStart(7)} ${String(s.n).padStart(7)} | ` +
          `${x ? `${f1(x.p50).padStart(7)} ${f1(x.p99).padStart(7)}` : '-'}`,
      );
    }
    console.log(
      `  server memory every ${SAMPLE_MS / 1000} ` +
        `s${memory.gc ? ' after a forced GC' : ' (no --expose-gc: not settled)'} (MiB):`,
    );
    console.log(`    heap ${mem.samples.map((s) => f0(s.heap)).join(' ')}`);
    console.log(`    rss  ${mem.samples.map((s) => f0(s.rss)).join(' ')}`);
    console.log(`    longest forced GC ${f0(mem.gcMaxMs)} ms`);
    console.log(
      `    heap first quarter ${f1(mem.heapFirstQuarter)} -> last quarter ${f1(mem.heapLastQuarter)} ` +
        `(x${(mem.heapLastQuarter / mem.heapFirstQuarter).toFixed(2)});  rss ${f0(mem.rssFirstQuarter)} -> ` +
        `${f0(mem.rssLastQuarter)}`,
    );

    const unexpected = Object.entries(http.errors).filter(([code]) => code !== 'RATE_LIMITED');
    if (unexpected.length) {
      failures.push(`errors other than RATE_LIMITED: ${JSON.stringify(Object.fromEntries(unexpected))}`);
      if (http.timedOut.length) console.log(`    never answered (operation@sent): ${http.timedOut.join(' ')}`);
      for (const [k, body] of Object.entries(http.examples))
        if (!k.endsWith('RATE_LIMITED') && !k.endsWith('TIMEOUT')) console.log(`    e.g. ${k}: ${body}`);
    }
    if (http.socketErrors || http.timeouts)
      failures.push(`${http.socketErrors} socket errors, ${http.timeouts} timeouts`);
    if (limited === 0) failures.push('the rate-limited key was never limited');
    for (const [name, run] of [
      ['before', before],
      ['after', after],
    ] as const) {
      if (Object.keys(run.tally.errors).length)
        failures.push(
          `in-process baseline ${name}: errors ${JSON.stringify(run.tally.errors)} e.g. ` +
            `${Object.values(run.tally.examples)[0]}`,
        );
    }
    if (mem.heapLastQuarter > mem.heapFirstQuarter * MAX_HEAP_GROWTH)
      failures.push(`heap grew x${(mem.heapLastQuarter / mem.heapFirstQuarter).toFixed(2)}`);
    console.log(failures.length ? `  FAIL: ${failures.join('; ')}` : '  PASS: no error but RATE_LIMITED, heap flat');
  } finally {
    await b.stop();
  }
  if (failures.length) throw new Error(`${store}: ${failures.join('; ')}`);
}

runBench(
  `bench/load: mixed read/ingest, ${CONNECTIONS} connections for ${SECONDS} s over HTTP on loopback ` +
    `(NODE_ENV=production), ${CONTACTS} demo contacts`,
  runStore,
);
