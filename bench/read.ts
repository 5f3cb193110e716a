/**
 * bench/read: the reads UIs and partners make all day, at a million
 * contacts (issue 18). For each operation (bench/read-ops.ts): sequential
 * latency p50/p99 over SEQUENTIAL requests, then req/s at CONNECTIONS
 * connections for SECONDS, both from a second process (bench/read-client.ts),
 * against the service over HTTP (NODE_ENV=production) and against the
 * floor: the same JSON answer from hand-written SQL through the same driver
 * and JSON.stringify on a bare node:http server, in the same run. Prints
 * the ratio API/floor of req/s, and checks the two answers agree.
 *
 *   npm run bench:read [-- sqlite|mysql] [--reload] [--load-only]
 *   env: SEQUENTIAL (200), CONNECTIONS (20), SECONDS (20), READ_SCALE (1), BENCH_RELOAD=1, OPS (e.g. a,b,c; all)
 *
 * The data (bench/read-data.ts) stays in lq_bench_18b_read (MariaDB) and
 * /tmp/lq_bench_18b_read (SQLite) and is reused by the next run.
 */
import { fork } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { deepStrictEqual } from 'node:assert';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { createPool } from 'mysql2/promise';
import { BENCH_KEY, type Store, runBench } from './common';
import { API_PORT, type Gql, openReadStore } from './read-store';
import { OPS, type ReadOp, type Sql } from './read-ops';
import { readDatabaseUrl } from './read-data';
import type { ReadClientJob, ReadClientReport } from './read-client';
import { Role } from '../src/modules/access/api-key.entity';
import type { App } from '../src/main';

const RELOAD = process.argv.includes('--reload') || process.env.BENCH_RELOAD === '1';
const LOAD_ONLY = process.argv.includes('--load-only');
const SEQUENTIAL = Number(process.env.SEQUENTIAL ?? 200);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 20);
const SECONDS = Number(process.env.SECONDS ?? 20);
const FLOOR_PORT = API_PORT + 1;
const ONLY = process.env.OPS?.split(',');
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** The variables of each operation's requests (the client cycles through them) and the PARTNER key. */
async function targets(app: App, gql: Gql) {
  const q = (sql: string, params: unknown[] = []) => app.ds.query(sql, params) as Promise<Record<string, any>[]>;
  const [partner] = await q(
    'SELECT partner_id AS id FROM contacts WHERE partner_id IS NOT NULL GROUP BY partner_id ORDER BY COUNT(*) ' +
      'DESC LIMIT 1',
  );
  const key = await app.services.access.createApiKey({
    name: `bench-read-partner-${Date.now()}`,
    role: Role.PARTNER,
    partnerId: partner.id,
  });
  let after: string | null = null;
  for (let page = 1; page < 20; page++) after = (await gql(OPS[0].query, { after })).contacts.pageInfo.endCursor;
  const pages = await q(
    "SELECT id FROM contacts WHERE stage = 'OPPORTUNITY' AND score >= 250 ORDER BY score, id LIMIT 200",
  );
  const emails = await q('SELECT email FROM contacts WHERE partner_id = ? ORDER BY created_at, id LIMIT 200', [
    partner.id,
  ]);
  const names = await q('SELECT last_name_key AS k FROM contacts ORDER BY created_at, id LIMIT 20');
  const variables: Record<string, Record<string, unknown>[]> = {
    a: [{}],
    b: [{ after }],
    c: pages.map((r) => ({ id: r.id })),
    d: emails.map((r) => ({ email: r.email })),
    e: names.map((r) => ({ search: String(r.k).slice(0, 4) })),
  };
  return { variables, partnerId: partner.id as string, partnerKey: key.secret };
}

interface SqliteDb {
  pragma(s: string): unknown;
  prepare(sql: string): { all(...params: unknown[]): unknown[] };
  close(): void;
}

