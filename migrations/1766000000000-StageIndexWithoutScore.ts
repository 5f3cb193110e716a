import { type MigrationInterface, type QueryRunner, TableIndex } from 'typeorm';

/**
 * `ix_contacts_stage` on the stage alone. With the score in it, every score
 * change (each ingestion batch rewrites hundreds of contacts) moved an entry
 * of this index as well as of `ix_contacts_score`; stage filters still find
 * their rows here, and ordering by score walks `ix_contacts_score`.
 */
export class StageIndexWithoutScore1766000000000 implements MigrationInterface {
  name = 'StageIndexWithoutScore1766000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.dropIndex('contacts', 'ix_contacts_stage');
    await q.createIndex('contacts', new TableIndex({ name: 'ix_contacts_stage', columnNames: ['stage'] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('contacts', 'ix_contacts_stage');
    await q.createIndex('contacts', new TableIndex({ name: 'ix_contacts_stage', columnNames: ['stage', 'score'] }));
  }
}
