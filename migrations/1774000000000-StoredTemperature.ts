import { type MigrationInterface, type QueryRunner, TableColumn, TableIndex } from 'typeorm';
import { columns, dbDate, dialectOf } from '../src/db/portable';
import { DEFAULT_POLICY } from '../src/model/lifecycle';

/**
 * Temperature as stored state, so lists read, filter and sort it from an index:
 *
 * - `contacts.window_points`: the engagement points of the contact's
 *   applications inside the policy's temperature window (unexpired, activity
 *   occurred after now - window), kept by ingestion, rescore and the sweeps.
 * - `contacts.temperature` (already there, from 1771300000000) now holds the
 *   contact's current temperature: HOT / WARM / COLD from `window_points` and
 *   the policy's thresholds.
 * - `score_applications.in_window`: 1 while the application's points are part
 *   of its contact's `window_points`, so each point leaves exactly once
 *   (at expiry or at `occurredAt + window`, whichever comes first).
 *
 * Backfill: the same meaning the read-time SQL had (unexpired applications
 * that occurred inside the current window), under the current policy.
 */
export class StoredTemperature1774000000000 implements MigrationInterface {
  name = 'StoredTemperature1774000000000';

  /**
   * Sets `in_window`, `window_points` and `temperature` of every row from the
   * stored applications under the current policy, as the read-time definition
   * had it (unexpired applications whose activity occurred inside the window).
   */
  static async backfill(q: QueryRunner): Promise<void> {
    const [policy] = await q.query(
      'SELECT hot_threshold, warm_threshold, temperature_window_days FROM qualification_policy WHERE id = 1',
    );
    const hot = Number(policy?.hot_threshold ?? DEFAULT_POLICY.hotThreshold);
    const warm = Number(policy?.warm_threshold ?? DEFAULT_POLICY.warmThreshold);
    const windowDays = Number(policy?.temperature_window_days ?? DEFAULT_POLICY.temperatureWindowDays);
    const since = dbDate(Date.now() - windowDays * 86_400_000);
    await q.query(
      'UPDATE score_applications SET in_window = CASE WHEN expired = 0 AND occurred_at > ? THEN 1 ELSE 0 END',
      [since],
    );
    await q.query('UPDATE contacts SET window_points = 0 WHERE window_points <> 0');
    await q.query(
      'UPDATE contacts SET window_points = (SELECT COALESCE(SUM(sa.points), 0) FROM score_applications sa ' +
        'WHERE sa.contact_id = contacts.id AND sa.in_window = 1) WHERE id IN (SELECT contact_id FROM ' +
        'score_applications WHERE in_window = 1)',
    );
    await q.query(
      "UPDATE contacts SET temperature = CASE WHEN window_points >= ? THEN 'HOT' WHEN window_points >= ? THEN " +
        "'WARM' ELSE 'COLD' END",
      [hot, warm],
    );
  }

  async up(q: QueryRunner): Promise<void> {
    const c = columns(dialectOf(q));
    await q.addColumn('contacts', new TableColumn(c.int('window_points', false, 0)));
    await q.addColumn('score_applications', new TableColumn(c.bool('in_window', false)));
    await StoredTemperature1774000000000.backfill(q);
    await q.createIndex(
      'contacts',
      new TableIndex({ name: 'ix_contacts_temperature_score', columnNames: ['temperature', 'score'] }),
    );
    await q.createIndex(
      'score_applications',
      new TableIndex({ name: 'ix_score_apps_window', columnNames: ['in_window', 'occurred_at'] }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('score_applications', 'ix_score_apps_window');
    await q.dropIndex('contacts', 'ix_contacts_temperature_score');
    await q.dropColumn('score_applications', 'in_window');
    await q.dropColumn('contacts', 'window_points');
  }
}
