/**
 * Throw-away databases for tests and benchmarks (never part of the production build): a SQLite file in a
 * temp folder, or a MySQL/MariaDB database created on a server and dropped after.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';

/** A database of its own: its DATABASE_URL and how to drop it. */
export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

/** Creates an empty database on `kind`; `mysqlServer` is a server URL without a database. */
export async function createScratchDatabase(
  kind: 'sqlite' | 'mysql',
  mysqlServer = 'mysql://root@127.0.0.1:3306',
  prefix = 'lq_scratch',
): Promise<ScratchDatabase> {
  if (kind === 'mysql') {
    const name = `${prefix}_${randomBytes(5).toString('hex')}`;
    const conn = await createConnection(mysqlServer);
    await conn.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await conn.end();
    return {
      url: `${mysqlServer}/${name}`,
      async drop() {
        const c = await createConnection(mysqlServer);
        await c.query(`DROP DATABASE IF EXISTS ${name}`);
        await c.end();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  return {
    url: `sqlite:${join(dir, 'leads.sqlite')}`,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}
