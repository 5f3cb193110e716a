import { type MigrationInterface, type QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';
import { columns, dialectOf, exactSql, insertIgnorePrefix } from '../src/db/portable';
import { GROUP_KEYS, GROUP_KEY_COLUMNS } from '../src/db/group-keys';

/** Indexes as earlier migrations left them, and what this one makes of them: each grows by columns the metrics read. */
const INDEXES = [
  {
    table: 'stage_transitions',
    name: 'ix_transitions_stays',
    before: ['to_stage', 'occurred_at', 'previous_entry_at', 'left_at', 'converted_at', 'contact_id'],
    added: GROUP_KEY_COLUMNS,
  },
  {
    table: 'contacts',
    name: 'ix_contacts_created_at',
    before: ['created_at', 'id', 'first_transition_at'],
    added: GROUP_KEY_COLUMNS,
  },
  { table: 'contacts', name: 'ix_contacts_stage', before: ['stage'], added: GROUP_KEY_COLUMNS },
  { table: 'contacts', name: 'ix_contacts_stage_changed_at', before: ['stage_changed_at', 'id'], added: ['stage'] },
];

/**
 * Group keys (src/db/group-keys.ts): `group_values` holds each
 * exact source, owner and partner value once; contacts and their transitions
 * hold the values' ids. The indexes conversion metrics read cover what they
 * group and count by (`ix_transitions_stays` and `ix_contacts_created_at`
 * the keys, `ix_contacts_stage` the keys for current counts,
 * `ix_contacts_stage_changed_at` the stage for current counts per period),
 * so no metrics statement reads a table row. The keys only change with a
 * contact's source, owner or partner, so score writes leave these entries
 * alone. Stored contacts and transitions are backfilled.
 */
export class GroupKeys1768000000000 implements MigrationInterface {
  name = 'GroupKeys1768000000000';

  async up(q: QueryRunner): Promise<void> {
    const dialect = dialectOf(q);
    const c = columns(dialect);
    await q.createTable(
      new Table({
        name: 'group_values',
        columns: [c.serial(), c.exactStr('value')],
        indices: [{ name: 'uq_group_values_value', columnNames: ['value'], isUnique: true }],
      }),
    );
    for (const table of ['contacts', 'stage_transitions']) {
      await q.addColumns(
        table,
        GROUP_KEY_COLUMNS.map((name) => new TableColumn(c.int(name, true))),
      );
    }
    const values = GROUP_KEYS.map(
      (k) => `SELECT ${k.valueColumn} FROM contacts WHERE ${k.valueColumn} IS NOT NULL`,
    ).join(' UNION ALL ');
    await q.query(`${insertIgnorePrefix(dialect)} group_values (value) ${values}`);
    const keyOf = (k: (typeof GROUP_KEYS)[number]) =>
      `${k.keyColumn} = (SELECT v.id FROM group_values v WHERE v.value = ` +
      `${exactSql(dialect, `contacts.${k.valueColumn}`)})`;
    await q.query(`UPDATE contacts SET ${GROUP_KEYS.map(keyOf).join(', ')}`);
    const copy = (column: string) =>
      `${column} = (SELECT c.${column} FROM contacts c WHERE c.id = stage_transitions.contact_id)`;
    await q.query(`UPDATE stage_transitions SET ${GROUP_KEY_COLUMNS.map(copy).join(', ')}`);
    for (const ix of INDEXES) await replaceIndex(q, ix.table, ix.name, [...ix.before, ...ix.added]);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const ix of INDEXES) await replaceIndex(q, ix.table, ix.name, ix.before);
    for (const table of ['contacts', 'stage_transitions']) {
      for (const name of GROUP_KEY_COLUMNS) await q.dropColumn(table, name);
    }
    await q.dropTable('group_values');
  }
}

async function replaceIndex(q: QueryRunner, table: string, name: string, columnNames: string[]): Promise<void> {
  await q.dropIndex(table, name);
  await q.createIndex(table, new TableIndex({ name, columnNames }));
}
