import { type MigrationInterface, type QueryRunner, TableIndex } from 'typeorm';

/** The name-key indexes this migration replaces, and their columns before (migration 1774500000000). */
const REPLACED = [
  { name: 'ix_contacts_first_name_key', columnNames: ['first_name_key', 'id'] },
  { name: 'ix_contacts_last_name_key', columnNames: ['last_name_key', 'id'] },
];

/** One index per column the search prefix matches, each carrying created_at and id after it. */
const ADDED = [
  { name: 'ix_contacts_email_search', columnNames: ['email', 'created_at', 'id'] },
  { name: 'ix_contacts_first_name_search', columnNames: ['first_name_key', 'created_at', 'id'] },
  { name: 'ix_contacts_last_name_search', columnNames: ['last_name_key', 'created_at', 'id'] },
  { name: 'ix_contacts_company_search', columnNames: ['sort_company', 'created_at', 'id'] },
];

/**
 * The search prefix answered from indexes alone (docs/reads.md, "The search prefix"): a prefix of four letters
 * matches tens of thousands of contacts at a million, and counting them or picking the newest 20 through each row
 * costs a primary-key lookup per match. With (column, created_at, id) the count and the newest page of the default
 * order read only the four index ranges. The name keys exist only for the search, so their indexes are replaced;
 * `uq_contacts_email` (uniqueness) and `ix_contacts_sort_company` (the COMPANY order) stay.
 */
export class SearchIndexes1775300000000 implements MigrationInterface {
  name = 'SearchIndexes1775300000000';

  async up(q: QueryRunner): Promise<void> {
    for (const ix of REPLACED) await q.dropIndex('contacts', ix.name);
    for (const ix of ADDED) await q.createIndex('contacts', new TableIndex(ix));
  }

  async down(q: QueryRunner): Promise<void> {
    for (const ix of ADDED) await q.dropIndex('contacts', ix.name);
    for (const ix of REPLACED) await q.createIndex('contacts', new TableIndex(ix));
  }
}
