/**
 * Per-API-key token buckets, limits per role: one for requests, one for cost
 * (the work units of src/server/cost.ts spent over time). With Redis the
 * buckets live in Redis (one atomic Lua script), so limits hold across
 * instances; if Redis is unreachable the instance falls back to its own
 * in-memory buckets rather than refusing traffic, and a circuit breaker stops
 * asking a failing Redis for a while so no request waits for it.
 */
import type Redis from 'ioredis';
import { GraphQLError } from 'graphql';
import { HeaderMap } from '@apollo/server';
import type { Viewer } from '../modules/access';
import type { RateLimit } from '../config/config';
import { CircuitBreaker } from './circuit-breaker';

const TAKE = `
local cap = tonumber(ARGV[1]); local rate = tonumber(ARGV[2]); local now = tonumber(ARGV[3]); local n =
  tonumber(ARGV[4])
local b = redis.call('HMGET', KEYS[1], 't', 'u')
local tokens = tonumber(b[1]) or cap
local last = tonumber(b[2]) or now
tokens = math.min(cap, tokens + math.max(0, now - last) / 1000 * rate)
local ok = 0
if tokens >= n then tokens = tokens - n; ok = 1 end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'u', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(cap / rate * 1000) + 1000)
return {ok, tostring(tokens)}`;

/** What the limiter needs besides the limits. */
export interface RateLimiterOptions {
  /** Prefix of every Redis key (the deployment's namespace, e.g. `lq:<id>:`). */
  keyPrefix: string;
  /** Cost units per second and burst per role (COST_BUDGET_<ROLE>). */
  budgets: Record<string, RateLimit>;
  log: (message: string, err?: unknown) => void;
  breaker?: CircuitBreaker;
}

function retryError(message: string, retryAfter: number, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, {
    extensions: {
      code: 'RATE_LIMITED',
      retryAfter,
      ...extra,
      http: { status: 429, headers: new HeaderMap([['retry-after', String(retryAfter)]]) },
    },
  });
}

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  readonly breaker: CircuitBreaker;

  constructor(
    private readonly limits: Record<string, RateLimit>,
    private readonly redis: Redis | null,
    private readonly options: RateLimiterOptions,
  ) {
    this.breaker = options.breaker ?? new CircuitBreaker({ failures: 3, openMs: 10_000 });
  }

  /** Takes one token for the viewer's key, or throws RATE_LIMITED (HTTP 429, Retry-After). */
  async take(viewer: Viewer): Promise<void> {
    const limit = this.limits[viewer.role];
    if (!limit) return;
    const { ok, tokens } = await this.bucket(`rate:${viewer.keyId}`, limit, 1);
    if (ok) return;
    const retryAfter = Math.max(1, Math.ceil((1 - tokens) / limit.perSecond));
    throw retryError(
      `Rate limit of ${limit.perSecond} requests/s (burst ${limit.burst}) for ${viewer.role} keys exceeded; ` +
        `retry in ${retryAfter} s`,
      retryAfter,
    );
  }

  /**
   * Spends an operation's cost from the key's budget over time, or throws
   * RATE_LIMITED with `limit: 'budget'`. An operation costing more than the
   * burst is refused by the per-request limit before it gets here.
   */
  async spend(viewer: Viewer, cost: number): Promise<void> {
    const budget = this.options.budgets[viewer.role];
    if (!budget || cost <= 0) return;
    const amount = Math.min(cost, budget.burst);
    const { ok, tokens } = await this.bucket(`budget:${viewer.keyId}`, budget, amount);
    if (ok) return;
    const retryAfter = Math.max(1, Math.ceil((amount - tokens) / budget.perSecond));
    throw retryError(
      `Cost budget of ${budget.perSecond} units/s (burst ${budget.burst}) for ${viewer.role} keys spent; this ` +
        `operation costs ${cost}; retry in ${retryAfter} s`,
      retryAfter,
      { limit: 'budget', cost },
    );
  }

  private async bucket(key: string, limit: RateLimit, amount: number): Promise<{ ok: boolean; tokens: number }> {
    const redis = this.redis;
    if (redis && redis.status === 'ready' && this.breaker.allows()) {
      try {
        const [ok, tokens] = (await this.breaker.run(() =>
          redis.eval(TAKE, 1, `${this.options.keyPrefix}${key}`, limit.burst, limit.perSecond, Date.now(), amount),
        )) as [number, string];
        return { ok: ok === 1, tokens: Number(tokens) };
      } catch (err) {
        this.options.log('rate limit store unavailable; limiting in memory', err);
      }
    }
    const now = Date.now();
    const b = this.buckets.get(key) ?? { tokens: limit.burst, at: now };
    b.tokens = Math.min(limit.burst, b.tokens + ((now - b.at) / 1000) * limit.perSecond);
    b.at = now;
    const ok = b.tokens >= amount;
    if (ok) b.tokens -= amount;
    this.buckets.set(key, b);
    return { ok, tokens: b.tokens };
  }
}
