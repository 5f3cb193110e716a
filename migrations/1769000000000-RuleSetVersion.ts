import { type MigrationInterface, type QueryRunner, Table, TableForeignKey } from 'typeorm';
import { columns, dialectOf } from '../src/db/portable';

/**
 * The rule set's version, and activities that must name a stored contact.
 *
 * `scoring_rule_set` holds one row whose `version` every rule change bumps
 * in its own transaction, holding the row's write lock until it commits.
 * Ingestion reads the version under a shared lock: no rule change can commit
 * while a batch is being recorded, so the rules a batch read stay the rules
 * until it commits, and a rescore started by a later change sees the batch.
 * The version also tells an instance whether the rules it holds are current.
 *
 * The foreign key from activities to contacts lets a batch that nothing
 * scores skip reading its contacts: the insert itself refuses an activity
 * whose contact does not exist (or was deleted meanwhile). Contacts are
 * deleted after their activities (ContactsService.delete).
 */
export class RuleSetVersion1769000000000 implements MigrationInterface {
  name = 'RuleSetVersion1769000000000';

  async up(q: QueryRunner): Promise<void> {
    const c = columns(dialectOf(q));
    await q.createTable(
      new Table({
        name: 'scoring_rule_set',
        columns: [
          { ...c.int('id'), isPrimary: true },
          { name: 'version', type: 'bigint', isNullable: false },
        ],
      }),
    );
    await q.query('INSERT INTO scoring_rule_set (id, version) VALUES (1, 0)');
    // Deleting a contact erases its activities; any left by a delete that raced an earlier version's
    // ingestion belong to no contact and could never be read again. The key needs them gone.
    await q.query(
      'DELETE FROM activities WHERE NOT EXISTS (SELECT 1 FROM contacts c WHERE c.id = activities.contact_id)',
    );
    await q.createForeignKey(
      'activities',
      new TableForeignKey({
        name: 'fk_activities_contact',
        columnNames: ['contact_id'],
        referencedTableName: 'contacts',
        referencedColumnNames: ['id'],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropForeignKey('activities', 'fk_activities_contact');
    await q.dropTable('scoring_rule_set', true);
  }
}
