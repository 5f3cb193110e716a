/** The real service (src/main.ts) as a child process, as it is deployed. */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { ADMIN_KEY } from './app';

export interface Service {
  child: ChildProcess;
  port: number;
  /** http://127.0.0.1:<port>/graphql */
  url: string;
  /** Everything the process printed so far. */
  output: () => string;
  exited: Promise<number | null>;
  /** SIGTERM, then waits for the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `node src/main.ts` with NODE_ENV=production on `databaseUrl` (plus `env`) and waits for its "listening" line.
 */
export function startService(databaseUrl: string, env: Record<string, string> = {}): Promise<Service> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
    cwd: join(__dirname, '../..'),
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: '0',
      ADMIN_API_KEY: ADMIN_KEY,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      REDIS_URL: '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /listening on http:\/\/localhost:(\d+)\/graphql/.exec(output);
      if (m) {
        const port = Number(m[1]);
        const stop = () => (child.kill('SIGTERM'), exited);
        resolve({ child, port, url: `http://127.0.0.1:${port}/graphql`, output: () => output, exited, stop });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => reject(new Error(`service exited with ${code} before listening:\n${output}`)));
  });
}
