/**
 * The one place that reads `process.env`. Every value is parsed and checked
 * here so a bad deployment stops at start with one clear line instead of
 * failing on the first request.
 */

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Which store `DATABASE_URL` selects. */
export type DatabaseConfig =
  | { kind: 'sqlite'; file: string }
  | { kind: 'mysql'; url: string; host: string; port: number; user: string; password: string; database: string };

/**
 * Connection pool and timeouts of the MySQL/MariaDB store, so a database that
 * is gone or frozen makes requests fail within bounded time instead of hanging.
 * SQLite runs in-process and uses none of them.
 */
export interface DatabasePool {
  /** Connections per instance. */
  size: number;
  /** Requests that may wait for a free connection before new ones are refused at once. */
  queueLimit: number;
  /** Longest wait for a connection: a new one's handshake or a free one from the pool. */
  connectTimeoutMs: number;
  /** Longest wait for one statement's result; the connection is dropped after it (migrations run without it). */
  queryTimeoutMs: number;
}

/** Pool defaults, also used by the CLI and tools that build a DataSource without a full Config. */
export const DEFAULT_DATABASE_POOL: DatabasePool = {
  size: 20,
  queueLimit: 1000,
  connectTimeoutMs: 5000,
  queryTimeoutMs: 30_000,
};

/** A token bucket: sustained requests per second and burst size. */
export interface RateLimit {
  perSecond: number;
  burst: number;
}

/** Typed, validated service configuration. */
export interface Config {
  port: number;
  database: DatabaseConfig;
  databasePool: DatabasePool;
  /** How long /readyz waits for the database before answering 503. */
  readyTimeoutMs: number;
  redisUrl: string | null;
  adminApiKey: string | null;
  logLevel: LogLevel;
  production: boolean;
  corsOrigins: string[];
  /** How often the expiry sweep runs; points expire at most this late on reads. */
  expirySweepMs: number;
  /** Contacts per batch of a rescore job. */
  rescoreBatchSize: number;
  /** Bounded per-connection queue of subscription events before the socket is closed. */
  subscriptionQueueLimit: number;
  /**
   * How old a transition written with no epoch (an import, an earlier version of the service) must be before an
   * instance stamps and sends it.
   */
  promotionOrphanMs: number;
  /** How often open WebSocket connections re-check that their API key is not revoked. */
  keyRecheckMs: number;
  /** Authenticated API keys held in memory (src/modules/access/key-cache.ts); `ttlMs` 0: off. */
  apiKeyCache: { ttlMs: number; maxEntries: number };
  /** Token bucket per API key, by role (RATE_LIMIT_<ROLE>=<perSecond>:<burst>). */
  rateLimits: Record<string, RateLimit>;
  /** Webhook delivery (src/modules/webhooks). */
  webhooks: WebhookConfig;
  /** Guards of every door (issue 16): production defaults closed, per-socket caps, Redis namespace, cost budgets. */
  guards: Guards;
  /** Query limits (abuse protection). */
  limits: { maxDepth: number; maxComplexity: number; maxFirst: number; maxBodyBytes: number };
}

/** Webhook delivery settings. */
export interface WebhookConfig {
  /** WEBHOOK_ALLOW_HTTP: accept http: endpoint URLs (default only https:). */
  allowHttp: boolean;
  /** WEBHOOK_ALLOW_PRIVATE: allow loopback, private, link-local and metadata addresses (tests, private networks). */
  allowPrivate: boolean;
  /** WEBHOOK_TIMEOUT_MS: one attempt's whole exchange. */
  timeoutMs: number;
  /** WEBHOOK_LEASE_MS: how long a claimed message is this instance's; another takes it over after that. */
  leaseMs: number;
  /** WEBHOOK_POLL_MS: how often due retries and other instances' messages are looked for. */
  pollMs: number;
  /** WEBHOOK_CONCURRENCY: endpoints delivered to at once per instance (one request in flight each). */
  concurrency: number;
  /** WEBHOOK_BATCH_SIZE: consecutive messages of an endpoint claimed under one lease, sent in order. */
  batchSize: number;
  /** WEBHOOK_FIRST_RETRY_MS: delay before the first retry, doubling after each failure (default 5 s). */
  firstRetryMs: number;
}

function webhookConfig(env: NodeJS.ProcessEnv): WebhookConfig {
  const timeoutMs = int(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 100, 60_000);
  const leaseMs = int(env, 'WEBHOOK_LEASE_MS', 60_000, 1000, 3_600_000);
  // A lease must outlast an attempt and the write of its outcome, or a second instance would send the message too.
  if (leaseMs < timeoutMs + 1000)
    throw new ConfigError(
      `WEBHOOK_LEASE_MS (${leaseMs}) must exceed WEBHOOK_TIMEOUT_MS (${timeoutMs}) by at least 1000`,
    );
  return {
    allowHttp: bool(env, 'WEBHOOK_ALLOW_HTTP', false),
    allowPrivate: bool(env, 'WEBHOOK_ALLOW_PRIVATE', false),
    timeoutMs,
    leaseMs,
    pollMs: int(env, 'WEBHOOK_POLL_MS', 1000, 10, 60_000),
    concurrency: int(env, 'WEBHOOK_CONCURRENCY', 200, 1, 10_000),
    batchSize: int(env, 'WEBHOOK_BATCH_SIZE', 50, 1, 500),
    firstRetryMs: int(env, 'WEBHOOK_FIRST_RETRY_MS', 5_000, 10, 3_600_000),
  };
}

