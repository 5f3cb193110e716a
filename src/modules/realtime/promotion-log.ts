/**
 * The transition table read and stamped as an event log in commit order.
 *
 * Autoincrement ids of concurrent MySQL transactions can commit out of id
 * order, so the log is ordered by `seq` instead: a transaction that writes
 * transitions takes the next epoch number as its last step (`nextEpoch`
 * increments `promotion_sequence`, whose row lock it then holds until
 * commit) and writes its rows with it. Epochs therefore commit in number
 * order, whoever sees epoch n committed also sees every epoch below it, and
 * a cursor `(seq, id)` resumes with no gap.
 */
import { type DataSource, type EntityManager } from 'typeorm';
import type { StageTransition } from '../../model';
import { CHANGE_SELECT, type ChangeRow, type WireChange, fromChangeRow } from './contact-changes';
import {
  dialectOf,
  forUpdateSkipLocked,
  incrementCounter,
  parseDbDate,
  transaction,
  dbDate,
  usePrimaryKey,
  valuesPlaceholders,
} from '../../db/portable';

/** A transition as it travels between instances and to subscribers. */
export interface WireTransition {
  /** Epoch the transition was stamped with: the first half of its cursor. */
  seq: number;
  id: string;
  contactId: string;
  fromStage: string | null;
  toStage: string;
  trigger: string;
  reason: string | null;
  score: number;
  actor: string | null;
  actorOwnerId: string | null;
  occurredAt: string;
  partnerId: string | null;
  ownerId: string | null;
}

/** The transitions and contact changes of one epoch (one writing transaction), each in id order. */
export interface Epoch {
  seq: number;
  transitions: WireTransition[];
  changes: WireChange[];
}

/** A position in the log: the last (seq, id) a subscriber received. */
export type LogPosition = [seq: number, id: number];

/**
 * A page of a replay: `rows` read after the position asked for (a caller may
 * still filter them), the head they were read up to, whether nothing else up
 * to `head` follows, and the position of the last row read.
 */
export interface ReplayPage<T> {
  rows: T[];
  head: number;
  complete: boolean;
  last: LogPosition | null;
}

/** What a subscription's replay reads. */
export interface ReplayFilter {
  stages: string[];
  ownerId?: string | null;
  partnerId?: string | null;
  /** The viewer's partner scope (PARTNER keys), null for all. */
  scope: string | null;
}

const COLUMNS =
  'seq, id, contact_id, from_stage, to_stage, `trigger`, reason, score, actor, actor_owner_id, occurred_at, ' +
  'partner_id, owner_id';
/** Orphans stamped per sweep transaction. */
const SWEEP_LIMIT = 1000;

interface Row {
  seq: string | number;
  id: string | number;
  contact_id: string;
  from_stage: string | null;
  to_stage: string;
  trigger: string;
  reason: string | null;
  score: number | string;
  actor: string | null;
  actor_owner_id: string | null;
  occurred_at: unknown;
  partner_id: string | null;
  owner_id: string | null;
}

function fromRow(r: Row): WireTransition {
  return {
    seq: Number(r.seq),
    id: String(r.id),
    contactId: r.contact_id,
    fromStage: r.from_stage,
    toStage: r.to_stage,
    trigger: r.trigger,
    reason: r.reason,
    score: Number(r.score),
    actor: r.actor,
    actorOwnerId: r.actor_owner_id,
    occurredAt: parseDbDate(r.occurred_at).toISOString(),
    partnerId: r.partner_id,
    ownerId: r.owner_id,
  };
}

/**
 * The epoch of the caller's transaction: the next number, whose
 * `promotion_sequence` row lock the transaction holds until it commits.
 * Take it last (after every other lock), so that concurrent writers queue
 * only for their commits, never in a cycle.
 */
export function nextEpoch(em: EntityManager): Promise<number> {
  return incrementCounter(em, 'promotion_sequence', 'last_seq', 1);
}

