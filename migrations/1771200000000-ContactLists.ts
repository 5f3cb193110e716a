import { type MigrationInterface, type QueryRunner, TableColumn, TableIndex } from 'typeorm';
import { columns, dialectOf } from '../src/db/portable';
import { updateRowsById } from '../src/db/bulk';
import { sortKeys } from '../src/model/contact.factory';

/** Contacts backfilled per round trip. */
const PAGE = 1000;

/**
 * What contact lists sort and filter on: `last_activity_at` (the latest
 * activity's occurredAt, kept by ingestion), the lower-cased sort keys of
 * name ("last first") and company, each with an index ending in id so every
 * sort is one index walk with a keyset cursor. EMAIL sorts on the unique
 * email index; the hasOwner filter uses ix_contacts_owner.
 */
export class ContactLists1771200000000 implements MigrationInterface {
  name = 'ContactLists1771200000000';

  async up(q: QueryRunner): Promise<void> {
    const c = columns(dialectOf(q));
    await q.addColumns('contacts', [
      new TableColumn(c.datetime('last_activity_at', true)),
      new TableColumn(c.str('sort_name')),
      new TableColumn(c.str('sort_company')),
    ]);
    await q.query(
      'UPDATE contacts SET last_activity_at = (SELECT MAX(a.occurred_at) FROM activities a WHERE a.contact_id ' +
        '= contacts.id)',
    );
    let after = '';
    for (;;) {
      const page: { id: string; first_name: string | null; last_name: string | null; company: string | null }[] =
        await q.query(
          `SELECT id, first_name, last_name, company FROM contacts WHERE id > ? AND (first_name IS NOT NULL ` +
            `OR last_name IS NOT NULL OR company IS NOT NULL) ORDER BY id LIMIT ${PAGE}`,
          [after],
        );
      if (page.length === 0) break;
      after = page[page.length - 1].id;
      const rows = page.map((r) => {
        const k = sortKeys({ firstName: r.first_name, lastName: r.last_name, company: r.company });
        return { id: r.id, values: [k.sortName, k.sortCompany] };
      });
      await updateRowsById(q.manager, 'contacts', ['sort_name', 'sort_company'], rows);
    }
    await q.createIndex(
      'contacts',
      new TableIndex({ name: 'ix_contacts_last_activity', columnNames: ['last_activity_at', 'id'] }),
    );
    await q.createIndex(
      'contacts',
      new TableIndex({ name: 'ix_contacts_sort_name', columnNames: ['sort_name', 'id'] }),
    );
    await q.createIndex(
      'contacts',
      new TableIndex({ name: 'ix_contacts_sort_company', columnNames: ['sort_company', 'id'] }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const name of ['ix_contacts_sort_company', 'ix_contacts_sort_name', 'ix_contacts_last_activity'])
      await q.dropIndex('contacts', name);
    for (const name of ['sort_company', 'sort_name', 'last_activity_at']) await q.dropColumn('contacts', name);
  }
}