/** Settings of the guards every door shares (docs/api.md, "Guards on every door"). */
export interface Guards {
  /** Schema introspection; GRAPHQL_INTROSPECTION, default on outside production. */
  introspection: boolean;
  /** "Did you mean" hints in errors; GRAPHQL_SUGGESTIONS, default on outside production. */
  suggestions: boolean;
  /** METRICS_TOKEN: /metrics wants `Authorization: Bearer <token>`. */
  metricsToken: string | null;
  /** METRICS_PORT: /metrics is served on this port only (and not on PORT). */
  metricsPort: number | null;
  /** WS_MAX_OPERATIONS: operations (subscriptions included) one socket may have running at once. */
  wsMaxOperations: number;
  /** REDIS_PREFIX: namespace of every Redis channel and key; null: derived from the database's identity. */
  redisPrefix: string | null;
  /** Cost units per second and burst per key, by role (COST_BUDGET_<ROLE>=<perSecond>:<burst>). */
  costBudgets: Record<string, RateLimit>;
  /** SLOW_RESOLVER_MS: a resolver call at least this long counts in lq_slow_resolvers_total (default 50). */
  slowResolverMs: number;
}

/** Thrown for a bad environment value; main prints `message` and exits 1. */
export class ConfigError extends Error {}

const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be an integer, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

