import { type MigrationInterface, type QueryRunner, Table, TableColumn } from 'typeorm';
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
 * And `api_keys.from_env`: which key ADMIN_API_KEY made, so a new value
 * retires the old one.
 */
export class InputCollation1770000000000 implements MigrationInterface {
  name = 'InputCollation1770000000000';

  async up(q: QueryRunner): Promise<void> {
    for (const e of EXACT) await setExactCollation(q, e.table, e.columns);
    const c = columns(dialectOf(q));
    await q.createTable(new Table({ name: 'deployment', columns: [c.id()] }));
    await q.query('INSERT INTO deployment (id) VALUES (?)', [randomUUID()]);
    // Keys ADMIN_API_KEY created so far were named env-admin: they are the environment's key.
    await q.addColumn('api_keys', new TableColumn(c.bool('from_env', false)));
    await q.query("UPDATE api_keys SET from_env = 1 WHERE name = 'env-admin'");
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('api_keys', 'from_env');
    await q.dropTable('deployment');
    for (const e of EXACT) await setExactCollation(q, e.table, e.columns, false);
  }
}
