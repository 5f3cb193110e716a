/**
 * The sweeper: moves stored scoring state as time passes. Points whose
 * expiry has come leave the engagement score (and the window points); points
 * whose activity left the policy's temperature window leave the window
 * points. Temperature follows. Run on a timer by every instance (main.ts).
 */
import { DataSource, EntityManager } from 'typeorm';
import { DAY_MS } from './scorer';
import { ScoreChangeCause, ScoreEventRow, insertScoreEvents, scoreEvent } from './score-history';
import { StoredApplication, noteScoreChanges, settleTemperature } from './score-writes';
import { ChangeSet } from '../realtime/contact-changes';
import { Contact } from '../contacts/contact.entity';
import type { LifecycleService } from '../lifecycle/lifecycle.service';
import type { Policy } from '../lifecycle/lifecycle';
import { dbDate, lockRows, parseDbDate, transaction, valuesPlaceholders } from '../../db/portable';
import { updateRowsById } from '../../db/bulk';

/** A due score_applications row as a sweep reads it. */
interface DueRow extends StoredApplication {
  contact_id: string;
}

/** What makes an application due at a sweep: its expiry has come, or its activity left the window while counted. */
const DUE = '((expired = 0 AND expires_at < ?) OR (in_window = 1 AND occurred_at <= ?))';

export class ScoreSweeper {
  constructor(
    private readonly ds: DataSource,
    private readonly lifecycle: LifecycleService,
  ) {}

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
      `SELECT contact_id FROM (SELECT DISTINCT contact_id FROM score_applications WHERE expired = 0 AND expires_at < ? LIMIT ${n}) e UNION SELECT contact_id FROM (SELECT DISTINCT contact_id FROM score_applications WHERE in_window = 1 AND occurred_at <= ? LIMIT ${n}) w`,
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
    const params = [...ids, dbDate(now), dbDate(since)];
    const rows: DueRow[] = await em.query(
      `SELECT contact_id, activity_id, rule_id, points, expires_at, expired, in_window FROM score_applications WHERE contact_id IN ${valuesPlaceholders(1, ids.length)} AND ${DUE} ORDER BY expires_at, activity_id, rule_id`,
      params,
    );
    if (rows.length === 0) return { expired: 0, written: [] };
    await em.query(
      `UPDATE score_applications SET expired = CASE WHEN expired = 0 AND expires_at < ? THEN 1 ELSE expired END, in_window = 0 WHERE contact_id IN ${valuesPlaceholders(1, ids.length)} AND ${DUE}`,
      [dbDate(now), ...params],
    );
    const byId = new Map(contacts.map((c) => [c.id, c]));
    const events: ScoreEventRow[] = [];
    const touched = new Set<Contact>();
    let expired = 0;
    for (const r of rows) {
      const c = byId.get(r.contact_id)!;
      const points = Number(r.points);
      touched.add(c);
      if (Number(r.in_window)) c.windowPoints -= points;
      const expiring = Number(r.expired) === 0 && r.expires_at !== null && parseDbDate(r.expires_at) < now;
      if (!expiring) continue;
      expired++;
      c.engagementScore -= points;
      c.score = c.fitScore + c.engagementScore;
      if (points !== 0)
        events.push(
          scoreEvent(
            c,
            -points,
            ScoreChangeCause.POINTS_EXPIRED,
            parseDbDate(r.expires_at).getTime(),
            r.rule_id,
            r.activity_id,
          ),
        );
    }
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
