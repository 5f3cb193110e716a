/**
 * The floors of bench/webhooks, in the bench process:
 *  - the bare loop: signs with the `standardwebhooks` package (signer.ts, the
 *    service's own signing function) and POSTs with `node:http` (keep-alive),
 *    per endpoint a queue with one request in flight, in order, retried after
 *    the same delays until 2xx;
 *  - the same loop plus the durable writes the issue requires per attempt (an
 *    attempt row, the message's delivered or retry state), written by the
 *    service's own batched outcome write (WebhookOutbox.record: raw SQL
 *    through the same driver, one transaction per flush, one flush at a time,
 *    as the worker flushes) to rows of webhook_messages queued for it.
 */
import http from 'node:http';
import { type DataSource } from 'typeorm';
import { dbDate } from '../src/db/portable';
import { insertRows } from '../src/db/bulk';
import { type Recorded, WebhookOutbox } from '../src/modules/webhooks/outbox';
import { promotionPayload, webhookId } from '../src/modules/webhooks/payload';
import { signHeaders } from '../src/modules/webhooks/signer';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The kind of the floor's message rows: the service's worker claims only PENDING rows, these are never. */
const FLOOR_KIND = 'bench.floor';
const FLOOR_STATE = 'FLOOR';
const FLOOR_OWNER = 'bench-floor';

/** The outcome writes of the floor: WebhookOutbox.record over rows queued by `prepare` (untimed). */
export class DurableWrites {
  private readonly outbox: WebhookOutbox;
  private pending: Recorded[] = [];
  private flushing: Promise<void> | null = null;
  private ids: string[] = [];
  private next = 0;

  constructor(private readonly ds: DataSource) {
    this.outbox = new WebhookOutbox(ds, { now: () => Date.now() });
  }

  /** Queues `n` message rows for the endpoints given round robin (leased to the floor, never seen by the worker). */
  async prepare(endpointIds: string[], n: number, body: string): Promise<void> {
    const at = dbDate(Date.now());
    const until = dbDate(Date.now() + 3_600_000);
    const cols = ['endpoint_id', 'kind', 'state', 'attempts', 'next_attempt_at', 'payload', 'created_at'];
    const rows = Array.from({ length: n }, (_, i) => [
      endpointIds[i % endpointIds.length],
      FLOOR_KIND,
      FLOOR_STATE,
      0,
      at,
      body,
      at,
    ]);
    await insertRows(this.ds.manager, 'webhook_messages', cols, rows);
    await this.ds.query('UPDATE webhook_messages SET lease_owner = ?, lease_until = ? WHERE kind = ?', [
      FLOOR_OWNER,
      until,
      FLOOR_KIND,
    ]);
    const got: { id: string | number }[] = await this.ds.query(
      'SELECT id FROM webhook_messages WHERE kind = ? ORDER BY id',
      [FLOOR_KIND],
    );
    this.ids = got.map((r) => String(r.id));
    this.next = 0;
  }

  /** The next queued row's id (in enqueue order, so endpoint i's rows are i, i + E, ...). */
  take(): string {
    return this.ids[this.next++];
  }

  /** One attempt's result: written with the next flush, as the worker writes it. */
  add(
    messageId: string,
    endpointId: string,
    attemptedAt: number,
    status: number,
    durationMs: number,
    retryAt: number,
  ): void {
    const ok = status >= 200 && status < 300;
    this.pending.push({
      message: { id: messageId, endpointId } as Recorded['message'],
      attemptedAt,
      result: { ok, statusCode: status || null, durationMs, error: ok ? null : `HTTP ${status}` },
      outcome: ok ? { kind: 'delivered' } : { kind: 'retry', at: retryAt },
    });
    void this.flush();
  }

