/**
 * The webhook outbox in the database. Messages are written by the
 * transaction that writes their transitions (`enqueue`, after the epoch is
 * taken, so ids follow commit order); instances claim a run of consecutive
 * messages from the head of each endpoint's queue under one lease (`claim`),
 * which makes delivery ordered per endpoint and exclusive across instances,
 * and a lease that expires (its instance died) lets another instance take the
 * messages over. `record` writes the outcomes of attempts, several at once.
 */
import { type DataSource, type EntityManager } from 'typeorm';
import { dbDate, inList, parseDbDate, transaction } from '../../db/portable';
import { transitionsById } from '../realtime';
import { type SqlValue, insertRows } from '../../db/bulk';
import { PROMOTED, type PromotionRow } from './payload';
import type { AttemptResult } from './sender';
import {
  type ClaimEndpoint,
  type ClaimedBatch,
  type ClaimedMessage,
  lockMessages,
  pickHeads,
  readyHeads,
  runsFrom,
  takeWhileLocked,
  toClaimed,
  writeLeases,
} from './claim';

export type { ClaimedBatch, ClaimedMessage } from './claim';

/** What happened to a claimed message. */
export type Outcome =
  | { kind: 'delivered' }
  | { kind: 'retry'; at: number }
  /** Retried for the whole window: the endpoint is disabled with `reason`, the message stays pending. */
  | { kind: 'giveUp'; reason: string };

/** One attempt's result, for `record`. */
export interface Recorded {
  message: ClaimedMessage;
  attemptedAt: number;
  result: AttemptResult;
  outcome: Outcome;
}

interface ContactRow {
  id: string;
  email: string;
  stage: string;
  score: number | string;
  fit_score: number | string;
  engagement_score: number | string;
}

/** The secrets that sign a message now: the current one, and the previous one until it expires. */
export function activeSecrets(
  secret: string,
  previous: string | null,
  previousExpiresAt: unknown,
  now: number,
): string[] {
  return previous && previousExpiresAt && parseDbDate(previousExpiresAt).getTime() > now
    ? [secret, previous]
    : [secret];
}

export class WebhookOutbox {
  constructor(
    private readonly ds: DataSource,
    private readonly clock: { now(): number },
  ) {}

  /**
   * Queues a message per matching endpoint for each of the given transitions,
   * inside the caller's transaction: one INSERT ... SELECT. An endpoint takes
   * a transition when it lists the transition's stage and either belongs to
   * no partner or to the transition's partner. A disabled endpoint's
   * messages queue too, and go out once it is enabled again: nothing is lost
   * while a receiver is down for longer than the retry window.
   */
  async enqueue(em: EntityManager, transitionIds: string[]): Promise<void> {
    if (transitionIds.length === 0) return;
    const at = dbDate(this.clock.now());
    await em.query(
      'INSERT INTO webhook_messages (endpoint_id, kind, transition_id, state, attempts, next_attempt_at, created_at) ' +
        `SELECT s.endpoint_id, '${PROMOTED}', t.id, 'PENDING', 0, ?, ? FROM stage_transitions t ` +
        'JOIN webhook_endpoint_stages s ON s.stage = t.to_stage JOIN webhook_endpoints e ON e.id = s.endpoint_id ' +
        (`WHERE t.id IN ${inList(transitionIds.length)} AND (e.partner_id IS NULL OR e.partner_id = ` +
          `t.partner_id) ORDER BY t.id, s.endpoint_id`),
      [at, at, ...transitionIds],
    );
  }

  /** Reads transitions with their contacts (payloads of promotions). */
  async promotions(em: EntityManager, transitionIds: string[]): Promise<Map<string, PromotionRow>> {
    const transitions = await transitionsById(em, transitionIds);
    const contactIds = [...new Set(transitions.map((t) => t.contactId))];
    const contacts: ContactRow[] = contactIds.length
      ? await em.query(
          `SELECT id, email, stage, score, fit_score, engagement_score FROM contacts WHERE id IN ` +
            `${inList(contactIds.length)}`,
          contactIds,
        )
      : [];
    const byId = new Map(
      contacts.map((c) => [
        c.id,
        {
          id: c.id,
          email: c.email,
          stage: c.stage,
          score: Number(c.score),
          fitScore: Number(c.fit_score),
          engagementScore: Number(c.engagement_score),
        },
      ]),
    );
    return new Map(transitions.map((t) => [t.id, { ...t, contact: byId.get(t.contactId) ?? null }]));
  }

