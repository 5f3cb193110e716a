/**
 * The statements of a claim (WebhookOutbox.claim): which runs of messages
 * are ready, locking them, and writing their lease. Each is one statement
 * whatever the number of messages claimed (at most MAX_CLAIM_ROWS), so a
 * claim costs the same few statements for one message or hundreds.
 */
import { type DataSource, type EntityManager } from 'typeorm';
import { dbDate, dialectOf, forUpdateSkipLocked, inList, parseDbDate } from '../../db/portable';
import { upsertRows } from '../../db/bulk';
import { promotionCursor } from '../realtime';
import { type PromotionRow, promotionPayload } from './payload';

/** Messages one claim takes at most (keeps the claim's transaction and its statements short). */
export const MAX_CLAIM_ROWS = 1000;
/** Endpoints one claim serves at most (one subquery each in `runsFrom`; SQLite allows 500 per compound SELECT). */
export const MAX_CLAIM_ENDPOINTS = 250;

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

/** Consecutive messages of one endpoint under one lease, oldest first: sent one after the other. */
export interface ClaimedBatch {
  endpointId: string;
  /** When the lease ends (the worker's clock): no attempt may still run then. */
  leaseUntil: number;
  messages: ClaimedMessage[];
}

/** An endpoint as a claim needs it. */
export interface ClaimEndpoint {
  id: string;
  url: string;
  secrets: string[];
}

/** The oldest pending message of an endpoint. */
export interface Head {
  endpointId: string;
  id: string;
}

/** Consecutive pending message ids of one endpoint, oldest first. */
export interface Run {
  endpointId: string;
  ids: string[];
}

/** A pending message, locked by the claim. */
export interface LockedRow {
  id: string | number;
  endpoint_id: string;
  kind: string;
  transition_id: string | number | null;
  attempts: number | string;
  first_attempt_at: unknown;
  next_attempt_at: unknown;
  created_at: unknown;
  payload: string | null;
}

/**
 * The heads of the queues ready to send: per enabled endpoint its oldest
 * pending message, when that is due and not leased, earliest due first.
 * One index probe per endpoint (the correlated MIN reads
 * ix_webhook_messages_pending), however long the queues are.
 */
export async function readyHeads(em: EntityManager | DataSource, now: string): Promise<Head[]> {
  const rows: { id: string | number; endpoint_id: string }[] = await em.query(
    'SELECT m.id, m.endpoint_id FROM webhook_endpoints e JOIN webhook_messages m ON m.id = ' +
      "(SELECT MIN(h.id) FROM webhook_messages h WHERE h.state = 'PENDING' AND h.endpoint_id = e.id) " +
      ('WHERE e.enabled = 1 AND m.next_attempt_at <= ? AND (m.lease_until IS NULL OR m.lease_until <= ?) ORDER ' +
        'BY m.next_attempt_at, m.id'),
    [now, now],
  );
  return rows.map((r) => ({ endpointId: r.endpoint_id, id: String(r.id) }));
}

/**
 * The first `perEndpoint` pending message ids of each head's endpoint, from
 * the head on, as runs in the heads' order: one statement of an index range
 * with LIMIT per endpoint (at most MAX_CLAIM_ENDPOINTS of them).
 */
export async function runsFrom(em: EntityManager, heads: Head[], perEndpoint: number): Promise<Run[]> {
  const parts = heads.map(
    (_, i) =>
      `SELECT id, endpoint_id FROM (SELECT id, endpoint_id FROM webhook_messages WHERE state = 'PENDING' AND ` +
      `endpoint_id = ? AND id >= ? ORDER BY id LIMIT ${perEndpoint}) r${i}`,
  );
  const rows: { id: string | number; endpoint_id: string }[] = await em.query(
    parts.join(' UNION ALL '),
    heads.flatMap((h) => [h.endpointId, h.id]),
  );
  const byEndpoint = new Map<string, string[]>(heads.map((h) => [h.endpointId, []]));
  for (const r of rows) byEndpoint.get(r.endpoint_id)?.push(String(r.id));
  return heads.map((h) => ({
    endpointId: h.endpointId,
    ids: byEndpoint.get(h.endpointId)!.sort((a, b) => Number(a) - Number(b)),
  }));
}

