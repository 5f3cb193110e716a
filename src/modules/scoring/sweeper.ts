/**
 * The sweeper: moves stored scoring state as time passes. Points whose
 * expiry has come leave the engagement score (and the window points); points
 * whose activity left the policy's temperature window leave the window
 * points. Temperature follows. Run on a timer by every instance (main.ts).
 */
import { type DataSource, type EntityManager } from 'typeorm';
import { DAY_MS } from './scorer';
import { ScoreChangeCause, type ScoreEventRow, insertScoreEvents, scoreEvent } from './score-history';
import { type StoredApplication, noteScoreChanges, settleTemperature } from './score-writes';
import { ChangeSet } from '../realtime';
import { Contact, type Policy } from '../../model';
import type { LifecycleService } from '../lifecycle';
import {
  dbDate,
  dialectOf,
  forceIndex,
  lockRows,
  parseDbDate,
  transaction,
  valuesPlaceholders,
} from '../../db/portable';
import { updateRowsById, updateWhereIn } from '../../db/bulk';

/** A due score_applications row as a sweep reads it. */
interface DueRow extends StoredApplication {
  contact_id: string;
}

/** What makes an application due at a sweep: its expiry has come, or its activity left the window while counted. */
const DUE = '((expired = 0 AND expires_at < ?) OR (in_window = 1 AND occurred_at <= ?))';

/** Row flips of one rule and kind: the values to set and the activities whose rows take them. */
interface Flip {
  ruleId: string;
  values: Record<string, number>;
  activityIds: string[];
}

/**
 * Takes the due rows' points off their (locked) contacts in memory: expiring
 * points leave the engagement score (with their history rows), counted
 * points leave the window points. Returns what to write.
 */
function takeOff(rows: DueRow[], byId: Map<string, Contact>, now: Date) {
  const events: ScoreEventRow[] = [];
  const touched = new Set<Contact>();
  const flips = new Map<string, Flip>();
  let expired = 0;
  for (const r of rows) {
    const c = byId.get(r.contact_id)!;
    const points = Number(r.points);
    touched.add(c);
    if (Number(r.in_window)) c.windowPoints -= points;
    const expiring = Number(r.expired) === 0 && r.expires_at !== null && parseDbDate(r.expires_at) < now;
    const key = `${expiring}|${r.rule_id}`;
    let flip = flips.get(key);
    if (!flip) {
      const values: Record<string, number> = expiring ? { expired: 1, in_window: 0 } : { in_window: 0 };
      flips.set(key, (flip = { ruleId: r.rule_id, values, activityIds: [] }));
    }
    flip.activityIds.push(r.activity_id);
    if (!expiring) continue;
    expired++;
    c.engagementScore -= points;
    c.score = c.fitScore + c.engagementScore;
    const at = parseDbDate(r.expires_at).getTime();
    if (points !== 0)
      events.push(scoreEvent(c, -points, ScoreChangeCause.POINTS_EXPIRED, at, r.rule_id, r.activity_id));
  }
  return { events, touched, flips, expired };
}

export class ScoreSweeper {
  constructor(
    private readonly ds: DataSource,
    private readonly lifecycle: LifecycleService,
  ) {}

  /**
   * score_applications read by contact: without statistics SQLite would take
   * the due rows' indexes (an OR of both) and walk every due row for each batch.
   */
  private byContact(): string {
    return forceIndex(dialectOf(this.ds), 'score_applications', 'sa', 'ix_score_apps_contact_rule');
  }

  /**
   * Sweeps until nothing is due, `limit` contacts per transaction (a backlog
   * never waits for the next tick). Safe with several instances: contacts
   * are locked first and only rows still due under that lock are flipped,
   * so no point is subtracted twice. Returns how many applications expired.
   */
  async sweep(now: Date = new Date(), limit = 2000): Promise<number> {
    const policy = await this.lifecycle.policy();
    const since = new Date(now.getTime() - policy.temperatureWindowDays * DAY_MS);
    let total = 0;
    for (;;) {
      const { due, expired } = await this.sweepBatch(now, since, policy, limit);
      total += expired;
      if (due < limit) return total;
      // Let requests in between transactions (SQLite calls are synchronous).
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private async sweepBatch(
    now: Date,
    since: Date,
    policy: Policy,
    limit: number,
  ): Promise<{ due: number; expired: number }> {
    const n = Math.floor(limit);
    // Each half walks its own index (ix_score_apps_expiry, ix_score_apps_window).
    const due: { contact_id: string }[] = await this.ds.query(
      `SELECT contact_id FROM (SELECT DISTINCT contact_id FROM score_applications WHERE expired = 0 AND ` +
        `expires_at < ? LIMIT ${n}) e UNION SELECT contact_id FROM (SELECT DISTINCT contact_id FROM ` +
        `score_applications WHERE in_window = 1 AND occurred_at <= ? LIMIT ${n}) w`,
      [dbDate(now), dbDate(since)],
    );
    if (due.length === 0) return { due: 0, expired: 0 };
    const ids = due.map((r) => r.contact_id).sort();
    const { expired, written } = await transaction(this.ds, (em) => this.sweepContacts(em, ids, now, since, policy));
    this.lifecycle.publish([], written);
    return { due: Math.min(due.length, n), expired };
  }

  /** Sweeps the (locked here) contacts `ids`; returns how many applications expired and the change rows written. */
  private async sweepContacts(
    em: EntityManager,
    ids: string[],
    now: Date,
    since: Date,
    policy: Policy,
  ): Promise<{ expired: number; written: ChangeSet['written'] }> {
    // Made per attempt: transaction() may run this again after a deadlock.
    const log = new ChangeSet();
    const contacts = await lockRows(
      em.getRepository(Contact).createQueryBuilder('c').where('c.id IN (:...ids)', { ids }).orderBy('c.id'),
    ).getMany();
    const rows: DueRow[] = await em.query(
      `SELECT contact_id, activity_id, rule_id, points, expires_at, expired, in_window FROM ` +
        `${this.byContact()} WHERE contact_id IN ${valuesPlaceholders(1, ids.length)} AND ${DUE} ORDER BY ` +
        `expires_at, activity_id, rule_id`,
      [...ids, dbDate(now), dbDate(since)],
    );
    if (rows.length === 0) return { expired: 0, written: [] };
    const { events, touched, flips, expired } = takeOff(rows, new Map(contacts.map((c) => [c.id, c])), now);
    // By primary key, one UPDATE per rule and kind of flip: exactly the rows read under the contacts' locks.
    for (const f of flips.values())
      await updateWhereIn(em, 'score_applications', f.values, 'activity_id', f.activityIds, { rule_id: f.ruleId });
    const scored = new Set(events.map((e) => e.contactId));
    // Points that expired move the temperature with a logged change; a window left by time alone logs nothing.
    for (const c of touched) settleTemperature(c, policy, scored.has(c.id) ? log : undefined);
    const changed = [...touched];
    await updateRowsById(
      em,
      'contacts',
      ['engagement_score', 'score', 'score_changed_at', 'window_points', 'temperature'],
      changed.map((c) => ({
        id: c.id,
        values: [
          c.engagementScore,
          c.score,
          c.scoreChangedAt ? dbDate(c.scoreChangedAt) : null,
          c.windowPoints,
          c.temperature,
        ],
      })),
    );
    await insertScoreEvents(em, events);
    noteScoreChanges(log, { rescored: changed.filter((c) => scored.has(c.id)), moved: [], events });
    await this.lifecycle.insertTransitions(em, [], log);
    return { expired, written: log.written };
  }
}