/** Transitions by id, as they travel (webhook bodies are built from them). */
export async function transitionsById(em: EntityManager, ids: string[]): Promise<WireTransition[]> {
  if (ids.length === 0) return [];
  const rows: Row[] = await em.query(
    `SELECT ${COLUMNS} FROM stage_transitions WHERE id IN ${valuesPlaceholders(1, ids.length)}`,
    ids,
  );
  return rows.map(fromRow);
}

/** A committed transition (its epoch set by insertTransitions) as it travels to subscribers. */
export function wireTransition(t: StageTransition): WireTransition {
  return {
    seq: t.seq!,
    id: String(t.id),
    contactId: t.contactId,
    fromStage: t.fromStage,
    toStage: t.toStage,
    trigger: t.trigger,
    reason: t.reason,
    score: t.score,
    actor: t.actor,
    actorOwnerId: t.actorOwnerId ?? null,
    occurredAt: t.occurredAt.toISOString(),
    partnerId: t.partnerId,
    ownerId: t.ownerId,
  };
}

/** Events grouped by epoch, keeping their order. */
function bySeq<T extends { seq: number }>(events: T[]): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const e of events) {
    const list = out.get(e.seq);
    if (list) list.push(e);
    else out.set(e.seq, [e]);
  }
  return out;
}

/**
 * Stamps, reads and replays the transition log. Every read runs in `transaction()`: on SQLite that keeps other
 * requests' uncommitted rows out of sight.
 */
/** A replay page of `events` read with `LIMIT limit`: complete when fewer came back, resuming after the last. */
function replayPage<T extends { seq: number; id: string | number }>(
  events: T[],
  read: number,
  head: number,
  limit: number,
): ReplayPage<T> {
  const tail = events[events.length - 1];
  return { rows: events, head, complete: read < limit, last: tail ? [tail.seq, Number(tail.id)] : null };
}

export class PromotionLog {
  constructor(private readonly ds: DataSource) {}

  /** The last epoch committed. */
  async head(): Promise<number> {
    return transaction(this.ds, async (em) =>
      Number((await em.query('SELECT last_seq FROM promotion_sequence WHERE id = 1'))[0].last_seq),
    );
  }

  /**
   * Stamps orphans, rows written with no epoch (by an import or an earlier
   * version of the service) older than `orphanBefore`, with the next epoch.
   * Returns the epoch, or null when there were none.
   */
  async stampOrphans(orphanBefore: Date): Promise<Epoch | null> {
    const dialect = dialectOf(this.ds);
    return transaction(this.ds, async (em) => {
      // SKIP LOCKED: rows of a transaction still open are not orphans, and waiting on them would stall the sweep.
      const rows: { id: string | number }[] = await em.query(
        `SELECT id FROM stage_transitions WHERE seq IS NULL AND created_at < ? ORDER BY id LIMIT ` +
          `${SWEEP_LIMIT}${forUpdateSkipLocked(dialect)}`,
        [dbDate(orphanBefore)],
      );
      if (rows.length === 0) return null;
      const seq = await nextEpoch(em);
      // On the primary key: through the seq index it would also lock (and wait on) unstamped rows of transactions still
      // open.
      await em.query(
        `UPDATE stage_transitions${usePrimaryKey(dialect)} SET seq = ? ` +
          `WHERE id IN ${valuesPlaceholders(1, rows.length)}`,
        [seq, ...rows.map((r) => r.id)],
      );
      const stamped: Row[] = await em.query(`SELECT ${COLUMNS} FROM stage_transitions WHERE seq = ? ORDER BY id`, [
        seq,
      ]);
      return { seq, transitions: stamped.map(fromRow), changes: [] };
    });
  }

  /** True when some row older than `before` was never stamped (a cheap check before taking the sequence lock). */
  async hasOrphans(before: Date): Promise<boolean> {
    return transaction(
      this.ds,
      async (em) =>
        (
          await em.query('SELECT id FROM stage_transitions WHERE seq IS NULL AND created_at < ? LIMIT 1', [
            dbDate(before),
          ])
        ).length > 0,
    );
  }

