import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { randomUUID } from 'node:crypto';
import { columns, dialectOf, setExactCollation } from '../src/db/portable';

/** Identifiers compared exactly on both stores (docs/api.md, "Identifiers"). */
const EXACT = [
  { table: 'contacts', columns: ['email'] },
  { table: 'activities', columns: ['idempotency_key'] },
];

/**
 * Input rules of issue 16. Emails (stored lower-cased and NFC-normalised by
 * the service) and idempotency keys compare exactly on both stores: MariaDB's
 * default collation took `Key-X` and `key-X`, `josé@` and `jose@` for the
 * same value where SQLite kept them apart. And `deployment`: one row with
 * this database's random id, the identity that namespaces Redis channels and
 * keys, so deployments sharing a Redis server never see each other's events.
 */
export class InputCollation1770000000000 implements MigrationInterface {
  name = 'InputCollation1770000000000';

  async up(q: QueryRunner): Promise<void> {
    for (const e of EXACT) await setExactCollation(q, e.table, e.columns);
    const c = columns(dialectOf(q));
    await q.createTable(new Table({ name: 'deployment', columns: [c.id()] }));
    await q.query('INSERT INTO deployment (id) VALUES (?)', [randomUUID()]);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('deployment');
    for (const e of EXACT) await setExactCollation(q, e.table, e.columns, false);
  }
}
