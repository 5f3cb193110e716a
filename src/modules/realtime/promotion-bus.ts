/**
 * Carries committed transitions to this instance's subscriptions as epochs,
 * contiguous and in commit order.
 *
 * After commit a service calls `publish` with the transitions its
 * transaction wrote, stamped with the transaction's epoch (PromotionLog);
 * the bus sends the epoch through Redis
 * pub/sub when REDIS_URL is set (every instance, this one included, receives
 * it from the channel), in memory otherwise. Listeners only ever see epoch
 * n+1 after epoch n: an epoch that arrives early waits, and a missing one is
 * read from the store after `gapMs`. A poll of the store's head every
 * `pollMs` catches up what a Redis outage (or a lost message) hid, so
 * subscribers are never silently deaf.
 */
import { EventEmitter } from 'node:events';
import Redis from 'ioredis';
import type { StageTransition } from '../../model';
import type { PromotionPublisher } from './publisher';
import { type Epoch, type PromotionLog, wireTransition } from './promotion-log';
import { type WireChange, loggedWith } from './contact-changes';

/** Receives every non-empty epoch, in order. */
export type EpochListener = (epoch: Epoch) => void;

/** Timings of the bus. */
export interface BusOptions {
  redisUrl: string | null;
  /** How often the store's head is checked for epochs the channel did not bring, and orphans are swept. */
  pollMs: number;
  /** How long an epoch may be missing while a later one is here before it is read from the store. */
  gapMs: number;
  /** Rows written with no epoch (imports, earlier versions) are stamped once they are this old. */
  orphanMs: number;
  /** Prefix of the channel (src/db/deployment.ts): deployments sharing a Redis server use their own channel. */
  namespace: string;
  /** This deployment's id: every message carries it, and messages carrying another are ignored. */
  deployment: string;
}

/** An epoch on the channel, with the deployment that wrote it. */
interface ChannelMessage extends Epoch {
  deployment?: string;
}
/** Epochs read from the store per catch-up query. */
const CATCH_UP_EPOCHS = 50;

