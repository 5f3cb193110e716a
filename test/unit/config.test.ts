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
    expect(loadConfig({}).databasePool).toEqual({
      size: 20,
      queueLimit: 1000,
      connectTimeoutMs: 5000,
      queryTimeoutMs: 30_000,
    });
    expect(loadConfig({}).readyTimeoutMs).toBe(2000);
    const c = loadConfig({
      DB_POOL_SIZE: '5',
      DB_POOL_QUEUE_LIMIT: '50',
      DB_CONNECT_TIMEOUT_MS: '1500',
      DB_QUERY_TIMEOUT_MS: '60000',
      READY_TIMEOUT_MS: '750',
    });
    expect(c.databasePool).toEqual({ size: 5, queueLimit: 50, connectTimeoutMs: 1500, queryTimeoutMs: 60_000 });
    expect(c.readyTimeoutMs).toBe(750);
  });

  it('closes the doors in production unless told otherwise (issue 16)', () => {
    expect(loadConfig({}).guards).toMatchObject({
      introspection: true,
      suggestions: true,
      metricsToken: null,
      metricsPort: null,
      wsMaxOperations: 100,
      redisPrefix: null,
    });
    expect(loadConfig({ NODE_ENV: 'production' }).guards).toMatchObject({ introspection: false, suggestions: false });
    const open = loadConfig({
      NODE_ENV: 'production',
      GRAPHQL_INTROSPECTION: 'true',
      GRAPHQL_SUGGESTIONS: '1',
      METRICS_PORT: '9464',
      REDIS_PREFIX: 'blue',
      COST_BUDGET_VIEWER: '10:100',
    });
    expect(open.guards).toMatchObject({
      introspection: true,
      suggestions: true,
      metricsPort: 9464,
      redisPrefix: 'blue',
    });
    expect(open.guards.costBudgets.VIEWER).toEqual({ perSecond: 10, burst: 100 });
  });

  it('parses a MySQL URL', () => {
    expect(loadConfig({ DATABASE_URL: 'mysql://u:p%40ss@db:3307/leads' }).database).toMatchObject({
      kind: 'mysql',
      host: 'db',
      port: 3307,
      user: 'u',
      password: 'p@ss',
      database: 'leads',
    });
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

describe('loadConfig: values a deployment sets', () => {
  const fails = (env: Record<string, string>) => () => loadConfig(env);

  it('takes an empty variable as unset and ignores blanks around numbers', () => {
    expect(loadConfig({ PORT: '' }).port).toBe(4000);
    expect(loadConfig({ PORT: ' 8080 ' }).port).toBe(8080);
  });

  it('accepts a number at either end of its range and stops one past it', () => {
    expect(loadConfig({ PORT: '0' }).port).toBe(0);
    expect(loadConfig({ PORT: '65535' }).port).toBe(65535);
    expect(fails({ PORT: '65536' })).toThrow(/PORT must be between 0 and 65535/);
    expect(loadConfig({ DB_POOL_SIZE: '1' }).databasePool.size).toBe(1);
    expect(loadConfig({ DB_POOL_SIZE: '1000' }).databasePool.size).toBe(1000);
    expect(fails({ DB_POOL_SIZE: '1001' })).toThrow(/DB_POOL_SIZE must be between 1 and 1000/);
    expect(loadConfig({ MAX_BODY_BYTES: '1024' }).limits.maxBodyBytes).toBe(1024);
    expect(fails({ MAX_BODY_BYTES: '1023' })).toThrow(/MAX_BODY_BYTES must be between/);
  });

  it('reads every tuning variable it documents', () => {
    const c = loadConfig({
      EXPIRY_SWEEP_MS: '500',
      RESCORE_BATCH_SIZE: '250',
      SUBSCRIPTION_QUEUE_LIMIT: '64',
      PROMOTION_ORPHAN_MS: '1000',
      KEY_RECHECK_MS: '60',
      API_KEY_CACHE_TTL_MS: '0',
      API_KEY_CACHE_SIZE: '50',
      MAX_QUERY_DEPTH: '8',
      MAX_QUERY_COMPLEXITY: '5000',
      MAX_PAGE_SIZE: '100',
      MAX_BODY_BYTES: '4096',
    });
    expect(c).toMatchObject({
      expirySweepMs: 500,
      rescoreBatchSize: 250,
      subscriptionQueueLimit: 64,
      promotionOrphanMs: 1000,
      keyRecheckMs: 60,
      apiKeyCache: { ttlMs: 0, maxEntries: 50 },
    });
    expect(loadConfig({}).apiKeyCache).toEqual({ ttlMs: 60_000, maxEntries: 10_000 });
    expect(fails({ API_KEY_CACHE_SIZE: '0' })).toThrow(/API_KEY_CACHE_SIZE must be between 1 and/);
    expect(c.limits).toEqual({ maxDepth: 8, maxComplexity: 5000, maxFirst: 100, maxBodyBytes: 4096 });
  });

  it('takes sqlite: with or without // and stops on one without a file', () => {
    expect(loadConfig({ DATABASE_URL: 'sqlite:///var/lib/leads.sqlite' }).database).toEqual({
      kind: 'sqlite',
      file: '/var/lib/leads.sqlite',
    });
    expect(loadConfig({ DATABASE_URL: ' sqlite:data//leads.sqlite ' }).database).toEqual({
      kind: 'sqlite',
      file: 'data//leads.sqlite',
    });
    expect(fails({ DATABASE_URL: 'sqlite:' })).toThrow(/sqlite: needs a file/);
  });

  it('takes mariadb:// like mysql:// with the default port and user', () => {
    expect(loadConfig({ DATABASE_URL: 'mariadb://db.internal/my%20leads' }).database).toEqual({
      kind: 'mysql',
      url: 'mariadb://db.internal/my%20leads',
      host: 'db.internal',
      port: 3306,
      user: 'root',
      password: '',
      database: 'my leads',
    });
    expect(fails({ DATABASE_URL: 'mysql://[db/leads' })).toThrow(/DATABASE_URL is not a valid URL/);
    expect(fails({ DATABASE_URL: 'mysql://root@db/' })).toThrow(/must name a database/);
  });

  it('takes redis:// and rediss:// URLs, trimmed, and nothing that merely contains one', () => {
    expect(loadConfig({ REDIS_URL: ' redis://cache:6379 ' }).redisUrl).toBe('redis://cache:6379');
    expect(loadConfig({ REDIS_URL: 'rediss://cache:6380' }).redisUrl).toBe('rediss://cache:6380');
    expect(loadConfig({ REDIS_URL: '  ' }).redisUrl).toBeNull();
    expect(fails({ REDIS_URL: 'myredis://cache:6379' })).toThrow(/REDIS_URL must start with redis:\/\//);
  });

  it('accepts an ADMIN_API_KEY of 16 characters, not 15 padded with blanks', () => {
    expect(loadConfig({ ADMIN_API_KEY: ' 0123456789abcdef ' }).adminApiKey).toBe('0123456789abcdef');
    expect(loadConfig({}).adminApiKey).toBeNull();
    expect(fails({ ADMIN_API_KEY: '  0123456789abcde ' })).toThrow(/ADMIN_API_KEY must be at least 16 characters/);
  });

  it('accepts browser origins and *, and stops on a path, a typo or another scheme', () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://app.example.com, http://localhost:3000,,*' }).corsOrigins).toEqual([
      'https://app.example.com',
      'http://localhost:3000',
      '*',
    ]);
    expect(loadConfig({}).corsOrigins).toEqual([]);
    for (const bad of [
      'https://app.example.com/',
      'https://',
      'hhttps://app.example.com',
      'ftp://files.example.com',
      'https://a.example.com/x',
    ]) {
      expect(fails({ CORS_ORIGINS: bad })).toThrow(/CORS_ORIGINS entries must be origins/);
    }
  });

  it('is in production only when NODE_ENV is production', () => {
    expect(loadConfig({}).production).toBe(false);
    expect(loadConfig({ NODE_ENV: 'development' }).production).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production' }).production).toBe(true);
  });

  it('gives each role its default rate limit and reads RATE_LIMIT_<ROLE> as <perSecond>:<burst>', () => {
    expect(loadConfig({}).rateLimits).toEqual({
      ADMIN: { perSecond: 100, burst: 200 },
      MARKETING: { perSecond: 100, burst: 200 },
      SALES: { perSecond: 50, burst: 100 },
      PARTNER: { perSecond: 10, burst: 30 },
      VIEWER: { perSecond: 50, burst: 100 },
    });
    const c = loadConfig({ RATE_LIMIT_PARTNER: ' 0.25:1 ', RATE_LIMIT_SALES: '20:40', RATE_LIMIT_VIEWER: '' });
    expect(c.rateLimits.PARTNER).toEqual({ perSecond: 0.25, burst: 1 });
    expect(c.rateLimits.SALES).toEqual({ perSecond: 20, burst: 40 });
    expect(c.rateLimits.VIEWER).toEqual({ perSecond: 50, burst: 100 });
    expect(c.rateLimits.ADMIN).toEqual({ perSecond: 100, burst: 200 });
  });

  it.each(['0:10', '5:0', '5', '5:', ':5', 'x5:10', '5:10x', '5.:10', '1.5.2:10', '5:1.5', 'ten:20'])(
    'stops on RATE_LIMIT_ADMIN=%p',
    (raw) => {
      expect(fails({ RATE_LIMIT_ADMIN: raw })).toThrow(new RegExp(`RATE_LIMIT_ADMIN must be <perSecond>:<burst>`));
    },
  );
});

