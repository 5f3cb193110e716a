/**
 * The delivery loop of one instance: claims due messages (the head of each
 * endpoint's queue, under a lease), signs and POSTs them concurrently, and
 * writes the outcomes in batches. It wakes when this instance commits
 * transitions and every `pollMs` (retries falling due, messages another
 * instance queued or left behind when it died). Time comes from a `Clock`,
 * so tests control retry spacing.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { afterFailure } from './backoff';
import { type ClaimedMessage, type Outcome, type Recorded, type WebhookOutbox } from './outbox';
import { webhookId } from './payload';
import { type AttemptResult, sendWebhook } from './sender';
import { signHeaders } from './signer';

/** Where the worker reads the time (tests pass one they move by hand). */
export interface Clock {
  now(): number;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** Delivery settings (config.webhooks). */
export interface WorkerOptions {
  timeoutMs: number;
  leaseMs: number;
  pollMs: number;
  /** Messages in flight at once per instance. */
  concurrency: number;
  allowPrivate: boolean;
  /** Delay before the first retry; later ones double (backoff.ts). */
  firstRetryMs: number;
}

/** What follows an attempt (pure): delivered, a retry at a time, or giving up (the endpoint is disabled). */
export function decideOutcome(
  message: Pick<ClaimedMessage, 'attempts' | 'firstAttemptAt'>,
  attemptedAt: number,
  result: AttemptResult,
  now: number,
  random: number,
  firstRetryMs?: number,
): Outcome {
  if (result.ok) return { kind: 'delivered' };
  const first = message.firstAttemptAt ?? attemptedAt;
  const next = afterFailure(message.attempts + 1, first, now, random, firstRetryMs);
  if ('retryAt' in next) return { kind: 'retry', at: next.retryAt };
  return {
    kind: 'giveUp',
    reason: (
      `Disabled after ${message.attempts + 1} failed attempts since ${new Date(first).toISOString()}; last: ` +
      `${result.error ?? `HTTP ${result.statusCode}`}`
    ).slice(0, 1000),
  };
}

export class WebhookWorker {
  /** This instance's name on the leases it holds. */
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  /** Endpoints with a message in flight here (until its outcome is written). */
  private readonly busy = new Set<string>();
  private readonly sends = new Set<Promise<void>>();
  private done: Recorded[] = [];
  private claiming: Promise<void> | null = null;
  private again = false;
  private flushing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Wakes the loop when the earliest retry this instance scheduled falls due (instead of at the next poll). */
  private retryTimer: { at: number; timer: NodeJS.Timeout } | null = null;
  private stopped = false;
  /** Attempts made by this instance since start (metrics, benchmarks). */
  attempts = 0;

  constructor(
    private readonly outbox: WebhookOutbox,
    private readonly options: WorkerOptions,
    private readonly clock: Clock,
    private readonly warn: (message: string, err?: unknown) => void,
    private readonly random: () => number = Math.random,
  ) {}

  /** Starts the poll. */
  start(): void {
    this.timer = setInterval(() => this.wake(), this.options.pollMs);
    this.timer.unref();
    this.wake();
  }

  /** Looks for due messages now (called after this instance commits transitions). */
  wake(): void {
    if (this.stopped) return;
    if (this.claiming) {
      this.again = true;
      return;
    }
    this.claiming = this.claimLoop().finally(() => (this.claiming = null));
  }

  /** Stops claiming, lets the attempts in flight finish and writes their outcomes. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.retryTimer) clearTimeout(this.retryTimer.timer);
    await this.claiming;
    await Promise.all(this.sends);
    while (this.flushing || this.done.length > 0) await this.flush();
  }

  private wakeAt(at: number): void {
    if (this.stopped || (this.retryTimer && this.retryTimer.at <= at)) return;
    if (this.retryTimer) clearTimeout(this.retryTimer.timer);
    const timer = setTimeout(
      () => {
        this.retryTimer = null;
        this.wake();
      },
      Math.max(0, at - this.clock.now()),
    );
    timer.unref();
    this.retryTimer = { at, timer };
  }

  private async claimLoop(): Promise<void> {
    do {
      this.again = false;
      const room = this.options.concurrency - this.busy.size;
      if (room <= 0 || this.stopped) return;
      let claimed: ClaimedMessage[];
      try {
        claimed = await this.outbox.claim(this.owner, this.clock.now(), this.options.leaseMs, room, this.busy);
      } catch (err) {
        this.warn('webhook claim failed', err);
        return;
      }
      for (const m of claimed) this.send(m);
      // A full batch may have left more due messages behind.
      if (claimed.length === room) this.again = true;
    } while (this.again && !this.stopped);
  }

  private send(m: ClaimedMessage): void {
    this.busy.add(m.endpointId);
    const attemptedAt = this.clock.now();
    // The signature's timestamp is the wall clock's: receivers check it against theirs.
    const headers = signHeaders(webhookId(m.kind, m.transitionId, m.id), new Date(), m.payload, m.secrets);
    this.attempts++;
    const sending = sendWebhook(m.url, m.payload, { ...headers }, this.options).then((result) => {
      this.done.push({
        message: m,
        attemptedAt,
        result,
        outcome: decideOutcome(m, attemptedAt, result, this.clock.now(), this.random(), this.options.firstRetryMs),
      });
      this.sends.delete(sending);
      void this.flush();
    });
    this.sends.add(sending);
  }

  /**
   * Writes every outcome gathered so far in one transaction (one flush at a time; later outcomes wait for the next).
   */
  private flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.done.length === 0) return Promise.resolve();
    const batch = this.done;
    this.done = [];
    this.flushing = this.outbox
      .record(this.owner, batch)
      .catch((err) => this.warn('webhook outcome write failed; the leases expire and the messages are sent again', err))
      .finally(() => {
        for (const d of batch) {
          this.busy.delete(d.message.endpointId);
          if (d.outcome.kind === 'retry') this.wakeAt(d.outcome.at);
        }
        this.flushing = null;
        if (this.done.length > 0) void this.flush();
        this.wake();
      });
    return this.flushing;
  }
}
