/**
 * Per-API-key token buckets, limits per role. With Redis the bucket lives in
 * Redis (one atomic Lua script), so limits hold across instances; if Redis is
 * unreachable the instance falls back to its own in-memory buckets rather than
 * refusing traffic.
 */
import Redis from 'ioredis';
import { GraphQLError } from 'graphql';
import { HeaderMap } from '@apollo/server';
import type { Viewer } from '../modules/access/viewer';
import type { RateLimit } from '../config/config';

const TAKE = `
local cap = tonumber(ARGV[1]); local rate = tonumber(ARGV[2]); local now = tonumber(ARGV[3])
local b = redis.call('HMGET', KEYS[1], 't', 'u')
local tokens = tonumber(b[1]) or cap
local last = tonumber(b[2]) or now
tokens = math.min(cap, tokens + math.max(0, now - last) / 1000 * rate)
local ok = 0
if tokens >= 1 then tokens = tokens - 1; ok = 1 end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'u', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(cap / rate * 1000) + 1000)
return {ok, tostring(tokens)}`;

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly limits: Record<string, RateLimit>,
    private readonly redis: Redis | null,
    private readonly log: (message: string, err?: unknown) => void,
  ) {}

  /** Takes one token for the viewer's key, or throws RATE_LIMITED (HTTP 429, Retry-After). */
  async take(viewer: Viewer): Promise<void> {
    const limit = this.limits[viewer.role];
    if (!limit) return;
    const { ok, tokens } = await this.bucket(viewer.keyId, limit);
    if (ok) return;
    const retryAfter = Math.max(1, Math.ceil((1 - tokens) / limit.perSecond));
    throw new GraphQLError(`Rate limit of ${limit.perSecond} requests/s (burst ${limit.burst}) for ${viewer.role} keys exceeded; retry in ${retryAfter} s`, {
      extensions: { code: 'RATE_LIMITED', retryAfter, http: { status: 429, headers: new HeaderMap([['retry-after', String(retryAfter)]]) } },
    });
  }

  private async bucket(keyId: string, limit: RateLimit): Promise<{ ok: boolean; tokens: number }> {
    if (this.redis && this.redis.status === 'ready') {
      try {
        const [ok, tokens] = (await this.redis.eval(TAKE, 1, `lq:rate:${keyId}`, limit.burst, limit.perSecond, Date.now())) as [number, string];
        return { ok: ok === 1, tokens: Number(tokens) };
      } catch (err) {
        this.log('rate limit store unavailable; limiting in memory', err);
      }
    }
    const now = Date.now();
    const b = this.buckets.get(keyId) ?? { tokens: limit.burst, at: now };
    b.tokens = Math.min(limit.burst, b.tokens + ((now - b.at) / 1000) * limit.perSecond);
    b.at = now;
    const ok = b.tokens >= 1;
    if (ok) b.tokens -= 1;
    this.buckets.set(keyId, b);
    return { ok, tokens: b.tokens };
  }
}
