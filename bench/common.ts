/**
 * Shared benchmark plumbing: a fresh database per store, the real service on
 * a free port (NODE_ENV=production, as deployed), a keep-alive GraphQL client,
 * and memory sampling.
 */
import './production';
import { createScratchDatabase, type ScratchDatabase } from '../test/helpers/scratch-database';
import { loadConfig } from '../src/config/config';
import { type App, startApp } from '../src/main';
import { ACTIVITY_COLUMNS } from '../src/modules/activities/activity.rows';
import { valuesPlaceholders } from '../src/db/portable';

export const BENCH_KEY = 'bench-admin-key-0123456789abcdef';
export type Store = 'sqlite' | 'mysql';

/** Stores named on the command line (`sqlite`, `mysql`), both by default. */
export function storesFromArgs(): Store[] {
  const named = process.argv.slice(2).filter((a): a is Store => a === 'sqlite' || a === 'mysql');
  return named.length ? named : ['sqlite', 'mysql'];
}

export interface BenchApp {
  app: App;
  db: ScratchDatabase;
  gql<T = any>(query: string, variables?: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
}

/** Starts the service on a new database of `store`. */
export async function startBenchApp(store: Store, env: Record<string, string> = {}): Promise<BenchApp> {
  const db = await createScratchDatabase(
    store,
    process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306',
    'lq_bench',
  );
  const app = await startApp(
    loadConfig({
      DATABASE_URL: db.url,
      PORT: '0',
      ADMIN_API_KEY: BENCH_KEY,
      LOG_LEVEL: 'silent',
      NODE_ENV: 'production',
      ...env,
    }),
  );
  return {
    app,
    db,
    async gql(query, variables = {}) {
      const res = await fetch(app.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${BENCH_KEY}` },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as { data: any; errors?: unknown[] };
      if (body.errors) throw new Error(JSON.stringify(body.errors).slice(0, 500));
      return body.data;
    },
    async stop() {
      await app.stop();
      // BENCH_KEEP_DB=1 leaves the data in place for EXPLAIN and experiments (drop it by hand).
      if (process.env.BENCH_KEEP_DB === '1') console.log(`  kept database ${db.url}`);
      else await db.drop();
    },
  };
}

/** Samples RSS and heap every `ms` until stopped; returns MiB figures. */
export function sampleMemory(ms = 250) {
  const samples: { rss: number; heap: number }[] = [];
  const take = () => {
    const m = process.memoryUsage();
    samples.push({ rss: m.rss / 2 ** 20, heap: m.heapUsed / 2 ** 20 });
  };
  take();
  const timer = setInterval(take, ms);
  return {
    stop() {
      clearInterval(timer);
      take();
      const heaps = samples.map((s) => s.heap);
      const rss = samples.map((s) => s.rss);
      // Flat means the second half of the run peaks no higher than the first: nothing grows with the contacts done.
      const half = Math.ceil(samples.length / 2);
      return {
        samples: samples.length,
        heapMin: Math.min(...heaps),
        heapMax: Math.max(...heaps),
        heapMaxFirstHalf: Math.max(...heaps.slice(0, half)),
        heapMaxSecondHalf: Math.max(...heaps.slice(half)),
        rssStart: rss[0],
        rssMax: Math.max(...rss),
        rssEnd: rss[rss.length - 1],
      };
    },
  };
}

/**
 * The baselines' raw multi-row insert of `rows` activities, with the columns
 * ingestion writes (parameters: activityRow's values, row after row).
 */
export function rawActivityInsert(rows: number): string {
  return (
    `INSERT INTO activities (${ACTIVITY_COLUMNS.join(', ')}) VALUES ` +
    `${valuesPlaceholders(rows, ACTIVITY_COLUMNS.length)}`
  );
}

/** Seconds since `start` (from performance.now()). */
export function since(start: number): number {
  return (performance.now() - start) / 1000;
}

/** Deterministic pseudo-random numbers (the demo generator's mulberry32) so runs compare. */
export { prng as rng } from '../scripts/demo/random';

/** Runs a benchmark's main for every store named on the command line and exits with its outcome. */
export function runBench(title: string, runStore: (store: Store) => Promise<void>): void {
  // Node exits 0 when nothing is left to wait for, even mid-await: a benchmark cut short that way must not pass as run.
  process.once('beforeExit', () => {
    console.error('bench: the process ran out of work before the benchmark finished (an await nothing could resolve)');
    process.exit(1);
  });
  (async () => {
    console.log(title);
    for (const store of storesFromArgs()) await runStore(store);
  })().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
