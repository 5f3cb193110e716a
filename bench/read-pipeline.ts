/**
 * The fixed cost of a request under the fixed choices: `{ __typename }` with the bench's ADMIN key through the
 * whole service (HTTP, @apollo/server 5, the key lookup and our gates) against a bare node:http server answering
 * the same JSON, autocannon (20 connections) from a second process, server CPU per request from process.cpuUsage.
 * `node -r ts-node/register/transpile-only bench/read-pipeline.ts [sqlite|mysql]` (SECONDS, default 10); it uses
 * bench/read's database unless BENCH_DATABASE_URL names another (ports BENCH_PORT and the next, default 4412).
 * API_KEY_CACHE_TTL_MS and REDIS_URL are passed to the service: on MySQL the key cache serves only with Redis.
 */
import './production';
import http from 'node:http';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { loadConfig } from '../src/config/config';
import { startApp } from '../src/main';
import { BENCH_KEY } from './common';
import { readDatabaseUrl } from './read-data';
const PORT = Number(process.env.BENCH_PORT ?? 4412);
const passed = Object.fromEntries(
  ['API_KEY_CACHE_TTL_MS', 'REDIS_URL'].flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : [])),
);
void (async () => {
  const app = await startApp(
    loadConfig({
      DATABASE_URL: process.env.BENCH_DATABASE_URL ?? readDatabaseUrl((process.argv[2] ?? 'sqlite') as any),
      PORT: String(PORT),
      ADMIN_API_KEY: BENCH_KEY,
      LOG_LEVEL: 'silent',
      NODE_ENV: 'production',
      RATE_LIMIT_ADMIN: '1000000:1000000',
      ...passed,
    }),
  );
  const bare = http
    .createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        JSON.parse(Buffer.concat(chunks).toString());
        const body = JSON.stringify({ data: { __typename: 'Query' } });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      });
    })
    .listen(PORT + 1);
  const run = async (url: string, auth: boolean) => {
    const args = [
      'autocannon',
      '-j',
      '-c',
      '20',
      '-d',
      process.env.SECONDS ?? '10',
      '-m',
      'POST',
      '-H',
      'content-type: application/json',
      ...(auth ? ['-H', `authorization: Bearer ${BENCH_KEY}`] : []),
      '-b',
      '{"query":"{ __typename }"}',
      url,
    ];
    const out = JSON.parse((await promisify(execFile)('npx', args, { encoding: 'utf8' })).stdout);
    return { rps: out.requests.average, p50: out.latency.p50, non2xx: out.non2xx };
  };
  const cpu0 = process.cpuUsage();
  const api = await run(app.url, true);
  const cpu1 = process.cpuUsage(cpu0);
  const floor = await run(`http://127.0.0.1:${PORT + 1}/`, false);
  const cpu2 = process.cpuUsage(cpu0);
  const ms = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;
  const seconds = Number(process.env.SECONDS ?? 10);
  const perReq = (cpuMs: number, rps: number) => (cpuMs / (rps * seconds)).toFixed(3);
  console.log(
    `{ __typename } API: ${api.rps.toFixed(0)} req/s p50 ${api.p50} ms non2xx ${api.non2xx}, ` +
      `server CPU ${perReq(ms(cpu1), api.rps)} ms/req`,
  );
  console.log(
    `bare node:http:    ${floor.rps.toFixed(0)} req/s p50 ${floor.p50} ms non2xx ${floor.non2xx}, ` +
      `server CPU ${perReq(ms(cpu2) - ms(cpu1), floor.rps)} ms/req`,
  );
  console.log(`ratio ${(api.rps / floor.rps).toFixed(2)}`);
  bare.close();
  await app.stop();
})();
