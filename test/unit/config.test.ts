import { ConfigError, loadConfig } from '../../src/config/config';

describe('loadConfig', () => {
  it('defaults to SQLite on port 4000', () => {
    const c = loadConfig({});
    expect(c.port).toBe(4000);
    expect(c.database).toEqual({ kind: 'sqlite', file: './data/leads.sqlite' });
    expect(c.redisUrl).toBeNull();
    expect(c.limits.maxFirst).toBe(500);
  });

  it('bounds database waits by default and reads the pool settings', () => {
    expect(loadConfig({}).databasePool).toEqual({ size: 20, queueLimit: 1000, connectTimeoutMs: 5000, queryTimeoutMs: 30_000 });
    expect(loadConfig({}).readyTimeoutMs).toBe(2000);
    const c = loadConfig({ DB_POOL_SIZE: '5', DB_POOL_QUEUE_LIMIT: '50', DB_CONNECT_TIMEOUT_MS: '1500', DB_QUERY_TIMEOUT_MS: '60000', READY_TIMEOUT_MS: '750' });
    expect(c.databasePool).toEqual({ size: 5, queueLimit: 50, connectTimeoutMs: 1500, queryTimeoutMs: 60_000 });
    expect(c.readyTimeoutMs).toBe(750);
  });

  it('closes the doors in production unless told otherwise (issue 16)', () => {
    expect(loadConfig({}).guards).toMatchObject({ introspection: true, suggestions: true, metricsToken: null, metricsPort: null, wsMaxOperations: 100, redisPrefix: null });
    expect(loadConfig({ NODE_ENV: 'production' }).guards).toMatchObject({ introspection: false, suggestions: false });
    const open = loadConfig({ NODE_ENV: 'production', GRAPHQL_INTROSPECTION: 'true', GRAPHQL_SUGGESTIONS: '1', METRICS_PORT: '9464', REDIS_PREFIX: 'blue', COST_BUDGET_VIEWER: '10:100' });
    expect(open.guards).toMatchObject({ introspection: true, suggestions: true, metricsPort: 9464, redisPrefix: 'blue' });
    expect(open.guards.costBudgets.VIEWER).toEqual({ perSecond: 10, burst: 100 });
  });

  it('parses a MySQL URL', () => {
    expect(loadConfig({ DATABASE_URL: 'mysql://u:p%40ss@db:3307/leads' }).database).toMatchObject({ kind: 'mysql', host: 'db', port: 3307, user: 'u', password: 'p@ss', database: 'leads' });
  });

  it.each([
    [{ PORT: 'abc' }, /PORT must be an integer/],
    [{ PORT: '70000' }, /PORT must be between/],
    [{ DATABASE_URL: 'postgres://x/y' }, /DATABASE_URL must start with sqlite: or mysql:\/\//],
    [{ DATABASE_URL: 'mysql://root@localhost:3306' }, /must name a database/],
    [{ REDIS_URL: 'localhost:6379' }, /REDIS_URL must start with redis:\/\//],
    [{ ADMIN_API_KEY: 'short' }, /ADMIN_API_KEY must be at least 16 characters/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
    [{ CORS_ORIGINS: 'app.example.com' }, /CORS_ORIGINS entries must be origins/],
    [{ DB_POOL_SIZE: '0' }, /DB_POOL_SIZE must be between/],
    [{ DB_POOL_QUEUE_LIMIT: 'many' }, /DB_POOL_QUEUE_LIMIT must be an integer/],
    [{ DB_CONNECT_TIMEOUT_MS: '5s' }, /DB_CONNECT_TIMEOUT_MS must be an integer/],
    [{ DB_QUERY_TIMEOUT_MS: '10' }, /DB_QUERY_TIMEOUT_MS must be between/],
    [{ READY_TIMEOUT_MS: '-1' }, /READY_TIMEOUT_MS must be an integer/],
    [{ GRAPHQL_INTROSPECTION: 'yes' }, /GRAPHQL_INTROSPECTION must be true or false/],
    [{ METRICS_TOKEN: 'short' }, /METRICS_TOKEN must be at least 16 characters/],
    [{ REDIS_PREFIX: 'a b' }, /REDIS_PREFIX must be 1-64/],
    [{ COST_BUDGET_VIEWER: '10' }, /COST_BUDGET_VIEWER must be <perSecond>:<burst>/],
    [{ WS_MAX_OPERATIONS: '0' }, /WS_MAX_OPERATIONS must be between/],
  ])('stops on %p with a line naming the variable', (env, message) => {
    expect(() => loadConfig(env as NodeJS.ProcessEnv)).toThrow(ConfigError);
    expect(() => loadConfig(env as NodeJS.ProcessEnv)).toThrow(message);
  });
});
