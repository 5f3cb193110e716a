/**
 * Key changes between instances: after a key change commits, the instance that made it publishes the key's id on
 * the deployment's `keys` channel (`<namespace>keys`, the namespace of src/db/deployment.ts), and every subscribed
 * instance drops it from its KeyCache.
 *
 * The cache serves hits only while this instance is subscribed and its subscriber connection answered a PING within
 * the last three heartbeats: a PING's answer comes after every message published before it, so a fresh answer means
 * nothing sent earlier is still on its way. A closed or silent connection turns the cache off (every request goes
 * to the store); being live again empties it, since messages may have been missed meanwhile.
 */
import Redis from 'ioredis';
import type { KeyCache } from './key-cache';

/** Where and how often. */
export interface KeyChannelOptions {
  redisUrl: string;
  /** The deployment's namespace, e.g. `lq:<id>:`. */
  namespace: string;
  /** How often the subscriber connection is pinged; three missed answers turn the cache off. */
  heartbeatMs: number;
}

/** A message on the channel: the key that changed, null for any. */
interface KeyMessage {
  keyId: string | null;
}

export class RedisKeyChannel {
  private pub: Redis | null = null;
  private sub: Redis | null = null;
  private subscribed = false;
  private lastPong = 0;
  private heartbeat: NodeJS.Timeout | null = null;

  constructor(
    private readonly cache: KeyCache,
    private readonly options: KeyChannelOptions,
    private readonly warn: (message: string, err?: unknown) => void,
  ) {}

  /** Connects both links; the cache turns on once subscribed (Redis being down does not stop the start). */
  start(): void {
    const retry = { retryStrategy: (n: number) => Math.min(n * 200, 2000) };
    // A publish waits for a reconnect for a bounded time rather than failing at the first blip.
    this.pub = new Redis(this.options.redisUrl, { ...retry, maxRetriesPerRequest: 2, commandTimeout: 2000 });
    // Named, so an operator (or a test) can tell these links apart in CLIENT LIST.
    const sub = (this.sub = new Redis(this.options.redisUrl, {
      ...retry,
      autoResubscribe: false,
      connectionName: 'lq-keys',
    }));
    for (const conn of [this.pub, sub]) conn.on('error', (err) => this.warn('key channel redis error', err));
    sub.on('message', (_channel: string, raw: string) => this.cache.invalidate(keyIdOf(raw)));
    sub.on('close', () => {
      this.subscribed = false;
      this.cache.setLive(false);
    });
    sub.on('ready', () => {
      sub.subscribe(this.channel).then(
        () => {
          this.subscribed = true;
          this.beat();
        },
        (err) => this.warn('key channel subscribe failed; API keys are read from the store meanwhile', err),
      );
    });
    this.heartbeat = setInterval(() => this.beat(), this.options.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Tells every instance (this one included) that `keyId` (null: any key) changed. */
  async publish(keyId: string | null): Promise<void> {
    const message: KeyMessage = { keyId };
    await this.pub
      ?.publish(this.channel, JSON.stringify(message))
      .catch((err) =>
        this.warn('key change not published: instances subscribed meanwhile may hold the key until its TTL', err),
      );
  }

  async stop(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.cache.setLive(false);
    await Promise.all([this.pub, this.sub].map((c) => c?.quit().catch(() => c.disconnect())));
  }

  private get channel(): string {
    return `${this.options.namespace}keys`;
  }

  /** Pings the subscriber link: live while answers are fresh, off when they stop. */
  private beat(): void {
    const sub = this.sub;
    if (!sub || !this.subscribed) return this.cache.setLive(false);
    if (Date.now() - this.lastPong > 3 * this.options.heartbeatMs) this.cache.setLive(false);
    sub.ping().then(
      () => {
        this.lastPong = Date.now();
        if (this.subscribed) this.cache.setLive(true);
      },
      () => this.cache.setLive(false),
    );
  }
}

/** The key id a message names; anything unreadable drops every key (the safe reading). */
function keyIdOf(raw: string): string | null {
  try {
    const message = JSON.parse(raw) as KeyMessage;
    return typeof message.keyId === 'string' ? message.keyId : null;
  } catch {
    return null;
  }
}