  /** Writes what is pending in one transaction, one flush at a time. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.pending.length === 0) return Promise.resolve();
    const batch = this.pending;
    this.pending = [];
    const retried = batch.filter((d) => d.outcome.kind === 'retry').map((d) => d.message.id);
    this.flushing = (async () => {
      await this.outbox.record(FLOOR_OWNER, batch);
      // record() hands a failed message back to the queue; the service's next claim leases it again,
      // the floor re-leases it.
      if (retried.length > 0)
        await this.ds.query(
          'UPDATE webhook_messages SET lease_owner = ?, lease_until = ? ' +
            `WHERE id IN (${retried.map(() => '?').join(', ')})`,
          [FLOOR_OWNER, dbDate(Date.now() + 3_600_000), ...retried],
        );
    })().finally(() => {
      this.flushing = null;
      if (this.pending.length > 0) void this.flush();
    });
    return this.flushing;
  }

  /** Waits for every write, then counts the floor's delivered rows and attempt rows. */
  async settle(): Promise<{ delivered: number; attempts: number }> {
    while (this.flushing || this.pending.length > 0) await this.flush();
    const [d] = await this.ds.query(
      "SELECT COUNT(*) AS n FROM webhook_messages WHERE kind = ? AND state = 'DELIVERED'",
      [FLOOR_KIND],
    );
    const [a] = await this.ds.query(
      'SELECT COUNT(*) AS n FROM webhook_attempts a JOIN webhook_messages m ON m.id = a.message_id WHERE m.kind = ?',
      [FLOOR_KIND],
    );
    return { delivered: Number(d.n), attempts: Number(a.n) };
  }
}

/** A body of the shape the service sends. */
export function benchBody(n: number, e: number, at: Date): string {
  return promotionPayload(
    {
      seq: n,
      id: String(n),
      contactId: `bare-${n}`,
      fromStage: 'LEAD',
      toStage: 'MQL',
      trigger: 'MANUAL',
      reason: 'bench',
      score: 0,
      actor: 'bench',
      actorOwnerId: null,
      occurredAt: at.toISOString(),
      partnerId: `p-${e}`,
      ownerId: null,
      contact: {
        id: `bare-${n}`,
        email: `bare-${n}@acme-corp.com`,
        stage: 'MQL',
        score: 0,
        fitScore: 0,
        engagementScore: 0,
      },
    },
    `cursor-${n}`,
  );
}

/** The bare loop (with `durable`, the floor with the outcome writes): per endpoint a queue, one request in flight. */
export function bareLoop(urls: string[], secrets: string[], endpointIds: string[], firstRetryMs: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const queues = urls.map(() => ({
    items: [] as { body: string; id: string; messageId?: string }[],
    busy: false,
    failures: 0,
  }));
  let done = 0;
  let expected = 0;
  let seq = 0;
  let durable: DurableWrites | null = null;
  let resolveAll: (() => void) | null = null;
  const post = (url: string, body: string, headers: Record<string, string>) =>
    new Promise<number>((resolve) => {
      const req = http.request(
        url,
        {
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', () => resolve(0));
      req.end(body);
    });
  const pump = (e: number): void => {
    const q = queues[e];
    if (q.busy || q.items.length === 0) return;
    q.busy = true;
    const item = q.items[0];
    const attemptedAt = Date.now();
    const started = performance.now();
    const headers = signHeaders(item.id, new Date(), item.body, [secrets[e]]);
    void post(urls[e], item.body, { ...headers }).then(async (status) => {
      const ok = status >= 200 && status < 300;
      const delay = ok ? 0 : firstRetryMs * 2 ** q.failures;
      if (durable && item.messageId)
        durable.add(
          item.messageId,
          endpointIds[e],
          attemptedAt,
          status,
          Math.round(performance.now() - started),
          Date.now() + delay,
        );
      if (ok) {
        q.items.shift();
        q.failures = 0;
        if (++done === expected && resolveAll) resolveAll();
      } else {
        q.failures++;
        await sleep(delay);
      }
      q.busy = false;
      pump(e);
    });
  };
  return {
    /** From now on every attempt is also written durably by `writes` (null: bare). */
    useDurable(writes: DurableWrites | null) {
      durable = writes;
    },
    enqueue(e: number, sentAt: Date) {
      const n = ++seq;
      queues[e].items.push({
        body: benchBody(n, e, sentAt),
        id: webhookId('lead.promoted', String(n), ''),
        messageId: durable?.take(),
      });
      pump(e);
    },
    expect(n: number): Promise<void> {
      expected = n;
      done = 0;
      return new Promise((resolve) => (resolveAll = resolve));
    },
    destroy: () => agent.destroy(),
  };
}
