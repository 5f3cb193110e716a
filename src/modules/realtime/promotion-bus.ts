/**
 * Carries committed transitions to every instance's subscribers: through
 * Redis pub/sub when REDIS_URL is set (each instance, the publisher included,
 * receives from the channel), in memory otherwise. When the Redis link drops
 * and comes back, listeners get a `resync` so they replay what they missed
 * from the store (the transition table is the durable log).
 */
import { EventEmitter } from 'node:events';
import Redis from 'ioredis';
import type { StageTransition } from '../lifecycle/stage-transition.entity';
import type { PromotionPublisher } from './publisher';

/** A transition as it travels between instances. */
export interface WireTransition {
  id: string;
  contactId: string;
  fromStage: string | null;
  toStage: string;
  trigger: string;
  reason: string | null;
  score: number;
  actor: string | null;
  occurredAt: string;
  partnerId: string | null;
  ownerId: string | null;
}

/** What a subscription listens to. */
export interface BusListener {
  onTransitions(batch: WireTransition[]): void;
  /** Events may have been lost (Redis outage): replay from the store. */
  onResync(): void;
}

const CHANNEL = 'lq:transitions';

export function toWire(t: StageTransition): WireTransition {
  return {
    id: String(t.id),
    contactId: t.contactId,
    fromStage: t.fromStage,
    toStage: t.toStage,
    trigger: t.trigger,
    reason: t.reason,
    score: t.score,
    actor: t.actor,
    occurredAt: t.occurredAt.toISOString(),
    partnerId: t.partnerId,
    ownerId: t.ownerId,
  };
}

export class PromotionBus implements PromotionPublisher {
  private readonly emitter = new EventEmitter();
  private pub: Redis | null = null;
  private sub: Redis | null = null;
  private linkLost = false;

  constructor(
    private readonly redisUrl: string | null,
    private readonly log: (message: string, err?: unknown) => void,
  ) {
    this.emitter.setMaxListeners(0);
  }

  /** Connects to Redis (when configured) and subscribes to the channel. */
  async start(): Promise<void> {
    if (!this.redisUrl) return;
    const options = { maxRetriesPerRequest: 2, enableOfflineQueue: false, retryStrategy: (n: number) => Math.min(n * 200, 2000) };
    this.pub = new Redis(this.redisUrl, options);
    this.sub = new Redis(this.redisUrl, { ...options, enableOfflineQueue: true });
    for (const conn of [this.pub, this.sub]) conn.on('error', (err) => this.log('redis error', err));
    this.sub.on('message', (_channel: string, message: string) => this.deliver(JSON.parse(message) as WireTransition[]));
    this.sub.on('close', () => {
      this.linkLost = true;
    });
    this.sub.on('ready', () => {
      if (!this.linkLost) return;
      this.linkLost = false;
      this.log('redis link back: subscribers replay from the store');
      this.emitter.emit('resync');
    });
    await this.sub.subscribe(CHANNEL);
  }

  /** Called after commit. With Redis down, local subscribers still get the events; remote ones resync later. */
  publish(transitions: StageTransition[]): void {
    if (transitions.length === 0) return;
    const wire = transitions.map(toWire);
    if (!this.pub) return this.deliver(wire);
    this.pub.publish(CHANNEL, JSON.stringify(wire)).catch((err) => {
      this.log('redis publish failed; delivering locally', err);
      this.deliver(wire);
      this.linkLost = true;
    });
  }

  /** Adds a listener; returns how to remove it. */
  listen(listener: BusListener): () => void {
    const onBatch = (batch: WireTransition[]) => listener.onTransitions(batch);
    const onResync = () => listener.onResync();
    this.emitter.on('batch', onBatch);
    this.emitter.on('resync', onResync);
    return () => {
      this.emitter.off('batch', onBatch);
      this.emitter.off('resync', onResync);
    };
  }

  /** Number of live listeners (active subscriptions on this instance). */
  get listeners(): number {
    return this.emitter.listenerCount('batch');
  }

  async stop(): Promise<void> {
    this.emitter.removeAllListeners();
    await Promise.all([this.pub, this.sub].map((c) => c?.quit().catch(() => c.disconnect())));
  }

  private deliver(batch: WireTransition[]): void {
    this.emitter.emit('batch', batch);
  }
}
