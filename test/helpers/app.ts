/**
 * Integration harness: a fresh database per test file (SQLite file, or a
 * MariaDB/MySQL database created and dropped here when TEST_DB=mysql), the
 * real service on a free port, and a GraphQL client over real HTTP.
 */
import request from 'supertest';
import { type ScratchDatabase, createScratchDatabase } from './scratch-database';
import { loadConfig } from '../../src/config/config';
import { type App, startApp } from '../../src/main';
import type { Clock } from '../../src/modules/webhooks';

export const ADMIN_KEY = 'test-admin-key-0123456789abcdef';
export const TEST_DB = process.env.TEST_DB === 'mysql' ? 'mysql' : 'sqlite';
const MYSQL_BASE = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

/** A database of this test file's own. */
export function createTestDatabase(): Promise<ScratchDatabase> {
  return createScratchDatabase(TEST_DB, MYSQL_BASE, 'lq_test');
}

/** GraphQL response as tests see it. */
export interface GqlResult<T = any> {
  status: number;
  data: T;
  errors?: { message: string; extensions?: { code?: string; [k: string]: unknown }; path?: (string | number)[] }[];
  /** SQL statements the request ran (x-sql-statements). */
  sql: number;
  headers: Record<string, string>;
}

export interface TestApp {
  app: App;
  db: ScratchDatabase;
  http: ReturnType<typeof request>;
  /** Runs a GraphQL operation with a key (ADMIN by default). */
  gql<T = any>(query: string, variables?: Record<string, unknown>, key?: string | null): Promise<GqlResult<T>>;
  /** Like gql but fails the test on any error. */
  ok<T = any>(query: string, variables?: Record<string, unknown>, key?: string | null): Promise<T>;
  stop(): Promise<void>;
}

/** Starts the service on a fresh database; env overrides go through the real config loader. */
export async function startTestApp(env: Record<string, string> = {}, opts: { clock?: Clock } = {}): Promise<TestApp> {
  const db = await createTestDatabase();
  // The ADMIN key drives most setup; a roomy bucket keeps setup loops from tripping the rate limit (tested on its own).
  const config = loadConfig({
    DATABASE_URL: db.url,
    PORT: '0',
    ADMIN_API_KEY: ADMIN_KEY,
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
    RATE_LIMIT_ADMIN: '1000:5000',
    ...env,
  });
  const app = await startApp(config, { exposeSqlCount: true, clock: opts.clock });
  const http = request(app.server.httpServer);
  const gql = async <T>(
    query: string,
    variables: Record<string, unknown> = {},
    key: string | null = ADMIN_KEY,
  ): Promise<GqlResult<T>> => {
    let req = http.post('/graphql').set('content-type', 'application/json');
    if (key !== null) req = req.set('authorization', `Bearer ${key}`);
    const res = await req.send({ query, variables });
    return {
      status: res.status,
      data: res.body?.data,
      errors: res.body?.errors,
      sql: Number(res.headers['x-sql-statements'] ?? -1),
      headers: res.headers as Record<string, string>,
    };
  };
  return {
    app,
    db,
    http,
    gql,
    async ok<T>(query: string, variables: Record<string, unknown> = {}, key: string | null = ADMIN_KEY): Promise<T> {
      const res = await gql<T>(query, variables, key);
      if (res.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(res.errors)}`);
      return res.data;
    },
    async stop() {
      await app.stop();
      await db.drop();
    },
  };
}