  /**
   * Claims, for up to `endpoints` endpoints not in `busy`, a run of up to
   * `perEndpoint` consecutive pending messages starting at the endpoint's
   * oldest one, which must be due and not leased (every later one must be
   * due and unleased too: the run stops before the first that is not), on
   * enabled endpoints, earliest due first. One lease per run until now +
   * leaseMs, owned by `owner`; a message's body is built on its first claim
   * and kept, so every retry sends the same bytes. The statements are the
   * same few whatever the number of messages (at most MAX_CLAIM_ROWS).
   */
  async claim(
    owner: string,
    now: number,
    leaseMs: number,
    size: { endpoints: number; perEndpoint: number },
    busy: Set<string>,
  ): Promise<ClaimedBatch[]> {
    const at = dbDate(now);
    // Most polls find nothing ready: then one read of the heads and no transaction (on SQLite, none held on the one
    // connection).
    const picked = pickHeads(await readyHeads(this.ds, at), busy, size.endpoints, size.perEndpoint);
    if (picked.heads.length === 0) return [];
    return transaction(this.ds, async (em) => {
      const runs = await runsFrom(em, picked.heads, picked.perEndpoint);
      const locked = await lockMessages(
        em,
        runs.flatMap((r) => r.ids),
        at,
      );
      const kept = runs
        .map((r) => ({ endpointId: r.endpointId, ids: takeWhileLocked(r.ids, locked) }))
        .filter((r) => r.ids.length > 0);
      if (kept.length === 0) return [];
      const endpoints = await this.endpointsOf(
        em,
        kept.map((r) => r.endpointId),
        now,
      );
      const rows = kept.flatMap((r) => r.ids.map((id) => locked.get(id)!));
      const promotions = await this.promotions(
        em,
        rows.filter((m) => m.payload === null && m.transition_id !== null).map((m) => String(m.transition_id)),
      );
      const leaseUntil = now + leaseMs;
      const batches: ClaimedBatch[] = [];
      for (const run of kept) {
        const endpoint = endpoints.get(run.endpointId);
        if (!endpoint) continue;
        const messages: ClaimedMessage[] = [];
        for (const id of run.ids) {
          const m = toClaimed(locked.get(id)!, promotions, endpoint);
          // A message whose transition is gone cannot be built: the run ends before it, as if it were locked.
          if (!m) break;
          messages.push(m);
        }
        if (messages.length > 0) batches.push({ endpointId: endpoint.id, leaseUntil, messages });
      }
      await writeLeases(em, batches, locked, owner, dbDate(leaseUntil));
      return batches;
    });
  }

  /** Endpoints' URLs and signing secrets by id. */
  private async endpointsOf(em: EntityManager, ids: string[], now: number): Promise<Map<string, ClaimEndpoint>> {
    const rows: {
      id: string;
      url: string;
      secret: string;
      previous_secret: string | null;
      previous_secret_expires_at: unknown;
    }[] = await em.query(
      `SELECT id, url, secret, previous_secret, previous_secret_expires_at FROM webhook_endpoints WHERE id IN ` +
        `${inList(ids.length)}`,
      ids,
    );
    return new Map(
      rows.map((e) => [
        e.id,
        {
          id: e.id,
          url: e.url,
          secrets: activeSecrets(e.secret, e.previous_secret, e.previous_secret_expires_at, now),
        },
      ]),
    );
  }

  /**
   * Writes attempts and their outcomes in one transaction: delivered
   * messages leave the queue, failed ones get their next attempt time (and
   * their first attempt's, which starts the retry window), endpoints given up
   * on are disabled with the reason, and `released` messages (claimed but
   * not sent: their run stopped at a failure, or the lease ran short) are
   * free to claim again. Only messages still leased to `owner` change (one
   * whose lease was taken over belongs to its new owner); every attempt is
   * kept either way. At most one statement per kind of change, whatever the
   * number of messages.
   */
  async record(owner: string, done: Recorded[], released: string[] = []): Promise<void> {
    if (done.length === 0 && released.length === 0) return;
    await transaction(this.ds, async (em) => {
      if (done.length > 0)
        await insertRows(
          em,
          'webhook_attempts',
          ['message_id', 'endpoint_id', 'attempted_at', 'status_code', 'duration_ms', 'error', 'ok'],
          done.map((d): SqlValue[] => [
            d.message.id,
            d.message.endpointId,
            dbDate(d.attemptedAt),
            d.result.statusCode,
            d.result.durationMs,
            d.result.error?.slice(0, 1000) ?? null,
            d.result.ok ? 1 : 0,
          ]),
        );
      const delivered = done.filter((d) => d.outcome.kind === 'delivered');
      if (delivered.length > 0) {
        await em.query(
          `UPDATE webhook_messages SET state = 'DELIVERED', attempts = attempts + 1, delivered_at = CASE id ` +
            `${whens(delivered.length)} END, lease_owner = NULL, lease_until = NULL ` +
            `WHERE id IN ${inList(delivered.length)} AND lease_owner = ?`,
          [
            ...delivered.flatMap((d) => [d.message.id, dbDate(d.attemptedAt + d.result.durationMs)]),
            ...delivered.map((d) => d.message.id),
            owner,
          ],
        );
      }
      const failed = done.filter((d) => d.outcome.kind !== 'delivered');
      if (failed.length > 0) {
        // A message given up on waits for its endpoint to be enabled again, which makes it due at once.
        const nextAt = (d: Recorded) => (d.outcome.kind === 'retry' ? d.outcome.at : d.attemptedAt);
        await em.query(
          `UPDATE webhook_messages SET attempts = attempts + 1, next_attempt_at = CASE id ` +
            `${whens(failed.length)} END, ` +
            (`first_attempt_at = COALESCE(first_attempt_at, CASE id ${whens(failed.length)} END), lease_owner ` +
              `= NULL, lease_until = NULL `) +
            `WHERE id IN ${inList(failed.length)} AND lease_owner = ?`,
          [
            ...failed.flatMap((d) => [d.message.id, dbDate(nextAt(d))]),
            ...failed.flatMap((d) => [d.message.id, dbDate(d.attemptedAt)]),
            ...failed.map((d) => d.message.id),
            owner,
          ],
        );
      }
      if (released.length > 0)
        await em.query(
          `UPDATE webhook_messages SET lease_owner = NULL, lease_until = NULL WHERE id IN ` +
            `${inList(released.length)} AND lease_owner = ?`,
          [...released, owner],
        );
      for (const d of done) {
        if (d.outcome.kind !== 'giveUp') continue;
        await em.query('UPDATE webhook_endpoints SET enabled = 0, disabled_reason = ?, updated_at = ? WHERE id = ?', [
          d.outcome.reason,
          dbDate(d.attemptedAt),
          d.message.endpointId,
        ]);
      }
    });
  }
}

const whens = (n: number) => new Array(n).fill('WHEN ? THEN ?').join(' ');
