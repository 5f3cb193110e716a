/** Builds the TypeORM DataSource for SQLite or MySQL/MariaDB from config. */
import 'reflect-metadata';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DataSource, DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '../config/config';
import { CountingLogger } from './sql-counter';
import { ENTITIES } from './entities';

/** Creates (not initialises) the DataSource the app, the CLI and the tests share. */
export function createDataSource(db: DatabaseConfig, onQueryError?: (message: string) => void): DataSource {
  const common = {
    entities: ENTITIES,
    migrations: [join(__dirname, '..', '..', 'migrations', '*.{ts,js}')],
    migrationsTableName: 'migrations',
    synchronize: false,
    logger: new CountingLogger(onQueryError),
    logging: ['query', 'error'],
  } satisfies Partial<DataSourceOptions>;
  if (db.kind === 'sqlite') {
    if (db.file !== ':memory:') mkdirSync(dirname(db.file), { recursive: true });
    return new DataSource({
      ...common,
      type: 'better-sqlite3',
      database: db.file,
      // WAL lets readers proceed while a writer commits; foreign keys are not used (ids are checked by services).
      prepareDatabase: (conn: { pragma: (s: string) => unknown }) => {
        conn.pragma('journal_mode = WAL');
        conn.pragma('synchronous = NORMAL');
        conn.pragma('busy_timeout = 5000');
        // A bigger page cache and fewer, larger checkpoints: ingestion touches many index pages per batch.
        conn.pragma('cache_size = -131072');
        conn.pragma('wal_autocheckpoint = 20000');
        conn.pragma('temp_store = MEMORY');
      },
    } as DataSourceOptions);
  }
  return new DataSource({
    ...common,
    type: 'mysql',
    host: db.host,
    port: db.port,
    username: db.user,
    password: db.password,
    database: db.database,
    timezone: 'Z',
    charset: 'utf8mb4_unicode_ci',
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: false,
    connectTimeout: 5000,
    extra: { connectionLimit: 20, enableKeepAlive: true, maxIdle: 20 },
  } as DataSourceOptions);
}

/** Initialises the DataSource and applies pending migrations (one transaction each). */
export async function openDatabase(ds: DataSource): Promise<DataSource> {
  if (!ds.isInitialized) await ds.initialize();
  await ds.runMigrations({ transaction: 'each' });
  return ds;
}
