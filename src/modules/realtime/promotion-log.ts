/**
 * The transition table read and stamped as an event log in commit order.
 *
 * Autoincrement ids of concurrent MySQL transactions can commit out of id
 * order, so the log is ordered by `seq` instead: after a transaction commits,
 * its instance stamps the transitions with the next epoch number while
 * holding the `promotion_sequence` row lock. Stamping transactions are
 * serialised, so whoever sees epoch n committed also sees every epoch below
 * it, and a cursor `(seq, id)` resumes with no gap.
 */
import { DataSource } from 'typeorm';
import { dialectOf, forUpdate, forUpdateSkipLocked, parseDbDate, transaction, dbDate, usePrimaryKey } from '../../db/portable';

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
  occurredAt: string;
  partnerId: string | null;
  ownerId: string | null;
}

/** The transitions of one stamping transaction, in id order. */
export interface Epoch {
  seq: number;
  transitions: WireTransition[];
}

/** A position in the log: the last (seq, id) a subscriber received. */
export type LogPosition = [seq: number, id: number];

/** What a subscription's replay reads. */
export interface ReplayFilter {
  stages: string[];
  ownerId?: string | null;
  partnerId?: string | null;
  /** The viewer's partner scope (PARTNER keys), null for all. */
  scope: string | null;
}

const COLUMNS = 'seq, id, contact_id, from_stage, to_stage, `trigger`, reason, score, actor, occurred_at, partner_id, owner_id';
/** Largest IN list per stamping statement (well under every driver's parameter limit). */
const STAMP_CHUNK = 5000;
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
    occurredAt: parseDbDate(r.occurred_at).toISOString(),
    partnerId: r.partner_id,
    ownerId: r.owner_id,
  };
}

/** Stamps, reads and replays the transition log. Every read runs in `transaction()`: on SQLite that keeps other requests' uncommitted rows out of sight. */
export class PromotionLog {
  constructor(private readonly ds: DataSource) {}

  /** The last epoch committed. */
  async head(): Promise<number> {
    return transaction(this.ds, async (em) => Number((await em.query('SELECT last_seq FROM promotion_sequence WHERE id = 1'))[0].last_seq));
  }

  /**
   * Stamps committed transitions (`ids`), or orphans (`ids` null: rows their
   * instance never stamped, e.g. it died right after commit, older than
   * `orphanBefore`), with the next epoch. Returns the epoch, or null when
   * every row was already stamped (the epoch number is then not used).
   */
  async stamp(ids: string[] | null, orphanBefore = new Date()): Promise<Epoch | null> {
    const dialect = dialectOf(this.ds);
    return transaction(this.ds, async (em) => {
      // The lock that orders epochs: held until commit, so epochs commit in number order.
      const seq = Number((await em.query(`SELECT last_seq FROM promotion_sequence WHERE id = 1${forUpdate(dialect)}`))[0].last_seq) + 1;
      let targets = ids;
      if (targets !== null && targets.length > 0) {
        // A contact's earlier transition, committed on another instance that has not stamped it yet, joins this
        // epoch so the contact's events stay in causal order. A plain read: rows of open transactions stay unseen.
        // The contacts' transitions are read once and compared here: linear in their number, not quadratic.
        const rows: { id: string | number; contact_id: string; seq: unknown }[] = await em.query(
          `SELECT id, contact_id, seq FROM stage_transitions WHERE contact_id IN (SELECT contact_id FROM stage_transitions WHERE id IN (${targets.map(() => '?').join(', ')}))`,
          targets,
        );
        const mine = new Set(targets);
        const lastMine = new Map<string, number>();
        for (const r of rows) if (mine.has(String(r.id))) lastMine.set(r.contact_id, Math.max(lastMine.get(r.contact_id) ?? 0, Number(r.id)));
        const earlier = rows.filter((r) => r.seq === null && Number(r.id) < (lastMine.get(r.contact_id) ?? 0)).map((r) => String(r.id));
        targets = [...new Set([...earlier, ...targets])];
      }
      if (targets === null) {
        // SKIP LOCKED: rows of a transaction still open are not orphans, and waiting on them would stall every stamp.
        const rows: { id: string | number }[] = await em.query(
          `SELECT id FROM stage_transitions WHERE seq IS NULL AND created_at < ? ORDER BY id LIMIT ${SWEEP_LIMIT}${forUpdateSkipLocked(dialect)}`,
          [dbDate(orphanBefore)],
        );
        targets = rows.map((r) => String(r.id));
      }
      for (let i = 0; i < targets.length; i += STAMP_CHUNK) {
        const chunk = targets.slice(i, i + STAMP_CHUNK);
        // On the primary key: through the seq index it would also lock (and wait on) unstamped rows of transactions still open.
        await em.query(`UPDATE stage_transitions${usePrimaryKey(dialect)} SET seq = ? WHERE seq IS NULL AND id IN (${chunk.map(() => '?').join(', ')})`, [seq, ...chunk]);
      }
      const stamped: Row[] = targets.length ? await em.query(`SELECT ${COLUMNS} FROM stage_transitions WHERE seq = ? ORDER BY id`, [seq]) : [];
      if (stamped.length === 0) return null;
      await em.query('UPDATE promotion_sequence SET last_seq = ? WHERE id = 1', [seq]);
      return { seq, transitions: stamped.map(fromRow) };
    });
  }

