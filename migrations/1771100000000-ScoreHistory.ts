import { type MigrationInterface, type QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';
import { columns, dbDate, dialectOf } from '../src/db/portable';

/**
 * Score history: one `score_events` row per change of a contact's stored
 * score, written in the transaction that changes it, with the score, fit and
 * engagement after it. `contacts.score_changed_at` holds the time of the
 * latest one, so a contact's events never go back in time and
 * (contact_id, at, id) order is the order they were applied in.
 *
 * A contact that already has points gets one RESCORED event carrying them,
 * so replaying its history ends on its stored score.
 */
export class ScoreHistory1771100000000 implements MigrationInterface {
  name = 'ScoreHistory1771100000000';

  async up(q: QueryRunner): Promise<void> {
    const c = columns(dialectOf(q));
    await q.createTable(
      new Table({
        name: 'score_events',
        columns: [
          c.serial(),
          c.ref('contact_id'),
          c.datetime('at'),
          c.str('cause', 16, false),
          c.int('delta'),
          c.int('score'),
          c.int('fit_score'),
          c.int('engagement_score'),
          c.ref('rule_id', true),
          c.ref('activity_id', true),
        ],
      }),
    );
    await q.createIndex(
      'score_events',
      new TableIndex({ name: 'ix_score_events_contact_at', columnNames: ['contact_id', 'at', 'id'] }),
    );
    await q.addColumn('contacts', new TableColumn(c.datetime('score_changed_at', true)));
    const now = dbDate(new Date());
    await q.query(
      `INSERT INTO score_events (contact_id, at, cause, delta, score, fit_score, engagement_score) SELECT id, ` +
        `?, 'RESCORED', score, score, fit_score, engagement_score FROM contacts WHERE score <> 0 OR fit_score ` +
        `<> 0 OR engagement_score <> 0`,
      [now],
    );
    await q.query(
      'UPDATE contacts SET score_changed_at = ? WHERE score <> 0 OR fit_score <> 0 OR engagement_score <> 0',
      [now],
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('contacts', 'score_changed_at');
    await q.dropTable('score_events', true);
  }
}