describe('loadConfig: the guards a deployment sets (issue 16)', () => {
  const fails = (env: Record<string, string>) => () => loadConfig(env);

  it('reads GRAPHQL_INTROSPECTION and GRAPHQL_SUGGESTIONS as true/false/1/0 in any case, blank as the default', () => {
    expect(loadConfig({ GRAPHQL_INTROSPECTION: 'false', GRAPHQL_SUGGESTIONS: '0' }).guards).toMatchObject({
      introspection: false,
      suggestions: false,
    });
    expect(
      loadConfig({ NODE_ENV: 'production', GRAPHQL_INTROSPECTION: ' TRUE ', GRAPHQL_SUGGESTIONS: '' }).guards,
    ).toMatchObject({ introspection: true, suggestions: false });
    expect(fails({ GRAPHQL_SUGGESTIONS: 'on' })).toThrow(/GRAPHQL_SUGGESTIONS must be true or false/);
  });

  it('takes a METRICS_TOKEN of 16 characters, trimmed, and a METRICS_PORT from 0', () => {
    expect(loadConfig({ METRICS_TOKEN: ' 0123456789abcdef ' }).guards.metricsToken).toBe('0123456789abcdef');
    expect(fails({ METRICS_TOKEN: ' 0123456789abcde ' })).toThrow(/METRICS_TOKEN must be at least 16 characters/);
    expect(loadConfig({ METRICS_PORT: '0' }).guards.metricsPort).toBe(0);
    expect(fails({ METRICS_PORT: '65536' })).toThrow(/METRICS_PORT must be between 0 and 65535/);
  });

  it('takes a REDIS_PREFIX of 1 to 64 letters, digits and _ . : -, trimmed', () => {
    const p64 = 'p'.repeat(64);
    for (const ok of ['blue', 'leads:prod-2.a_b', p64])
      expect(loadConfig({ REDIS_PREFIX: ` ${ok} ` }).guards.redisPrefix).toBe(ok);
    for (const bad of [`${p64}p`, 'blue/green', 'blue!', '{blue}'])
      expect(fails({ REDIS_PREFIX: bad })).toThrow(/REDIS_PREFIX must be 1-64/);
    expect(loadConfig({ REDIS_PREFIX: '  ' }).guards.redisPrefix).toBeNull();
  });

  it('takes WS_MAX_OPERATIONS from 1 to 100,000', () => {
    expect(loadConfig({ WS_MAX_OPERATIONS: '1' }).guards.wsMaxOperations).toBe(1);
    expect(loadConfig({ WS_MAX_OPERATIONS: '100000' }).guards.wsMaxOperations).toBe(100_000);
    expect(fails({ WS_MAX_OPERATIONS: '0' })).toThrow(/WS_MAX_OPERATIONS must be between 1 and 100000/);
  });

  it('gives each role its default cost budget and reads COST_BUDGET_<ROLE>', () => {
    expect(loadConfig({}).guards.costBudgets).toEqual({
      ADMIN: { perSecond: 2_000_000, burst: 4_000_000 },
      MARKETING: { perSecond: 2_000_000, burst: 4_000_000 },
      SALES: { perSecond: 200_000, burst: 1_000_000 },
      PARTNER: { perSecond: 50_000, burst: 400_000 },
      VIEWER: { perSecond: 50_000, burst: 400_000 },
    });
    expect(loadConfig({ COST_BUDGET_SALES: '1000.5:5000' }).guards.costBudgets.SALES).toEqual({
      perSecond: 1000.5,
      burst: 5000,
    });
    expect(fails({ COST_BUDGET_ADMIN: '0:10' })).toThrow(/COST_BUDGET_ADMIN must be <perSecond>:<burst>/);
  });
});
