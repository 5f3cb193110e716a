import { type MigrationInterface, type QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';
import { columns, dialectOf } from '../src/db/portable';

/**
 * Commit order for the transition log. Autoincrement ids of concurrent MySQL
 * transactions can commit out of id order, so a resume cursor on the id alone
 * can skip a row that committed late. After commit, each instance stamps its
 * transitions with the next `seq` under a lock on `promotion_sequence`, so a
 * reader that sees `seq = n` also sees every `seq < n` (see docs/realtime.md).
 */
export class PromotionSequence1765000000000 implements MigrationInterface {
  name = 'PromotionSequence1765000000000';

  async up(q: QueryRunner): Promise<void> {
    const c = columns(dialectOf(q));
    await q.addColumn('stage_transitions', new TableColumn({ name: 'seq', type: 'bigint', isNullable: true }));
    // Rows that predate streaming are history, not events to send: epoch 0.
    await q.query('UPDATE stage_transitions SET seq = 0');
    await q.createIndex(
      'stage_transitions',
      new TableIndex({ name: 'ix_transitions_seq', columnNames: ['seq', 'id'] }),
    );
    await q.createTable(
      new Table({
        name: 'promotion_sequence',
        columns: [
          { ...c.int('id'), isPrimary: true },
          { name: 'last_seq', type: 'bigint', isNullable: false },
        ],
      }),
    );
    await q.query('INSERT INTO promotion_sequence (id, last_seq) VALUES (1, 0)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('promotion_sequence', true);
    await q.dropIndex('stage_transitions', 'ix_transitions_seq');
    await q.dropColumn('stage_transitions', 'seq');
  }
}
