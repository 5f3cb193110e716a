/**
 * Server CPU per request of bench/read's operations on its SQLite database: the service (NODE_ENV=production)
 * answers autocannon (CONNECTIONS, default 20, for SECONDS, default 10) from a second process; process.cpuUsage
 * over the run divided by the requests answered; (c) asks for one contact page (bench/read cycles through 200).
 * With PROFILE=<dir>, a V8 CPU profile of each run (the load only, not start-up) goes to <dir>/<op>.cpuprofile:
 *   PROFILE=/tmp/prof node -r ts-node/register/transpile-only bench/read-profile.ts a b c
 * Uses bench/read's data as it is (load it first: `npm run bench:read -- sqlite --load-only`); port 4310.
 */
import './production';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { loadavg } from 'node:os';
import { writeFileSync, mkdirSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { loadConfig } from '../src/config/config';
import { startApp } from '../src/main';
import { BENCH_KEY } from './common';
import { readDatabaseUrl } from './read-data';
import { gqlClient } from './read-store';
import { OPS } from './read-ops';

const SECONDS = process.env.SECONDS ?? '10';
const CONNECTIONS = process.env.CONNECTIONS ?? '20';

/** autocannon's summary of a run posting `body` (its CLI takes one body). */
async function fire(url: string, body: string): Promise<{ requests: number; rps: number; non2xx: number }> {
  const args = [
    'autocannon',
    '-j',
    '-c',
    CONNECTIONS,
    '-d',
    SECONDS,
    '-m',
    'POST',
    '-H',
    'content-type: application/json',
  ];
  args.push('-H', `authorization: Bearer ${BENCH_KEY}`, '-b', body, url);
  const out = JSON.parse((await promisify(execFile)('npx', args, { encoding: 'utf8' })).stdout);
  return { requests: out.requests.total, rps: out.requests.average, non2xx: out.non2xx };
}

void (async () => {
  const app = await startApp(
    loadConfig({
      DATABASE_URL: readDatabaseUrl('sqlite'),
      PORT: '4310',
      ADMIN_API_KEY: BENCH_KEY,
      LOG_LEVEL: 'silent',
      NODE_ENV: 'production',
      RATE_LIMIT_ADMIN: '1000000:1000000',
    }),
  );
  const gql = gqlClient(app);
  let after: string | null = null;
  for (let page = 1; page < 20; page++) after = (await gql(OPS[0].query, { after })).contacts.pageInfo.endCursor;
  const [page] = await app.ds.query(
    "SELECT id FROM contacts WHERE stage = 'OPPORTUNITY' AND score >= 250 ORDER BY score, id LIMIT 1",
  );
  const variables: Record<string, Record<string, unknown>> = { a: {}, b: { after }, c: { id: page.id } };
  for (const name of process.argv.slice(2)) {
    const op = OPS.find((o) => o.name === name)!;
    const body = JSON.stringify({ query: op.query, variables: variables[name] });
    for (let i = 0; i < 20; i++) await gql(op.query, variables[name]);
    const session = process.env.PROFILE ? new Session() : null;
    session?.connect();
    await session?.post('Profiler.enable');
    await session?.post('Profiler.start');
    const cpu0 = process.cpuUsage();
    const run = await fire(app.url, body);
    const cpu = process.cpuUsage(cpu0);
    if (session) {
      const { profile } = await session.post('Profiler.stop');
      mkdirSync(process.env.PROFILE!, { recursive: true });
      writeFileSync(`${process.env.PROFILE}/${name}.cpuprofile`, JSON.stringify(profile));
      session.disconnect();
    }
    const ms = (cpu.user + cpu.system) / 1000 / run.requests;
    console.log(
      `(${name}) ${run.rps.toFixed(1)} req/s, server CPU ${ms.toFixed(2)} ms/req over ${run.requests} requests, ` +
        `non2xx ${run.non2xx}, load ${loadavg()[0].toFixed(2)}`,
    );
  }
  await app.stop();
})();