  /** True when some row older than `before` was never stamped (a cheap check before taking the sequence lock). */
  async hasOrphans(before: Date): Promise<boolean> {
    return transaction(this.ds, async (em) => (await em.query('SELECT id FROM stage_transitions WHERE seq IS NULL AND created_at < ? LIMIT 1', [dbDate(before)])).length > 0);
  }

  /** Every epoch in [from, to] (all committed when `to` <= head); epochs whose rows are gone come back empty. */
  async epochs(from: number, to: number): Promise<Epoch[]> {
    const rows: Row[] = await transaction(this.ds, (em) => em.query(`SELECT ${COLUMNS} FROM stage_transitions WHERE seq >= ? AND seq <= ? ORDER BY seq, id`, [from, to]));
    const bySeq = new Map<number, WireTransition[]>();
    for (const r of rows.map(fromRow)) {
      const list = bySeq.get(r.seq);
      if (list) list.push(r);
      else bySeq.set(r.seq, [r]);
    }
    const out: Epoch[] = [];
    for (let seq = from; seq <= to; seq++) out.push({ seq, transitions: bySeq.get(seq) ?? [] });
    return out;
  }

  /**
   * Up to `limit` matching transitions after `after`, in log order, and the
   * head they were read up to. `complete` means nothing else up to `head`
   * matches, so live epochs after `head` take over.
   */
  async replay(filter: ReplayFilter, after: LogPosition, limit: number): Promise<{ rows: WireTransition[]; head: number; complete: boolean }> {
    return transaction(this.ds, async (em) => {
      // Head first: every epoch up to it is already committed, so the rows read next are all there.
      const head = Number((await em.query('SELECT last_seq FROM promotion_sequence WHERE id = 1'))[0].last_seq);
      const where = ['seq >= ?', 'seq <= ?', '(seq > ? OR id > ?)'];
      const params: unknown[] = [after[0], head, after[0], after[1]];
      where.push(`to_stage IN (${filter.stages.map(() => '?').join(', ') || 'NULL'})`);
      params.push(...filter.stages);
      if (filter.ownerId != null) (where.push('owner_id = ?'), params.push(filter.ownerId));
      if (filter.partnerId != null) (where.push('partner_id = ?'), params.push(filter.partnerId));
      if (filter.scope !== null) (where.push('partner_id = ?'), params.push(filter.scope));
      const rows: Row[] = await em.query(`SELECT ${COLUMNS} FROM stage_transitions WHERE ${where.join(' AND ')} ORDER BY seq, id LIMIT ${limit}`, params);
      return { rows: rows.map(fromRow), head, complete: rows.length < limit };
    });
  }
}
