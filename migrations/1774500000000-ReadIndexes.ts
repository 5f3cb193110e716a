import { type MigrationInterface, type QueryRunner, TableColumn, TableIndex } from 'typeorm';
import { columns, dialectOf } from '../src/db/portable';
import { updateRowsById } from '../src/db/bulk';
import { sortKeys } from '../src/model/contact.factory';

/** Contacts backfilled per round trip. */
const PAGE = 1000;

/**
 * Indexes this migration replaces: the same name, columns before and after (each now ends in id for keyset cursors).
 */
const REPLACED = [
  { name: 'ix_contacts_owner', before: ['owner_id'], after: ['owner_id', 'created_at', 'id'] },
  { name: 'ix_contacts_partner', before: ['partner_id', 'created_at'], after: ['partner_id', 'created_at', 'id'] },
  { name: 'ix_contacts_source', before: ['source'], after: ['source', 'created_at', 'id'] },
  { name: 'ix_contacts_temperature_score', before: ['temperature', 'score'], after: ['temperature', 'score', 'id'] },
];

/** Indexes this migration adds: a filter's equality columns, then the order's column and id (docs/reads.md). */
const ADDED = [
  { name: 'ix_contacts_first_name_key', columnNames: ['first_name_key', 'id'] },
  { name: 'ix_contacts_last_name_key', columnNames: ['last_name_key', 'id'] },
  { name: 'ix_contacts_stage_score', columnNames: ['stage', 'score', 'id'] },
  { name: 'ix_contacts_stage_created', columnNames: ['stage', 'created_at', 'id'] },
  { name: 'ix_contacts_stage_temp_score', columnNames: ['stage', 'temperature', 'score', 'id'] },
  { name: 'ix_contacts_temp_created', columnNames: ['temperature', 'created_at', 'id'] },
  { name: 'ix_contacts_owner_score', columnNames: ['owner_id', 'score', 'id'] },
  { name: 'ix_contacts_partner_score', columnNames: ['partner_id', 'score', 'id'] },
  { name: 'ix_contacts_partner_email', columnNames: ['partner_id', 'email', 'id'] },
  { name: 'ix_contacts_source_score', columnNames: ['source', 'score', 'id'] },
];

/**
 * Reads at a million contacts (issue 18, docs/reads.md): every ContactFilter
 * field is served by an index, alone and with the common orders (SCORE and
 * CREATED_AT), and a PARTNER key's lists and email lookups walk indexes that
 * lead with its partner. The search prefix needs lower-cased first and last
 * names (`first_name_key`, `last_name_key`, kept by contact.factory's
 * sortKeys) so each of its four alternatives is an index range on both
 * stores; email and sort_company are already lower-cased.
 */
export class ReadIndexes1774500000000 implements MigrationInterface {
  name = 'ReadIndexes1774500000000';

  async up(q: QueryRunner): Promise<void> {
    const c = columns(dialectOf(q));
    await q.addColumns('contacts', [new TableColumn(c.str('first_name_key')), new TableColumn(c.str('last_name_key'))]);
    let after = '';
    for (;;) {
      const page: { id: string; first_name: string | null; last_name: string | null }[] = await q.query(
        `SELECT id, first_name, last_name FROM contacts WHERE id > ? AND (first_name IS NOT NULL OR last_name ` +
          `IS NOT NULL) ORDER BY id LIMIT ${PAGE}`,
        [after],
      );
      if (page.length === 0) break;
      after = page[page.length - 1].id;
      const rows = page.map((r) => {
        const k = sortKeys({ firstName: r.first_name, lastName: r.last_name });
        return { id: r.id, values: [k.firstNameKey, k.lastNameKey] };
      });
      await updateRowsById(q.manager, 'contacts', ['first_name_key', 'last_name_key'], rows);
    }
    for (const ix of REPLACED) await replaceIndex(q, ix.name, ix.after);
    for (const ix of ADDED) await q.createIndex('contacts', new TableIndex(ix));
  }

  async down(q: QueryRunner): Promise<void> {
    for (const ix of ADDED) await q.dropIndex('contacts', ix.name);
    for (const ix of REPLACED) await replaceIndex(q, ix.name, ix.before);
    for (const name of ['last_name_key', 'first_name_key']) await q.dropColumn('contacts', name);
  }
}

async function replaceIndex(q: QueryRunner, name: string, columnNames: string[]): Promise<void> {
  await q.dropIndex('contacts', name);
  await q.createIndex('contacts', new TableIndex({ name, columnNames }));
}
