/**
 * Servers the fault tests own and break (a MariaDB server, a redis-server), and calls that tell a failed request
 * from a hung one (test/integration/faults.test.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, closeSync, constants, mkdtempSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { type AddressInfo, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { loadConfig } from '../../src/config/config';
import { type App, startApp } from '../../src/main';
import { ADMIN_KEY } from './app';
import { sleep } from './ws';

/** Longest a request may take before the test calls it hung (far above the timeouts configured below). */
const HUNG_MS = 20_000;
/** Timeouts the apps here run with, so every fault shows within a few seconds. */
const FAULT_ENV = { DB_CONNECT_TIMEOUT_MS: '1000', DB_QUERY_TIMEOUT_MS: '2000', READY_TIMEOUT_MS: '500' };

function findBinary(name: string): string | null {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/bin']) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not in this directory
    }
  }
  return null;
}

export const MARIADBD = findBinary('mariadbd');
export const INSTALL_DB = findBinary('mariadb-install-db');
export const REDIS_SERVER = findBinary('redis-server');
const AS_ROOT = process.getuid?.() === 0;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Polls `check` until it returns true; fails naming `what` after `ms`. */
export async function until(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(100);
  }
}

function run(cmd: string, args: string[], log: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const fd = openSync(log, 'a');
    const p = spawn(cmd, args, { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    p.once('error', reject);
    p.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}; see ${log}`))));
  });
}

/** True once every thread of `pid` is in the stopped state (Linux /proc; field 3 of each task's stat). */
function allThreadsStopped(pid: number): boolean {
  return readdirSync(`/proc/${pid}/task`).every((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] === 'T';
  });
}

/** A server process of this file's own, on its own port, that tests stop, kill, freeze and start again. */
export class OwnServer {
  private proc: ChildProcess | null = null;
  readonly dir = mkdtempSync(join(tmpdir(), 'lq-faults-'));

  constructor(
    private readonly cmd: string,
    private readonly args: (dir: string) => string[],
    private readonly answers: () => Promise<boolean>,
  ) {}

  async start(): Promise<void> {
    const fd = openSync(join(this.dir, 'server.log'), 'a');
    const proc = spawn(this.cmd, this.args(this.dir), { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    this.proc = proc;
    proc.once('exit', () => this.proc === proc && (this.proc = null));
    await until(`${this.cmd} answering (log: ${this.dir}/server.log)`, this.answers, 30_000);
  }

  /**
   * Sends a signal; for SIGSTOP waits until every thread is stopped, for terminating ones until the process is gone.
   */
  async signal(sig: NodeJS.Signals): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    if (sig === 'SIGSTOP' || sig === 'SIGCONT') {
      proc.kill(sig);
      // A stop reaches a multi-threaded server's threads one by one: a request sent at once could still be answered.
      if (sig === 'SIGSTOP') await until(`${this.cmd} stopped`, async () => allThreadsStopped(proc.pid!), 5_000);
      return;
    }
    const gone = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGCONT');
    proc.kill(sig);
    await gone;
  }

  /** Kills the process (if running) and removes its files; safe to call after any failure. */
  async dispose(): Promise<void> {
    await this.signal('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function mariadb(): Promise<{ server: OwnServer; url: string }> {
  const port = await freePort();
  const user = AS_ROOT ? ['--user=root'] : [];
  const answers = async () => {
    const c = await createConnection({ host: '127.0.0.1', port, user: 'root', connectTimeout: 1000 });
    await c.end();
    return true;
  };
  const server = new OwnServer(
    MARIADBD!,
    (dir) => [
      '--no-defaults',
      `--datadir=${dir}/data`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--socket=${dir}/mysqld.sock`,
      `--pid-file=${dir}/mysqld.pid`,
      `--tmpdir=${dir}`,
      '--skip-log-bin',
      '--skip-name-resolve',
      '--innodb-buffer-pool-size=32M',
      ...user,
    ],
    answers,
  );
  try {
    await run(
      INSTALL_DB!,
      [
        '--no-defaults',
        `--datadir=${server.dir}/data`,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
        ...user,
      ],
      join(server.dir, 'install.log'),
    );
    await server.start();
    const c = await createConnection({ host: '127.0.0.1', port, user: 'root' });
    await c.query('CREATE DATABASE lq_faults CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci');
    await c.end();
  } catch (err) {
    await server.dispose();
    throw err;
  }
  return { server, url: `mysql://root@127.0.0.1:${port}/lq_faults` };
}

export function redisServer(port: number): OwnServer {
  // A bare PING over a socket: a client library would keep reconnect and disconnect timers alive after a refused
  // attempt.
  const answers = () =>
    new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
      socket.setTimeout(1000, () => socket.destroy());
      socket.once('data', (d) => {
        socket.destroy();
        resolve(d.toString().startsWith('+PONG'));
      });
      socket.once('error', () => resolve(false));
      socket.once('close', () => resolve(false));
    });
  return new OwnServer(
    REDIS_SERVER!,
    (dir) => ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    answers,
  );
}

interface Reply {
  status: number;
  headers: Headers;
  body: { data?: any; errors?: { message: string; extensions?: Record<string, unknown> }[]; status?: string };
}

/** A request over real HTTP that fails the test, instead of waiting for ever, when the service does not answer. */
export async function call(
  app: App,
  path: string,
  payload?: { query: string; variables?: Record<string, unknown> },
): Promise<Reply> {
  const url = app.url.replace(/\/graphql$/, path);
  let res: Response;
  try {
    res = await fetch(url, {
      method: payload ? 'POST' : 'GET',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
      body: payload ? JSON.stringify(payload) : undefined,
      signal: AbortSignal.timeout(HUNG_MS),
    });
  } catch (err) {
    throw new Error(`${path} did not answer within ${HUNG_MS} ms: ${(err as Error).message}`);
  }
  return { status: res.status, headers: res.headers, body: (await res.json()) as Reply['body'] };
}

export const gql = (app: App, query: string, variables: Record<string, unknown> = {}) =>
  call(app, '/graphql', { query, variables });

/** Runs an operation that must succeed. */
export async function ok(app: App, query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const res = await gql(app, query, variables);
  if (res.status !== 200 || res.body.errors)
    throw new Error(`expected success, got ${res.status} ${JSON.stringify(res.body.errors)}`);
  return res.body.data;
}

export function expectDatabaseUnavailable(res: Reply): void {
  expect(res.status).toBe(503);
  expect(res.body.errors?.[0]?.extensions).toMatchObject({
    code: 'INTERNAL_SERVER_ERROR',
    reason: 'DATABASE_UNAVAILABLE',
    retryAfter: expect.any(Number),
  });
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(JSON.stringify(res.body)).not.toMatch(/ECONNREFUSED|PROTOCOL_|SELECT|INSERT/);
}

export function startFaultApp(databaseUrl: string, env: Record<string, string> = {}): Promise<App> {
  return startApp(
    loadConfig({
      DATABASE_URL: databaseUrl,
      PORT: '0',
      ADMIN_API_KEY: ADMIN_KEY,
      LOG_LEVEL: 'silent',
      NODE_ENV: 'test',
      RATE_LIMIT_ADMIN: '1000:5000',
      ...FAULT_ENV,
      ...env,
    }),
  );
}
