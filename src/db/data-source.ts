/** Builds the TypeORM DataSource for SQLite or MySQL/MariaDB from config. */
import 'reflect-metadata';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  DataSource,
  type DataSourceOptions,
  type Logger,
  QueryFailedError,
  type QueryRunner,
  type ReplicationMode,
} from 'typeorm';
import type { MysqlDriver } from 'typeorm/driver/mysql/MysqlDriver';
import { DEFAULT_DATABASE_POOL, type DatabaseConfig, type DatabasePool } from '../config/config';
import { DatabaseUnavailableError } from './errors';
import { CountingLogger } from './sql-counter';
import { isConnectionError, mysqlQueryFormat } from './portable';
import { ENTITIES } from './entities';
import { BACKSTOP_CHECKPOINT_PAGES, type Checkpointer, startCheckpointer } from './sqlite-checkpointer';

/**
 * Creates (not initialises) the DataSource the app, the CLI and the tests
 * share; `pool` applies to MySQL/MariaDB. The app counts statements through
 * its logger; the command-line tools pass one that prints (cli-logger.ts).
 */
export function createDataSource(
  db: DatabaseConfig,
  onQueryError?: (message: string) => void,
  pool: DatabasePool = DEFAULT_DATABASE_POOL,
  logger: Logger = new CountingLogger(onQueryError),
): DataSource {
  const common = {
    entities: ENTITIES,
    migrations: [join(__dirname, '..', '..', 'migrations', '*.{ts,js}')],
    migrationsTableName: 'migrations',
    synchronize: false,
    logger,
    logging: ['query', 'error'],
  } satisfies Partial<DataSourceOptions>;
  if (db.kind === 'sqlite') {
    if (db.file !== ':memory:') mkdirSync(dirname(db.file), { recursive: true });
    const ds = new DataSource({
      ...common,
      type: 'better-sqlite3',
      database: db.file,
      // WAL lets readers proceed while a writer commits. better-sqlite3 enforces foreign keys (migration 1769's
      // activities -> contacts) by default, as MySQL does.
      prepareDatabase: (conn: { pragma: (s: string) => unknown }) => {
        conn.pragma('journal_mode = WAL');
        conn.pragma('synchronous = NORMAL');
        conn.pragma('busy_timeout = 5000');
        // A bigger page cache: ingestion touches many index pages per batch.
        conn.pragma('cache_size = -131072');
        // Checkpoints run on their own thread (sqlite-checkpointer.ts); this is the backstop.
        conn.pragma(`wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
        conn.pragma('temp_store = MEMORY');
      },
    } as DataSourceOptions);
    // better-sqlite3 runs a statement synchronously and TypeORM chains statements with resolved promises, so requests
    // in flight could keep the event loop from ever polling sockets: new connections waited seconds (bench/load). Each
    // statement first gives the loop a turn.
    wrapQueries(ds, (query) => async (...args) => {
      await new Promise(setImmediate);
      return query(...args);
    });
    if (db.file !== ':memory:') checkpointInBackground(ds, db.file, onQueryError);
    return ds;
  }
  const ds = new DataSource({
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
    connectTimeout: pool.connectTimeoutMs,
    // mysql2 fails a statement with no answer after this long (a frozen server); guardMysql then drops its connection.
    enableQueryTimeout: true,
    maxQueryExecutionTime: pool.queryTimeoutMs,
    extra: {
      connectionLimit: pool.size,
      queueLimit: pool.queueLimit,
      enableKeepAlive: true,
      maxIdle: pool.size,
      queryFormat: mysqlQueryFormat,
    },
  } as DataSourceOptions);
  readCommittedSessions(ds);
  guardMysql(ds, pool);
  return ds;
}

type PoolConnection = { release(): void; destroy(): void; query(sql: string, callback: (err: unknown) => void): void };

/**
 * Every MySQL session runs READ COMMITTED, set once when its connection is
 * first handed out (a SET per transaction would cost a round trip on each
 * ingestion batch). Transactions here lock the rows they write before
 * reading anything else about them, so each plain read sees what the
 * previous lock holders committed (a REPEATABLE READ snapshot taken before a
 * lock wait would not), and index scans take no gap locks that concurrent
 * inserts could deadlock on.
 */
function readCommittedSessions(ds: DataSource): void {
  const driver = ds.driver as MysqlDriver;
  const obtain = driver.obtainMasterConnection.bind(driver);
  const ready = new WeakSet<PoolConnection>();
  driver.obtainMasterConnection = async () => {
    const conn: PoolConnection = await obtain();
    if (!ready.has(conn)) {
      try {
        await new Promise<void>((resolve, reject) =>
          conn.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED', (err) =>
            err ? reject(err) : resolve(),
          ),
        );
      } catch (err) {
        conn.release();
        throw err;
      }
      ready.add(conn);
    }
    return conn;
  };
}

/** Errors of a server shutting down under a running statement (isConnectionError covers the lost links). */
const SHUTDOWN_CODES = new Set(['ER_SERVER_SHUTDOWN', 'ER_CONNECTION_KILLED']);

/**
 * Makes a lost, frozen or overloaded MySQL/MariaDB fail requests fast with
 * DatabaseUnavailableError instead of hanging or leaking driver errors:
 * waiting for a connection is bounded by the connect timeout, and a
 * statement that failed because of its connection is rethrown as that error.
 * The connection of a timed-out statement is dropped: its answer may still
 * come and would otherwise be read as the next statement's. mysql2 drops
 * broken connections from the pool by itself, so the pool refills once the
 * server is back: recovery needs no restart.
 */
function guardMysql(ds: DataSource, pool: DatabasePool): void {
  const driver = ds.driver as MysqlDriver;
  const obtain = driver.obtainMasterConnection.bind(driver);
  driver.obtainMasterConnection = () =>
    new Promise((resolve, reject) => {
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        reject(new DatabaseUnavailableError(new Error(`no database connection within ${pool.connectTimeoutMs} ms`)));
      }, pool.connectTimeoutMs);
      obtain().then(
        (conn: PoolConnection) => {
          clearTimeout(timer);
          if (timedOut) conn.release();
          else resolve(conn);
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(new DatabaseUnavailableError(err));
        },
      );
    });
  wrapQueries(ds, (query, runner) => async (...args) => {
    try {
      return await query(...args);
    } catch (err) {
      if (!(err instanceof QueryFailedError)) throw err;
      const code = (err.driverError as { code?: string }).code ?? '';
      if (code === 'PROTOCOL_SEQUENCE_TIMEOUT')
        (runner as unknown as { databaseConnection?: PoolConnection }).databaseConnection?.destroy();
      else if (!isConnectionError(err.driverError) && !SHUTDOWN_CODES.has(code)) throw err;
      throw new DatabaseUnavailableError(err);
    }
  });
}

/** Runs a checkpoint worker (sqlite-checkpointer.ts) from the DataSource's initialisation to its destruction. */
function checkpointInBackground(
  ds: DataSource,
  file: string,
  onError: (message: string) => void = () => undefined,
): void {
  let checkpointer: Checkpointer | null = null;
  const initialize = ds.initialize.bind(ds);
  const destroy = ds.destroy.bind(ds);
  ds.initialize = async () => {
    await initialize();
    checkpointer = startCheckpointer(file, onError);
    return ds;
  };
  ds.destroy = async () => {
    await checkpointer?.stop();
    checkpointer = null;
    await destroy();
  };
}

type Query = (...args: Parameters<QueryRunner['query']>) => Promise<unknown>;

/**
 * Replaces `query` of every query runner the DataSource creates (every
 * statement, in or out of a transaction, goes through one). The SQLite driver
 * hands out one runner again and again: each is wrapped once.
 */
function wrapQueries(ds: DataSource, wrap: (query: Query, runner: QueryRunner) => Query): void {
  const driver = ds.driver;
  const createQueryRunner = driver.createQueryRunner.bind(driver);
  const wrapped = new WeakSet<QueryRunner>();
  driver.createQueryRunner = (mode: ReplicationMode) => {
    const runner = createQueryRunner(mode);
    if (!wrapped.has(runner)) {
      wrapped.add(runner);
      runner.query = wrap(runner.query.bind(runner), runner) as QueryRunner['query'];
    }
    return runner;
  };
}

/** Initialises the DataSource and applies pending migrations (one transaction each). */
export async function openDatabase(ds: DataSource): Promise<DataSource> {
  if (!ds.isInitialized) await ds.initialize();
  // A migration may rebuild a big table: the statement timeout is meant for requests, not for it.
  const options = ds.driver.options as { enableQueryTimeout?: boolean };
  const timeout = options.enableQueryTimeout;
  options.enableQueryTimeout = false;
  try {
    await ds.runMigrations({ transaction: 'each' });
  } finally {
    options.enableQueryTimeout = timeout;
  }
  return ds;
}

/** True when the database answers within `timeoutMs` (readiness: a frozen database must not hang the probe). */
export async function pingDatabase(ds: DataSource, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  try {
    return await Promise.race([
      ds.query('SELECT 1').then(
        () => true,
        () => false,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