/** Parses `sqlite:<file>` or `mysql://user:pass@host:port/db`. */
export function parseDatabaseUrl(raw: string): DatabaseConfig {
  if (raw.startsWith('sqlite:')) {
    const file = raw.slice('sqlite:'.length).replace(/^\/\//, '');
    if (!file) throw new ConfigError('DATABASE_URL sqlite: needs a file, e.g. sqlite:./data/leads.sqlite');
    return { kind: 'sqlite', file };
  }
  if (raw.startsWith('mysql://') || raw.startsWith('mariadb://')) {
    let url: URL;
    try {
      // Both schemes parse alike (neither is special to the URL parser).
      url = new URL(raw);
    } catch {
      throw new ConfigError(`DATABASE_URL is not a valid URL: "${raw}"`);
    }
    const database = decodeURIComponent(url.pathname.slice(1));
    if (!database) throw new ConfigError('DATABASE_URL must name a database, e.g. mysql://root@127.0.0.1:3306/leads');
    return {
      kind: 'mysql',
      url: raw,
      host: url.hostname,
      port: url.port ? Number(url.port) : 3306,
      user: decodeURIComponent(url.username || 'root'),
      password: decodeURIComponent(url.password),
      database,
    };
  }
  throw new ConfigError(`DATABASE_URL must start with sqlite: or mysql://, got "${raw}"`);
}

const DEFAULT_RATE_LIMITS: Record<string, RateLimit> = {
  ADMIN: { perSecond: 100, burst: 200 },
  MARKETING: { perSecond: 100, burst: 200 },
  SALES: { perSecond: 50, burst: 100 },
  PARTNER: { perSecond: 10, burst: 30 },
  VIEWER: { perSecond: 50, burst: 100 },
};

/**
 * Cost units (src/server/cost.ts) a key may spend per second and at once: a
 * full-size request (200,000) is one burst; an ADMIN or MARKETING key can
 * spend about ten of them a second, a VIEWER one every four seconds.
 */
const DEFAULT_COST_BUDGETS: Record<string, RateLimit> = {
  ADMIN: { perSecond: 2_000_000, burst: 4_000_000 },
  MARKETING: { perSecond: 2_000_000, burst: 4_000_000 },
  SALES: { perSecond: 200_000, burst: 1_000_000 },
  PARTNER: { perSecond: 50_000, burst: 400_000 },
  VIEWER: { perSecond: 50_000, burst: 400_000 },
};

function bool(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(`${name} must be true or false, got "${env[name]}"`);
}

function guards(env: NodeJS.ProcessEnv, production: boolean): Guards {
  const metricsToken = env.METRICS_TOKEN?.trim() || null;
  if (metricsToken !== null && metricsToken.length < 16)
    throw new ConfigError('METRICS_TOKEN must be at least 16 characters');
  const redisPrefix = env.REDIS_PREFIX?.trim() || null;
  if (redisPrefix !== null && !/^[A-Za-z0-9_.:-]{1,64}$/.test(redisPrefix))
    throw new ConfigError(`REDIS_PREFIX must be 1-64 of A-Z a-z 0-9 _ . : -, got "${redisPrefix}"`);
  const metricsPort = int(env, 'METRICS_PORT', -1, 0, 65535);
  return {
    introspection: bool(env, 'GRAPHQL_INTROSPECTION', !production),
    suggestions: bool(env, 'GRAPHQL_SUGGESTIONS', !production),
    metricsToken,
    metricsPort: metricsPort < 0 ? null : metricsPort,
    wsMaxOperations: int(env, 'WS_MAX_OPERATIONS', 100, 1, 100_000),
    redisPrefix,
    costBudgets: roleBuckets(env, 'COST_BUDGET', DEFAULT_COST_BUDGETS),
    slowResolverMs: int(env, 'SLOW_RESOLVER_MS', 50, 0, 3_600_000),
  };
}

function rateLimits(env: NodeJS.ProcessEnv): Record<string, RateLimit> {
  return roleBuckets(env, 'RATE_LIMIT', DEFAULT_RATE_LIMITS);
}

function roleBuckets(
  env: NodeJS.ProcessEnv,
  prefix: string,
  defaults: Record<string, RateLimit>,
): Record<string, RateLimit> {
  const out: Record<string, RateLimit> = {};
  for (const [role, dflt] of Object.entries(defaults)) {
    const name = `${prefix}_${role}`;
    const raw = env[name]?.trim();
    if (!raw) {
      out[role] = dflt;
      continue;
    }
    const m = /^(\d+(?:\.\d+)?):(\d+)$/.exec(raw);
    if (!m || Number(m[1]) <= 0 || Number(m[2]) < 1)
      throw new ConfigError(`${name} must be <perSecond>:<burst>, e.g. 10:30, got "${raw}"`);
    out[role] = { perSecond: Number(m[1]), burst: Number(m[2]) };
  }
  return out;
}

/** Reads and validates the configuration from an environment (process.env by default). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const logLevel = (env.LOG_LEVEL ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel))
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  const redisUrl = env.REDIS_URL?.trim() || null;
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl))
    throw new ConfigError(`REDIS_URL must start with redis:// or rediss://, got "${redisUrl}"`);
  const adminApiKey = env.ADMIN_API_KEY?.trim() || null;
  if (adminApiKey !== null && adminApiKey.length < 16)
    throw new ConfigError('ADMIN_API_KEY must be at least 16 characters');
  const corsOrigins = (env.CORS_ORIGINS ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  for (const origin of corsOrigins) {
    if (origin !== '*' && !/^https?:\/\/[^/]+$/.test(origin))
      throw new ConfigError(`CORS_ORIGINS entries must be origins like https://app.example.com, got "${origin}"`);
  }
  return {
    port: int(env, 'PORT', 4000, 0, 65535),
    database: parseDatabaseUrl(env.DATABASE_URL?.trim() || 'sqlite:./data/leads.sqlite'),
    databasePool: {
      size: int(env, 'DB_POOL_SIZE', DEFAULT_DATABASE_POOL.size, 1, 1000),
      queueLimit: int(env, 'DB_POOL_QUEUE_LIMIT', DEFAULT_DATABASE_POOL.queueLimit, 1, 1_000_000),
      connectTimeoutMs: int(env, 'DB_CONNECT_TIMEOUT_MS', DEFAULT_DATABASE_POOL.connectTimeoutMs, 100, 600_000),
      queryTimeoutMs: int(env, 'DB_QUERY_TIMEOUT_MS', DEFAULT_DATABASE_POOL.queryTimeoutMs, 100, 3_600_000),
    },
    readyTimeoutMs: int(env, 'READY_TIMEOUT_MS', 2000, 50, 60_000),
    redisUrl,
    adminApiKey,
    logLevel,
    production: env.NODE_ENV === 'production',
    corsOrigins,
    expirySweepMs: int(env, 'EXPIRY_SWEEP_MS', 15_000, 100, 60_000),
    rescoreBatchSize: int(env, 'RESCORE_BATCH_SIZE', 1000, 1, 100_000),
    subscriptionQueueLimit: int(env, 'SUBSCRIPTION_QUEUE_LIMIT', 10_000, 1, 1_000_000),
    promotionOrphanMs: int(env, 'PROMOTION_ORPHAN_MS', 30_000, 100, 3_600_000),
    keyRecheckMs: int(env, 'KEY_RECHECK_MS', 10_000, 50, 3_600_000),
    apiKeyCache: {
      ttlMs: int(env, 'API_KEY_CACHE_TTL_MS', 60_000, 0, 3_600_000),
      maxEntries: int(env, 'API_KEY_CACHE_SIZE', 10_000, 1, 1_000_000),
    },
    rateLimits: rateLimits(env),
    webhooks: webhookConfig(env),
    guards: guards(env, env.NODE_ENV === 'production'),
    limits: {
      maxDepth: int(env, 'MAX_QUERY_DEPTH', 12, 1, 100),
      maxComplexity: int(env, 'MAX_QUERY_COMPLEXITY', 200_000, 1, 100_000_000),
      maxFirst: int(env, 'MAX_PAGE_SIZE', 500, 1, 10_000),
      maxBodyBytes: int(env, 'MAX_BODY_BYTES', 2_000_000, 1024, 100_000_000),
    },
  };
}
