/**
 * The webhook outbox in the database. Messages are written by the
 * transaction that writes their transitions (`enqueue`, after the epoch is
 * taken, so ids follow commit order); instances claim the head of each
 * endpoint's queue under a lease (`claim`), which makes delivery ordered per
 * endpoint and exclusive across instances, and a lease that expires (its
 * instance died) lets another instance take the message over. `record`
 * writes the outcomes of attempts, several at once.
 */
import { type DataSource, type EntityManager } from 'typeorm';
import { dbDate, dialectOf, forUpdateSkipLocked, parseDbDate, transaction } from '../../db/portable';
import { transitionsById, promotionCursor } from '../realtime';
import { type SqlValue, insertRows, updateRowsById } from '../../db/bulk';
import { PROMOTED, type PromotionRow, promotionPayload } from './payload';
import type { AttemptResult } from './sender';

/** A message claimed for delivery, with what is needed to sign and send it. */
export interface ClaimedMessage {
  id: string;
  endpointId: string;
  kind: string;
  transitionId: string | null;
  /** Attempts made before this one. */
  attempts: number;
  firstAttemptAt: number | null;
  payload: string;
  url: string;
  /** Current secret first, then a rotated-out one still valid. */
  secrets: string[];
}

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

const inList = (n: number) => `(${new Array(n).fill('?').join(', ')})`;

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
   * Claims up to `limit` messages that are due, each the oldest pending
   * message of its endpoint, not leased, on an enabled endpoint, skipping
   * `busy` endpoints (already in flight here). Leases them to `owner` until
   * now + leaseMs; a message's body is built on its first claim and kept, so
   * every retry sends the same bytes.
   */
  async claim(
    owner: string,
    now: number,
    leaseMs: number,
    limit: number,
    busy: Set<string>,
  ): Promise<ClaimedMessage[]> {
    const dialect = dialectOf(this.ds);
    // Most polls find nothing: one index probe then, and no transaction (on SQLite, none held on the one connection).
    if ((await this.ds.query("SELECT id FROM webhook_messages WHERE state = 'PENDING' LIMIT 1")).length === 0)
      return [];
    return transaction(this.ds, async (em) => {
      const heads: { id: string | number; endpoint_id: string }[] = await em.query(
        'SELECT MIN(m.id) AS id, m.endpoint_id FROM webhook_messages m JOIN webhook_endpoints e ON e.id = ' +
          "m.endpoint_id AND e.enabled = 1 WHERE m.state = 'PENDING' GROUP BY m.endpoint_id",
      );
      const candidates = heads.filter((h) => !busy.has(h.endpoint_id)).map((h) => String(h.id));
      if (candidates.length === 0) return [];
      const at = dbDate(now);
      const locked: {
        id: string | number;
        endpoint_id: string;
        kind: string;
        transition_id: string | number | null;
        attempts: number;
        first_attempt_at: unknown;
        payload: string | null;
      }[] = await em.query(
        `SELECT id, endpoint_id, kind, transition_id, attempts, first_attempt_at, payload FROM ` +
          `webhook_messages WHERE id IN ${inList(candidates.length)} ` +
          (`AND state = 'PENDING' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?) ORDER ` +
            `BY next_attempt_at, id LIMIT ${limit}${forUpdateSkipLocked(dialect)}`),
        [...candidates, at, at],
      );
      if (locked.length === 0) return [];
      const endpointIds = [...new Set(locked.map((m) => m.endpoint_id))];
      const endpoints: {
        id: string;
        url: string;
        secret: string;
        previous_secret: string | null;
        previous_secret_expires_at: unknown;
      }[] = await em.query(
        `SELECT id, url, secret, previous_secret, previous_secret_expires_at FROM webhook_endpoints WHERE id ` +
          `IN ${inList(endpointIds.length)}`,
        endpointIds,
      );
      const byId = new Map(endpoints.map((e) => [e.id, e]));
      const promotions = await this.promotions(
        em,
        locked.filter((m) => m.payload === null && m.transition_id !== null).map((m) => String(m.transition_id)),
      );
      const claimed: ClaimedMessage[] = [];
      for (const m of locked) {
        const e = byId.get(m.endpoint_id);
        const t = m.transition_id === null ? undefined : promotions.get(String(m.transition_id));
        const payload = m.payload ?? (t ? promotionPayload(t, promotionCursor(t)) : null);
        if (!e || payload === null) continue;
        claimed.push({
          id: String(m.id),
          endpointId: m.endpoint_id,
          kind: m.kind,
          transitionId: m.transition_id === null ? null : String(m.transition_id),
          attempts: Number(m.attempts),
          firstAttemptAt: m.first_attempt_at ? parseDbDate(m.first_attempt_at).getTime() : null,
          payload,
          url: e.url,
          secrets: activeSecrets(e.secret, e.previous_secret, e.previous_secret_expires_at, now),
        });
      }
      const until = dbDate(now + leaseMs);
      await updateRowsById(
        em,
        'webhook_messages',
        ['lease_owner', 'lease_until', 'payload', 'first_attempt_at'],
        claimed.map((m) => ({
          id: m.id,
          values: [owner, until, m.payload, dbDate(m.firstAttemptAt ?? now)],
        })),
      );
      return claimed;
    });
  }

  /**
   * Writes attempts and their outcomes in one transaction: delivered
   * messages leave the queue, failed ones get their next attempt time,
   * endpoints given up on are disabled with the reason. Only messages still
   * leased to `owner` change state (one whose lease was taken over belongs to
   * its new owner); every attempt is kept either way.
   */
  async record(owner: string, done: Recorded[]): Promise<void> {
    if (done.length === 0) return;
    await transaction(this.ds, async (em) => {
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
            `${delivered.map(() => 'WHEN ? THEN ?').join(' ')} END, lease_owner = NULL, lease_until = NULL ` +
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
            `${failed.map(() => 'WHEN ? THEN ?').join(' ')} END, lease_owner = NULL, lease_until = NULL ` +
            `WHERE id IN ${inList(failed.length)} AND lease_owner = ?`,
          [...failed.flatMap((d) => [d.message.id, dbDate(nextAt(d))]), ...failed.map((d) => d.message.id), owner],
        );
      }
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
