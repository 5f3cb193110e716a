import { type MigrationInterface, type QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';
import { columns, dbDate, dialectOf } from '../src/db/portable';
import { DEFAULT_POLICY } from '../src/model/lifecycle';

/**
 * The contact change log behind the contactChanged subscription: one row per
 * contact a transaction changed, stamped with the transaction's epoch (the
 * same `promotion_sequence` as stage_transitions, see
 * src/modules/realtime/promotion-log.ts), so it replays and resumes exactly
 * as leadPromoted does. Each row carries what changed and the contact's
 * filterable values before and after.
 *
 * `contacts.temperature` is the temperature as of the contact's last logged
 * change: the next change compares against it to tell a TEMPERATURE change.
 */
export class ContactChanges1771300000000 implements MigrationInterface {
  name = 'ContactChanges1771300000000';

  async up(q: QueryRunner): Promise<void> {
    const c = columns(dialectOf(q));
    await q.createTable(
      new Table({
        name: 'contact_changes',
        columns: [
          c.serial(),
          { name: 'seq', type: 'bigint', isNullable: false },
          c.ref('contact_id'),
          c.str('kinds', 191, false),
          c.ref('partner_id', true),
          c.json('before_values', false),
          c.json('after_values', false),
          c.datetime('occurred_at'),
        ],
      }),
    );
    await q.createIndex(
      'contact_changes',
      new TableIndex({ name: 'ix_contact_changes_seq', columnNames: ['seq', 'id'] }),
    );
    // The writer reads its rows' ids back by contact.
    await q.createIndex(
      'contact_changes',
      new TableIndex({ name: 'ix_contact_changes_contact', columnNames: ['contact_id', 'id'] }),
    );
    await q.createIndex(
      'contact_changes',
      new TableIndex({ name: 'ix_contact_changes_partner_seq', columnNames: ['partner_id', 'seq', 'id'] }),
    );
    await q.addColumn('contacts', new TableColumn({ ...c.str('temperature', 8, false), default: "'COLD'" }));
    const [policy] = await q.query(
      'SELECT hot_threshold, warm_threshold, temperature_window_days FROM qualification_policy WHERE id = 1',
    );
    const hot = Number(policy?.hot_threshold ?? DEFAULT_POLICY.hotThreshold);
    const warm = Number(policy?.warm_threshold ?? DEFAULT_POLICY.warmThreshold);
    const since = dbDate(
      Date.now() - Number(policy?.temperature_window_days ?? DEFAULT_POLICY.temperatureWindowDays) * 86_400_000,
    );
    const points =
      '(SELECT COALESCE(SUM(sa.points), 0) FROM score_applications sa WHERE sa.contact_id = contacts.id AND ' +
      'sa.expired = 0 AND sa.occurred_at > ?)';
    await q.query(
      `UPDATE contacts SET temperature = CASE WHEN ${points} >= ? THEN 'HOT' WHEN ${points} >= ? THEN 'WARM' ` +
        `ELSE 'COLD' END`,
      [since, hot, since, warm],
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('contacts', 'temperature');
    await q.dropTable('contact_changes', true);
  }
}