  /** Every epoch in [from, to] (all committed when `to` <= head); epochs whose rows are gone come back empty. */
  async epochs(from: number, to: number): Promise<Epoch[]> {
    const [rows, changeRows] = await transaction(this.ds, async (em) => [
      (await em.query(`SELECT ${COLUMNS} FROM stage_transitions WHERE seq >= ? AND seq <= ? ORDER BY seq, id`, [
        from,
        to,
      ])) as Row[],
      (await em.query(`SELECT ${CHANGE_SELECT} FROM contact_changes WHERE seq >= ? AND seq <= ? ORDER BY seq, id`, [
        from,
        to,
      ])) as ChangeRow[],
    ]);
    const transitions = bySeq(rows.map(fromRow));
    const changes = bySeq(changeRows.map(fromChangeRow));
    const out: Epoch[] = [];
    for (let seq = from; seq <= to; seq++)
      out.push({ seq, transitions: transitions.get(seq) ?? [], changes: changes.get(seq) ?? [] });
    return out;
  }

  /**
   * Up to `limit` matching transitions after `after`, in log order, and the
   * head they were read up to. `complete` means nothing else up to `head`
   * matches, so live epochs after `head` take over.
   */
  async replay(filter: ReplayFilter, after: LogPosition, limit: number): Promise<ReplayPage<WireTransition>> {
    return transaction(this.ds, async (em) => {
      // Head first: every epoch up to it is already committed, so the rows read next are all there.
      const head = Number((await em.query('SELECT last_seq FROM promotion_sequence WHERE id = 1'))[0].last_seq);
      const where = ['seq >= ?', 'seq <= ?', '(seq > ? OR id > ?)'];
      const params: unknown[] = [after[0], head, after[0], after[1]];
      where.push(`to_stage IN ${filter.stages.length ? valuesPlaceholders(1, filter.stages.length) : '(NULL)'}`);
      params.push(...filter.stages);
      if (filter.ownerId != null) {
        where.push('owner_id = ?');
        params.push(filter.ownerId);
      }
      // The contact's partner now (partner_key follows it, LifecycleService.syncGroupKeys), as live delivery sees
      // it: after a move from P1 to P2, P1 no longer replays the contact's transitions and P2 does.
      const partnerNow = 'partner_key = (SELECT v.id FROM group_values v WHERE v.value = ?)';
      if (filter.partnerId != null) {
        where.push(partnerNow);
        params.push(filter.partnerId);
      }
      if (filter.scope !== null) {
        where.push(partnerNow);
        params.push(filter.scope);
      }
      const rows: Row[] = await em.query(
        `SELECT ${COLUMNS} FROM stage_transitions WHERE ${where.join(' AND ')} ORDER BY seq, id LIMIT ${limit}`,
        params,
      );
      return replayPage(rows.map(fromRow), rows.length, head, limit);
    });
  }

  /**
   * Up to `limit` contact changes after `after` (of the partner `scope`, when
   * set), in log order, for the subscriber to filter; as `replay`.
   */
  async replayChanges(scope: string | null, after: LogPosition, limit: number): Promise<ReplayPage<WireChange>> {
    return transaction(this.ds, async (em) => {
      const head = Number((await em.query('SELECT last_seq FROM promotion_sequence WHERE id = 1'))[0].last_seq);
      const where = ['seq >= ?', 'seq <= ?', '(seq > ? OR id > ?)'];
      const params: unknown[] = [after[0], head, after[0], after[1]];
      if (scope !== null) {
        where.unshift('partner_id = ?');
        params.unshift(scope);
      }
      const rows: ChangeRow[] = await em.query(
        `SELECT ${CHANGE_SELECT} FROM contact_changes WHERE ${where.join(' AND ')} ORDER BY seq, id LIMIT ${limit}`,
        params,
      );
      return replayPage(rows.map(fromChangeRow), rows.length, head, limit);
    });
  }
}
