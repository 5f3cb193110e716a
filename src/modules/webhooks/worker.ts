/**
 * The delivery loop of one instance: claims due messages (runs of
 * consecutive messages from the head of each endpoint's queue, one lease per
 * run), sends each run in order while different endpoints' runs go
 * concurrently, and writes the outcomes in batches. It wakes when this instance commits
 * transitions and every `pollMs` (retries falling due, messages another
 * instance queued or left behind when it died). Time comes from a `Clock`,
 * so tests control retry spacing.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { afterFailure } from './backoff';
import { type ClaimedBatch, type ClaimedMessage, type Outcome, type Recorded, type WebhookOutbox } from './outbox';
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
  /** Endpoints delivered to at once per instance (one request in flight each). */
  concurrency: number;
  /** Consecutive messages of an endpoint claimed under one lease and sent one after the other. */
  batchSize: number;
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

/** Time kept free at the end of a lease: a run sends its next message only if its timeout ends this long before. */
const LEASE_MARGIN_MS = 1000;

export class WebhookWorker {
  /** This instance's name on the leases it holds. */
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  /** Endpoints with a run in flight here (until its last outcome is written). */
  private readonly busy = new Set<string>();
  private readonly runs = new Set<Promise<void>>();
  /** What the next flush writes: attempts, messages handed back, endpoints whose run is over. */
  private pending: { done: Recorded[]; released: string[]; ended: string[] } = { done: [], released: [], ended: [] };
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

  /** Stops claiming, lets the attempts in flight finish (sending no more of their runs) and writes their outcomes. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.retryTimer) clearTimeout(this.retryTimer.timer);
    await this.claiming;
    await Promise.all(this.runs);
    while (this.flushing || this.hasPending()) await this.flush();
  }

  private wakeAt(at: number): void {
    if (this.stopped || (this.retryTimer && this.retryTimer.at <= at)) return;
    if (this.retryTimer) clearTimeout(this.retryTimer.timer);
    const timer = setTimeout(
      () => {
        this.retryTimer = null;
        // A timer can fire before the clock reaches `at` (libuv counts from the start of the loop turn that set it,
        // which a busy turn leaves behind): a claim then would find nothing due and nothing would wake it again.
        if (this.clock.now() < at) this.wakeAt(at);
        else this.wake();
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
      let claimed: ClaimedBatch[];
      try {
        claimed = await this.outbox.claim(
          this.owner,
          this.clock.now(),
          this.options.leaseMs,
          { endpoints: room, perEndpoint: this.options.batchSize },
          this.busy,
        );
      } catch (err) {
        this.warn('webhook claim failed', err);
        return;
      }
      for (const batch of claimed) this.sendRun(batch);
      // A full claim may have left more endpoints ready behind.
      if (claimed.length === room) this.again = true;
    } while (this.again && !this.stopped);
  }

  /** Sends a run's messages one after the other; a failure, a lease running short or a stop ends it early. */
  private sendRun(batch: ClaimedBatch): void {
    this.busy.add(batch.endpointId);
    const run = (async () => {
      const { messages } = batch;
      for (let i = 0; i < messages.length; i++) {
        let recorded: Recorded;
        try {
          recorded = await this.attempt(messages[i]);
        } catch (err) {
          // Not sent (a secret that cannot sign): the run ends, its messages go back to the queue.
          this.warn('webhook attempt failed before sending', err);
          this.endRun(batch, i);
          return;
        }
        const last =
          i === messages.length - 1 ||
          recorded.outcome.kind !== 'delivered' ||
          this.stopped ||
          this.clock.now() + this.options.timeoutMs + LEASE_MARGIN_MS > batch.leaseUntil;
        this.pending.done.push(recorded);
        if (last) {
          this.endRun(batch, i + 1);
          return;
        }
        void this.flush();
      }
    })();
    this.runs.add(run);
    void run.finally(() => this.runs.delete(run));
  }

  /** Hands back the run's messages from `from` on and frees its endpoint once that is written. */
  private endRun(batch: ClaimedBatch, from: number): void {
    this.pending.released.push(...batch.messages.slice(from).map((m) => m.id));
    this.pending.ended.push(batch.endpointId);
    void this.flush();
  }

  private async attempt(m: ClaimedMessage): Promise<Recorded> {
    const attemptedAt = this.clock.now();
    // The signature's timestamp is the wall clock's: receivers check it against theirs.
    const headers = signHeaders(webhookId(m.kind, m.transitionId, m.id), new Date(), m.payload, m.secrets);
    this.attempts++;
    const result = await sendWebhook(m.url, m.payload, { ...headers }, this.options);
    return {
      message: m,
      attemptedAt,
      result,
      outcome: decideOutcome(m, attemptedAt, result, this.clock.now(), this.random(), this.options.firstRetryMs),
    };
  }

  private hasPending(): boolean {
    const p = this.pending;
    return p.done.length > 0 || p.released.length > 0 || p.ended.length > 0;
  }

  /**
   * Writes everything gathered so far in one transaction (one flush at a
   * time; what arrives meanwhile waits for the next). Endpoints whose run
   * ended are free again once it is written, and the loop looks for more.
   */
  private flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (!this.hasPending()) return Promise.resolve();
    const batch = this.pending;
    this.pending = { done: [], released: [], ended: [] };
    this.flushing = this.outbox
      .record(this.owner, batch.done, batch.released)
      .catch((err) => this.warn('webhook outcome write failed; the leases expire and the messages are sent again', err))
      .finally(() => {
        for (const d of batch.done) if (d.outcome.kind === 'retry') this.wakeAt(d.outcome.at);
        for (const endpoint of batch.ended) this.busy.delete(endpoint);
        this.flushing = null;
        if (this.hasPending()) void this.flush();
        if (batch.ended.length > 0) this.wake();
      });
    return this.flushing;
  }
}