export class PromotionBus implements PromotionPublisher {
  private readonly emitter = new EventEmitter();
  private pub: Redis | null = null;
  private sub: Redis | null = null;
  private nextSeq = 1;
  private readonly early = new Map<number, Epoch>();
  private catchingUp: Promise<void> | null = null;
  /** A slow store can make one sweep outlast pollMs: the next poll then skips it rather than stack another query. */
  private sweeping = false;
  private gapTimer: NodeJS.Timeout | null = null;
  private poll: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly log: PromotionLog,
    private readonly options: BusOptions,
    private readonly warn: (message: string, err?: unknown) => void,
  ) {
    this.emitter.setMaxListeners(0);
  }

  /** Reads the head (live epochs start after it), connects to Redis when configured, starts the poll. */
  async start(): Promise<void> {
    this.nextSeq = (await this.log.head()) + 1;
    if (this.options.redisUrl) {
      const options = { maxRetriesPerRequest: 2, retryStrategy: (n: number) => Math.min(n * 200, 2000) };
      this.pub = new Redis(this.options.redisUrl, { ...options, enableOfflineQueue: false });
      // Subscribed on every (re)connect rather than awaited here: Redis being down must not stop the service starting.
      const sub = (this.sub = new Redis(this.options.redisUrl, { ...options, autoResubscribe: false }));
      for (const conn of [this.pub, sub]) conn.on('error', (err) => this.warn('redis error', err));
      sub.on('message', (_channel: string, message: string) => this.receiveMessage(message));
      sub.on('ready', () => {
        sub
          .subscribe(this.channel)
          .catch((err) => this.warn('redis subscribe failed; the poll delivers meanwhile', err));
        // Messages published while the link was down are gone: read them from the store.
        this.catchUp();
      });
    }
    this.poll = setInterval(() => {
      this.catchUp();
      this.sweepOrphans();
    }, this.options.pollMs);
    this.poll.unref();
  }

  /**
   * Called after commit with the transaction's transitions and contact changes: sends their epochs (asynchronously).
   */
  publish(transitions: StageTransition[], changes: WireChange[] = loggedWith(transitions)): void {
    if ((transitions.length === 0 && changes.length === 0) || this.stopped) return;
    const epochs = new Map<number, Epoch>();
    const epoch = (seq: number) => epochs.get(seq) ?? epochs.set(seq, { seq, transitions: [], changes: [] }).get(seq)!;
    for (const t of [...transitions].sort((a, b) => Number(a.id) - Number(b.id)))
      epoch(t.seq!).transitions.push(wireTransition(t));
    for (const c of [...changes].sort((a, b) => Number(a.id) - Number(b.id))) epoch(c.seq).changes.push(c);
    for (const [, e] of [...epochs].sort((a, b) => a[0] - b[0])) this.send(e);
  }

  /** Adds a listener for epochs after the ones already delivered; returns how to remove it. */
  listen(listener: EpochListener): () => void {
    this.emitter.on('epoch', listener);
    return () => this.emitter.off('epoch', listener);
  }

  /** Number of live listeners (open subscriptions on this instance). */
  get listeners(): number {
    return this.emitter.listenerCount('epoch');
  }

  /** Stops the poll, waits for a sweep or catch-up in progress, disconnects from Redis. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.poll) clearInterval(this.poll);
    if (this.gapTimer) clearTimeout(this.gapTimer);
    while (this.sweeping || this.catchingUp) await new Promise((r) => setTimeout(r, 5));
    this.emitter.removeAllListeners();
    await Promise.all([this.pub, this.sub].map((c) => c?.quit().catch(() => c.disconnect())));
  }

  private send(epoch: Epoch): void {
    if (!this.pub) return this.receive(epoch);
    const message: ChannelMessage = { ...epoch, deployment: this.options.deployment };
    this.pub.publish(this.channel, JSON.stringify(message)).catch((err) => {
      // Local subscribers get it now; other instances read it from the store on their next poll.
      this.warn('redis publish failed; delivering locally', err);
      this.receive(epoch);
    });
  }

  private get channel(): string {
    return `${this.options.namespace}promotions`;
  }

  /**
   * A message from the channel. Another deployment's (a shared REDIS_PREFIX,
   * or a writer of the same channel name) is ignored: its epoch numbers are
   * not ours, and taking one would skip our own epoch of that number.
   */
  private receiveMessage(raw: string): void {
    let message: ChannelMessage;
    try {
      message = JSON.parse(raw) as ChannelMessage;
    } catch (err) {
      return this.warn('unreadable message on the promotions channel ignored', err);
    }
    if (
      message.deployment !== this.options.deployment ||
      !Number.isSafeInteger(message.seq) ||
      !Array.isArray(message.transitions)
    )
      return;
    const { deployment: _d, ...epoch } = message;
    this.receive(epoch);
  }

  private receive(epoch: Epoch): void {
    if (epoch.seq < this.nextSeq || this.stopped) return;
    this.early.set(epoch.seq, epoch);
    for (let next = this.early.get(this.nextSeq); next; next = this.early.get(this.nextSeq)) {
      this.early.delete(this.nextSeq);
      this.nextSeq++;
      // Epochs from instances running an earlier version carry no changes.
      next.changes ??= [];
      if (next.transitions.length > 0 || next.changes.length > 0) this.emitter.emit('epoch', next);
    }
    if (this.early.size > 0 && !this.gapTimer) {
      // Another instance's later epoch overtook an earlier one on the channel; give the earlier one a moment.
      this.gapTimer = setTimeout(() => {
        this.gapTimer = null;
        if (this.early.size > 0) this.catchUp();
      }, this.options.gapMs);
      this.gapTimer.unref();
    }
  }

  /** Reads every committed epoch not delivered yet from the store (one catch-up at a time). */
  private catchUp(): void {
    if (this.catchingUp || this.stopped) return;
    this.catchingUp = (async () => {
      const head = await this.log.head();
      while (this.nextSeq <= head && !this.stopped) {
        const to = Math.min(head, this.nextSeq + CATCH_UP_EPOCHS - 1);
        for (const epoch of await this.log.epochs(this.nextSeq, to)) this.receive(epoch);
      }
    })()
      .catch((err) => this.warn('catching up from the store failed; retrying on the next poll', err))
      .finally(() => (this.catchingUp = null));
  }

  private sweepOrphans(): void {
    if (this.sweeping || this.stopped) return;
    this.sweeping = true;
    const before = new Date(Date.now() - this.options.orphanMs);
    this.log
      .hasOrphans(before)
      .then(async (found) => {
        if (!found) return;
        const epoch = await this.log.stampOrphans(before);
        if (epoch) this.send(epoch);
      })
      .catch((err) => this.warn('orphan sweep failed', err))
      .finally(() => (this.sweeping = false));
  }
}