/** The floor's driver: a pool of the service's size on MariaDB, one connection on SQLite. */
async function floorSql(store: Store): Promise<{ sql: Sql; close: () => Promise<void> }> {
  const url = readDatabaseUrl(store);
  if (store === 'mysql') {
    const pool = createPool({ uri: url, connectionLimit: 20, dateStrings: true, timezone: 'Z' });
    return { sql: async (s, p = []) => (await pool.query(s, p))[0] as Record<string, any>[], close: () => pool.end() };
  }
  // The service's own driver, without TypeORM (no type declarations are installed for it).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Database = require('better-sqlite3') as new (file: string) => SqliteDb;
  const db = new Database(url.slice('sqlite:'.length));
  db.pragma('journal_mode = WAL');
  db.pragma('cache_size = -131072');
  const statements = new Map<string, { all(...params: unknown[]): unknown[] }>();
  return {
    sql: async (s, p = []) => {
      let st = statements.get(s);
      if (!st) statements.set(s, (st = db.prepare(s)));
      return st.all(...p) as Record<string, any>[];
    },
    close: async () => db.close(),
  };
}

function floorServer(sql: Sql, store: Store, partnerId: string): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => void answer());
    const answer = async () => {
      try {
        const op = OPS.find((o) => `/${o.name}` === req.url)!;
        const { variables } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        const body = JSON.stringify({ data: await op.floor(sql, store, variables, partnerId) });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      } catch (err) {
        // A request still in flight when the run ends finds the pool closed: it fails, the bench goes on.
        res.writeHead(500).end(String(err));
      }
    };
  });
  return new Promise((resolve) => server.listen(FLOOR_PORT, '127.0.0.1', () => resolve(server)));
}

function runClient(job: ReadClientJob): Promise<ReadClientReport> {
  return new Promise((resolve, reject) => {
    const child = fork(join(__dirname, 'read-client.ts'), { execArgv: ['-r', 'ts-node/register/transpile-only'] });
    child.once('message', (m) => resolve(m as ReadClientReport));
    child.once('error', reject);
    child.send(job);
  });
}

/** Checks that the API and the floor give the same answer for the operation's first requests. */
async function agree(op: ReadOp, vars: Record<string, unknown>[], apiCall: Gql, key: string): Promise<string> {
  for (const v of vars.slice(0, 3)) {
    const api = await apiCall(op.query, v, key);
    const res = await fetch(`http://127.0.0.1:${FLOOR_PORT}/${op.name}`, {
      method: 'POST',
      body: JSON.stringify({ variables: v }),
    });
    try {
      deepStrictEqual(((await res.json()) as { data: unknown }).data, api);
    } catch (err) {
      return `DIFFERS: ${String((err as Error).message).slice(0, 600)}`;
    }
  }
  return 'same answer';
}

runBench('bench:read', async (store: Store) => {
  console.log(`\n${store} (load average ${load()})`);
  const { app, gql } = await openReadStore(store, RELOAD);
  if (LOAD_ONLY) return app.stop();
  const floor = await floorSql(store);
  try {
    const t = await targets(app, gql);
    const server = await floorServer(floor.sql, store, t.partnerId);
    try {
      console.log(
        `  op  API p50/p99 ms   floor p50/p99 ms   API req/s  floor req/s  ratio   (${SEQUENTIAL} sequential; ` +
          `${CONNECTIONS} connections x ${SECONDS} s)`,
      );
      for (const op of OPS.filter((o) => !ONLY || ONLY.includes(o.name))) {
        const vars = t.variables[op.name];
        const key = op.partner ? t.partnerKey : BENCH_KEY;
        const check = await agree(op, vars, gql, key);
        const common = { sequential: SEQUENTIAL, connections: CONNECTIONS, seconds: SECONDS };
        const api = await runClient({
          ...common,
          url: app.url,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          bodies: vars.map((v) => JSON.stringify({ query: op.query, variables: v })),
        });
        const bare = await runClient({
          ...common,
          url: `http://127.0.0.1:${FLOOR_PORT}/${op.name}`,
          headers: { 'content-type': 'application/json' },
          bodies: vars.map((v) => JSON.stringify({ variables: v })),
        });
        const f = (n: number) => n.toFixed(1).padStart(6);
        console.log(
          `  (${op.name}) ${f(api.p50)} / ${f(api.p99)}   ${f(bare.p50)} / ${f(bare.p99)}   ` +
            `${f(api.reqPerSec)}   ${f(bare.reqPerSec)}    ${(api.reqPerSec / bare.reqPerSec).toFixed(2)}  ` +
            `${op.title}; ${check}; errors ${api.errors}/${bare.errors}; load ${load()}`,
        );
      }
    } finally {
      server.close();
    }
  } finally {
    await floor.close();
    await app.stop();
  }
});