/**
 * The heads this claim starts from (pure): endpoints not already in flight
 * here, at most `endpoints` and MAX_CLAIM_ENDPOINTS of them, and how many
 * messages each run may hold so the claim stays within MAX_CLAIM_ROWS.
 */
export function pickHeads(
  heads: Head[],
  busy: Set<string>,
  endpoints: number,
  perEndpoint: number,
): { heads: Head[]; perEndpoint: number } {
  const free = heads.filter((h) => !busy.has(h.endpointId)).slice(0, Math.min(endpoints, MAX_CLAIM_ENDPOINTS));
  return { heads: free, perEndpoint: Math.max(1, Math.min(perEndpoint, Math.floor(MAX_CLAIM_ROWS / free.length))) };
}

/**
 * Locks the given messages that are still pending, due and not leased
 * (another instance may have claimed or delivered some since they were
 * read; on MySQL rows another claim holds are skipped, not waited for).
 */
export async function lockMessages(em: EntityManager, ids: string[], now: string): Promise<Map<string, LockedRow>> {
  const rows: LockedRow[] = await em.query(
    `SELECT id, endpoint_id, kind, transition_id, attempts, first_attempt_at, next_attempt_at, created_at, ` +
      `payload FROM webhook_messages WHERE id IN ${inList(ids.length)} ` +
      (`AND state = 'PENDING' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ` +
        `?)${forUpdateSkipLocked(dialectOf(em))}`),
    [...ids, now, now],
  );
  return new Map(rows.map((r) => [String(r.id), r]));
}

/** The beginning of a run that is locked: a message that could not be locked ends it, so order holds (pure). */
export function takeWhileLocked(ids: string[], locked: Map<string, unknown>): string[] {
  const end = ids.findIndex((id) => !locked.has(id));
  return end === -1 ? ids : ids.slice(0, end);
}

/**
 * A locked row ready to send, its body built from its transition when it has none yet; null when it cannot be built.
 */
export function toClaimed(
  m: LockedRow,
  promotions: Map<string, PromotionRow>,
  endpoint: ClaimEndpoint,
): ClaimedMessage | null {
  const t = m.transition_id === null ? undefined : promotions.get(String(m.transition_id));
  const payload = m.payload ?? (t ? promotionPayload(t, promotionCursor(t)) : null);
  if (payload === null) return null;
  return {
    id: String(m.id),
    endpointId: m.endpoint_id,
    kind: m.kind,
    transitionId: m.transition_id === null ? null : String(m.transition_id),
    attempts: Number(m.attempts),
    firstAttemptAt: m.first_attempt_at ? parseDbDate(m.first_attempt_at).getTime() : null,
    payload,
    url: endpoint.url,
    secrets: endpoint.secrets,
  };
}

/**
 * Leases the claimed messages to `owner` until `until` and stores the
 * bodies built by this claim: one multi-row upsert over rows that exist
 * (linear in the rows, where an UPDATE ... CASE would be quadratic).
 */
export async function writeLeases(
  em: EntityManager,
  batches: ClaimedBatch[],
  locked: Map<string, LockedRow>,
  owner: string,
  until: string,
): Promise<void> {
  const messages = batches.flatMap((b) => b.messages);
  if (messages.length === 0) return;
  await upsertRows(
    em,
    'webhook_messages',
    [
      'id',
      'endpoint_id',
      'kind',
      'state',
      'attempts',
      'next_attempt_at',
      'created_at',
      'payload',
      'lease_owner',
      'lease_until',
    ],
    ['payload', 'lease_owner', 'lease_until'],
    messages.map((m) => {
      const row = locked.get(m.id)!;
      return [
        m.id,
        m.endpointId,
        m.kind,
        'PENDING',
        m.attempts,
        dbDate(parseDbDate(row.next_attempt_at)),
        dbDate(parseDbDate(row.created_at)),
        m.payload,
        owner,
        until,
      ];
    }),
  );
}
