import { type MigrationInterface, type QueryRunner, TableColumn, TableIndex } from 'typeorm';
import { columns, dialectOf, parseDbDate } from '../src/db/portable';
import { updateRowsById } from '../src/db/bulk';
import { stayMarks } from '../src/modules/lifecycle/stays';
import { STAY_COLUMNS, stayValues } from '../src/modules/lifecycle/stay.rows';

/** Contacts whose transitions are backfilled per round trip. */
const BACKFILL_CONTACTS = 500;

/**
 * Stay bookkeeping (src/modules/lifecycle/stays.ts): each transition keeps
 * the contact's previous entry into its stage, when the stay ended and when
 * it converted; each contact, when it left PROSPECT. Conversion metrics then
 * read one range of `ix_transitions_stays` per stage (a covering index) and
 * of `ix_contacts_created_at` for PROSPECT, instead of looking up every
 * counted contact's later transitions.
 *
 * Stored transitions are backfilled with the same pure function the
 * lifecycle uses, contact by contact, before the indexes are built.
 */
export class TransitionStays1767000000000 implements MigrationInterface {
  name = 'TransitionStays1767000000000';

  async up(q: QueryRunner): Promise<void> {
    const c = columns(dialectOf(q));
    await q.addColumns(
      'stage_transitions',
      STAY_COLUMNS.map((name) => new TableColumn(c.datetime(name, true))),
    );
    await q.addColumn('contacts', new TableColumn(c.datetime('first_transition_at', true)));
    await backfill(q);
    await q.query(
      'UPDATE contacts SET first_transition_at = (SELECT MIN(t.occurred_at) FROM stage_transitions t WHERE ' +
        't.contact_id = contacts.id)',
    );
    await q.dropIndex('stage_transitions', 'ix_transitions_to_stage_occurred');
    await q.createIndex(
      'stage_transitions',
      new TableIndex({
        name: 'ix_transitions_stays',
        columnNames: ['to_stage', 'occurred_at', 'previous_entry_at', 'left_at', 'converted_at', 'contact_id'],
      }),
    );
    await q.dropIndex('contacts', 'ix_contacts_created_at');
    await q.createIndex(
      'contacts',
      new TableIndex({ name: 'ix_contacts_created_at', columnNames: ['created_at', 'id', 'first_transition_at'] }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('contacts', 'ix_contacts_created_at');
    await q.createIndex(
      'contacts',
      new TableIndex({ name: 'ix_contacts_created_at', columnNames: ['created_at', 'id'] }),
    );
    await q.dropIndex('stage_transitions', 'ix_transitions_stays');
    await q.createIndex(
      'stage_transitions',
      new TableIndex({
        name: 'ix_transitions_to_stage_occurred',
        columnNames: ['to_stage', 'occurred_at', 'contact_id'],
      }),
    );
    await q.dropColumn('contacts', 'first_transition_at');
    for (const name of STAY_COLUMNS) await q.dropColumn('stage_transitions', name);
  }
}

/** Fills the stay columns of every stored transition, a page of contacts at a time (in contact id order). */
async function backfill(q: QueryRunner): Promise<void> {
  let after = '';
  for (;;) {
    const page: { contact_id: string }[] = await q.query(
      `SELECT DISTINCT contact_id FROM stage_transitions WHERE contact_id > ? ORDER BY contact_id LIMIT ` +
        `${BACKFILL_CONTACTS}`,
      [after],
    );
    if (page.length === 0) return;
    after = page[page.length - 1].contact_id;
    const rows: { id: string | number; contact_id: string; to_stage: string; occurred_at: unknown }[] = await q.query(
      `SELECT id, contact_id, to_stage, occurred_at FROM stage_transitions WHERE contact_id IN ` +
        `(${page.map(() => '?').join(', ')}) ORDER BY contact_id, id`,
      page.map((r) => r.contact_id),
    );
    const updates: { id: string; values: ReturnType<typeof stayValues> }[] = [];
    for (let i = 0; i < rows.length;) {
      let end = i;
      while (end < rows.length && rows[end].contact_id === rows[i].contact_id) end++;
      const journey = rows.slice(i, end);
      const marks = stayMarks(
        { latestEntry: new Map() },
        journey.map((r) => ({ toStage: r.to_stage, occurredAt: parseDbDate(r.occurred_at).getTime() })),
      );
      journey.forEach((r, k) => updates.push({ id: String(r.id), values: stayValues(marks.added[k]) }));
      i = end;
    }
    await updateRowsById(q.manager, 'stage_transitions', STAY_COLUMNS, updates);
  }
}
