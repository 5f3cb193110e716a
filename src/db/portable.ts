/**
 * Every difference between SQLite and MySQL/MariaDB lives here, so migrations and services stay dialect-free: column
 * shapes, date literals, upserts, locking and error mapping.
 */
import {
  DataSource,
  type EntityManager,
  type ObjectLiteral,
  type QueryRunner,
  type SelectQueryBuilder,
  type TableColumnOptions,
} from 'typeorm';
import { format as formatMysql } from 'mysql2';

// Dates as both stores compare them (no dialect branch), and the drivers' errors told apart (one branch per driver
// code): kept in files of their own, used through this one.
export { dbDate, parseDbDate } from './dates';
export {
  isConnectionError,
  isForeignKeyViolation,
  isRetryable,
  isUniqueViolation,
  violatedIndex,
} from './driver-errors';
import { isRetryable } from './driver-errors';

/** The two store families the service runs on. */
export type Dialect = 'sqlite' | 'mysql';

/** Dialect of a DataSource, EntityManager or QueryRunner. */
export function dialectOf(src: DataSource | EntityManager | QueryRunner): Dialect {
  const ds = src instanceof DataSource ? src : src.connection;
  return ds.options.type === 'mysql' || ds.options.type === 'mariadb' ? 'mysql' : 'sqlite';
}

/** Column option builders for hand-written migrations (QueryRunner Table API). */
export function columns(dialect: Dialect) {
  const mysql = dialect === 'mysql';
  return {
    /** Application-generated UUID primary key. */
    id: (name = 'id'): TableColumnOptions => ({ name, type: 'varchar', length: '36', isPrimary: true }),
    /** Auto-increment primary key: orders rows by insertion (used as an event log cursor). */
    serial: (name = 'id'): TableColumnOptions =>
      mysql
        ? { name, type: 'bigint', isPrimary: true, isGenerated: true, generationStrategy: 'increment', unsigned: true }
        : { name, type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
    ref: (name: string, nullable = false): TableColumnOptions => ({
      name,
      type: 'varchar',
      length: '36',
      isNullable: nullable,
    }),
    /** Indexable string: at most 191 characters so utf8mb4 indexes fit. */
    str: (name: string, length = 191, nullable = true): TableColumnOptions => ({
      name,
      type: 'varchar',
      length: String(length),
      isNullable: nullable,
    }),
    /**
     * Indexable string compared exactly: 'Web' and 'web' differ (SQLite's default BINARY; on MySQL utf8mb4_bin, which
     * both MySQL 8 and MariaDB have; it ignores trailing spaces, which trimmed input never has).
     */
    exactStr: (name: string, length = 191, nullable = false): TableColumnOptions => ({
      name,
      type: 'varchar',
      length: String(length),
      isNullable: nullable,
      ...(mysql ? { charset: 'utf8mb4', collation: 'utf8mb4_bin' } : {}),
    }),
    text: (name: string, nullable = true): TableColumnOptions => ({ name, type: 'text', isNullable: nullable }),
    int: (name: string, nullable = false, dflt?: number): TableColumnOptions => ({
      name,
      type: 'int',
      isNullable: nullable,
      ...(dflt === undefined ? {} : { default: dflt }),
    }),
    bool: (name: string, dflt: boolean): TableColumnOptions => ({
      name,
      type: mysql ? 'tinyint' : 'boolean',
      width: mysql ? 1 : undefined,
      isNullable: false,
      default: dflt ? 1 : 0,
    }),
    /** UTC timestamp with millisecond precision. */
    datetime: (name: string, nullable = false): TableColumnOptions =>
      mysql
        ? { name, type: 'datetime', precision: 3, isNullable: nullable }
        : { name, type: 'datetime', isNullable: nullable },
    /** JSON document: native JSON on MySQL, text on SQLite (entities use simple-json, which reads both). */
    json: (name: string, nullable = true): TableColumnOptions => ({
      name,
      type: mysql ? 'json' : 'text',
      isNullable: nullable,
    }),
  };
}

/**
 * SQL expression: whole milliseconds between two datetime expressions (null when either is null). Exact on both
 * stores, so results computed from it match to the bit: MySQL counts microseconds; SQLite's julianday difference is
 * off by well under a millisecond, which the rounding removes.
 */
export function millisBetweenSql(dialect: Dialect, fromExpr: string, toExpr: string): string {
  return dialect === 'mysql'
    ? `(TIMESTAMPDIFF(MICROSECOND, ${fromExpr}, ${toExpr}) DIV 1000)`
    : `CAST(ROUND((julianday(${toExpr}) - julianday(${fromExpr})) * 86400000.0) AS INTEGER)`;
}

/** SQL expression: first day (YYYY-MM-DD) of the UTC ISO week (Monday) or month of a datetime expression. */
export function periodStartSql(dialect: Dialect, expr: string, period: 'WEEK' | 'MONTH'): string {
  if (dialect === 'mysql') {
    return period === 'MONTH'
      ? `DATE_FORMAT(${expr}, '%Y-%m-01')`
      : `DATE_FORMAT(DATE_SUB(DATE(${expr}), INTERVAL WEEKDAY(${expr}) DAY), '%Y-%m-%d')`;
  }
  return period === 'MONTH'
    ? `strftime('%Y-%m-01', ${expr})`
    : `date(${expr}, '-' || ((CAST(strftime('%w', ${expr}) AS INTEGER) + 6) % 7) || ' days')`;
}

/** `FOR UPDATE` row lock suffix; SQLite serialises writers instead (see `transaction`). */
export function forUpdate(dialect: Dialect): string {
  return dialect === 'mysql' ? ' FOR UPDATE' : '';
}

/**
 * Adds one to `column` of the row `id` of `table` and returns the new value, in one statement that also holds the
 * row's write lock until commit. MySQL has no UPDATE ... RETURNING: `LAST_INSERT_ID(expr)` hands the value back in
 * the statement's OK packet instead.
 */
export async function incrementCounter(em: EntityManager, table: string, column: string, id: number): Promise<number> {
  if (dialectOf(em) === 'mysql') {
    const result: { insertId: number | string } = await em.query(
      `UPDATE ${table} SET ${column} = LAST_INSERT_ID(${column} + 1) WHERE id = ?`,
      [id],
    );
    return Number(result.insertId);
  }
  const rows: Record<string, number>[] = await em.query(
    `UPDATE ${table} SET ${column} = ${column} + 1 WHERE id = ? RETURNING ${column}`,
    [id],
  );
  return Number(rows[0][column]);
}

/**
 * Shared-lock suffix: on MySQL a locking read sees the latest committed rows (a plain read sees its snapshot); SQLite
 * has one writer.
 */
export function forShare(dialect: Dialect): string {
  return dialect === 'mysql' ? ' LOCK IN SHARE MODE' : '';
}

/**
 * SQL expression: a string column compared as `exactStr` columns compare (MySQL would otherwise refuse to compare
 * utf8mb4_bin with the column's own collation, or compare it case-insensitively).
 */
export function exactSql(dialect: Dialect, expr: string): string {
  return dialect === 'mysql' ? `CONVERT(${expr} USING utf8mb4) COLLATE utf8mb4_bin` : expr;
}

/** Adds a row lock (`SELECT ... FOR UPDATE`) on MySQL; SQLite transactions are already serialised. */
export function lockRows<T extends ObjectLiteral>(qb: SelectQueryBuilder<T>): SelectQueryBuilder<T> {
  return dialectOf(qb.connection) === 'mysql' ? qb.setLock('pessimistic_write') : qb;
}

/** Multi-row INSERT that ignores rows violating a unique index. */
export function insertIgnorePrefix(dialect: Dialect): string {
  return dialect === 'mysql' ? 'INSERT IGNORE INTO' : 'INSERT OR IGNORE INTO';
}

/** Suffix of a multi-row INSERT that overwrites `updateColumns` of rows whose primary key `id` exists. */
export function upsertSuffix(dialect: Dialect, updateColumns: string[]): string {
  return dialect === 'mysql'
    ? ` ON DUPLICATE KEY UPDATE ${updateColumns.map((c) => `${c} = VALUES(${c})`).join(', ')}`
    : ` ON CONFLICT(id) DO UPDATE SET ${updateColumns.map((c) => `${c} = excluded.${c}`).join(', ')}`;
}

/**
 * SQLite has one connection, so two interleaved async transactions would share it; writers queue here instead. MySQL
 * runs them concurrently with row locks.
 */
class Mutex {
  private tail: Promise<void> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
const sqliteLocks = new WeakMap<DataSource, Mutex>();

/**
 * Runs `fn` in one transaction, retrying on deadlocks (MySQL) a few times. On SQLite transactions are serialised per
 * DataSource. MySQL sessions run READ COMMITTED (data-source.ts sets it once per connection).
 */
export async function transaction<T>(ds: DataSource, fn: (em: EntityManager) => Promise<T>): Promise<T> {
  if (dialectOf(ds) === 'sqlite') {
    let lock = sqliteLocks.get(ds);
    if (!lock) sqliteLocks.set(ds, (lock = new Mutex()));
    return lock.run(() => ds.transaction(fn));
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return await ds.transaction(fn);
    } catch (err) {
      if (attempt >= 5 || !isRetryable(err)) throw err;
      await new Promise((r) => setTimeout(r, 5 * attempt + Math.random() * 20));
    }
  }
}

/**
 * A statement with its parameters bound in advance: on MySQL written into the text with the driver's own escaping
 * (the work mysql2 would otherwise do when the statement is sent, so it can be done while waiting on an earlier one);
 * SQLite binds natively, so the parameters stay apart.
 */
export function bindParams(
  dialect: Dialect,
  sql: string,
  params: (string | number | null)[],
): { sql: string; params: (string | number | null)[] } {
  return dialect === 'mysql' ? { sql: formatMysql(sql, params), params: [] } : { sql, params };
}

/**
 * mysql2's `queryFormat`: formats as the driver does, except that a statement given no parameters is sent as it is.
 * The driver would scan it for placeholders all the same: 0.2 ms for an activity batch's insert that bindParams has
 * already bound.
 */
export function mysqlQueryFormat(
  this: { config: { stringifyObjects?: boolean } },
  sql: string,
  values: Parameters<typeof formatMysql>[1],
  timezone?: string,
): string {
  return values == null || (Array.isArray(values) && values.length === 0)
    ? sql
    : formatMysql(sql, values, this.config.stringifyObjects, timezone);
}

/** `(?, ?, ?)`: `n` placeholders in parentheses, for `IN` lists and one row of VALUES. */
export function inList(n: number): string {
  return `(${new Array(n).fill('?').join(', ')})`;
}

/** Builds `(?, ?, ?), (?, ?, ?)` placeholders for a multi-row insert. */
export function valuesPlaceholders(rows: number, cols: number): string {
  return new Array(rows).fill(inList(cols)).join(', ');
}

/** Greatest parameter count per statement we send (SQLite's default limit is 32766, MySQL's 65535). */
export const MAX_PARAMS = 30000;

/** Names of the secondary indexes of the current database, sorted (schema checks and docs). */
export async function indexNames(ds: DataSource): Promise<string[]> {
  const rows: { name: string }[] =
    dialectOf(ds) === 'mysql'
      ? await ds.query(
          'SELECT DISTINCT INDEX_NAME AS name FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ' +
            "DATABASE() AND INDEX_NAME <> 'PRIMARY'",
        )
      : await ds.query("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'");
  return rows.map((r) => r.name).sort();
}

/** In-memory limit of an analytic statement's temporary tables (MySQL). */
const ANALYTIC_TMP_TABLE_BYTES = 64 * 2 ** 20;

/**
 * Runs a read-only analytic statement. On MySQL it gets a pooled connection of its own whose GROUP_CONCAT may build a
 * whole group's list (the default cuts it at 1 KiB on MySQL 8 and 1 MiB on MariaDB, silently), so several such
 * statements also run in parallel. Its implicit temporary tables (one row per counted entry, some 100 bytes each) may
 * grow to 64 MiB in memory before the server moves them to an on-disk table in its tmpdir: the default 16 MiB sends a
 * few hundred thousand rows to disk. SQLite needs nothing.
 */
export async function analyticQuery<T>(ds: DataSource, sql: string, params: unknown[]): Promise<T[]> {
  if (dialectOf(ds) !== 'mysql') return ds.query(sql, params);
  const runner = ds.createQueryRunner();
  try {
    await runner.query(
      `SET SESSION group_concat_max_len = 4294967295, tmp_table_size = ${ANALYTIC_TMP_TABLE_BYTES}, ` +
        `max_heap_table_size = ${ANALYTIC_TMP_TABLE_BYTES}`,
    );
    return await runner.query(sql, params);
  } finally {
    await runner.release();
  }
}

/** Row lock that passes over rows other transactions hold (rows they are still writing); SQLite has none to skip. */
export function forUpdateSkipLocked(dialect: Dialect): string {
  return dialect === 'mysql' ? ' FOR UPDATE SKIP LOCKED' : '';
}

/**
 * Index hint after a table name (SELECT/UPDATE) that keeps MySQL on the primary key, so an `id IN (...)` update locks
 * only those rows; SQLite needs none.
 */
export function usePrimaryKey(dialect: Dialect): string {
  return dialect === 'mysql' ? ' FORCE INDEX (PRIMARY)' : '';
}

/**
 * A table reference pinned to one index. Without statistics SQLite may pick an index that matches a low-selectivity
 * equality (e.g. `expired = 0`) over one that matches the correlated contact id, and then walks most of the table for
 * every outer row; MySQL gets the same hint so both plan alike.
 */
export function forceIndex(dialect: Dialect, table: string, alias: string, index: string): string {
  return dialect === 'sqlite' ? `${table} ${alias} INDEXED BY ${index}` : `${table} ${alias} FORCE INDEX (${index})`;
}

/**
 * Makes string columns compare exactly (byte for byte after the service's own normalisation), the way SQLite's
 * default BINARY collation already does: on MySQL/MariaDB they move to utf8mb4_bin, so `Key-X` and `key-X`, or `josé`
 * and `jose`, are different values on both stores. `exact` false puts the database's default collation back
 * (migration down).
 */
export async function setExactCollation(q: QueryRunner, table: string, names: string[], exact = true): Promise<void> {
  if (dialectOf(q) !== 'mysql') return;
  const t = await q.getTable(table);
  for (const name of names) {
    const column = t!.findColumnByName(name)!;
    const changed = column.clone();
    changed.charset = 'utf8mb4';
    changed.collation = exact ? 'utf8mb4_bin' : 'utf8mb4_unicode_ci';
    await q.changeColumn(t!, column, changed);
  }
}

/**
 * A case-sensitive prefix match of a lower-cased string column, served by an index range on both stores: MySQL turns
 * `LIKE 'p%'` into a range itself (under the column's collation, as the search always compared), while SQLite's LIKE
 * never uses an index on a BINARY column, so it gets the range `[p, p + U+10FFFF)`, which holds exactly the strings
 * that start with p. Positional parameters, in order.
 */
export function prefixRange(dialect: Dialect, column: string, prefix: string): { sql: string; params: string[] } {
  if (dialect === 'mysql')
    return { sql: `${column} LIKE ? ESCAPE '!'`, params: [`${prefix.replace(/[!%_]/g, (m) => `!${m}`)}%`] };
  return { sql: `(${column} >= ? AND ${column} < ?)`, params: [prefix, `${prefix}\u{10FFFF}`] };
}

/** prefixRange with named parameters for a query builder: `name0`, `name1`, ... */
export function prefixMatch(
  dialect: Dialect,
  column: string,
  prefix: string,
  name: string,
): { sql: string; params: Record<string, string> } {
  const range = prefixRange(dialect, column, prefix);
  let i = 0;
  return {
    sql: range.sql.replace(/\?/g, () => `:${name}${i++}`),
    params: Object.fromEntries(range.params.map((v, k) => [`${name}${k}`, v])),
  };
}

/**
 * One UPDATE that moves `column` of the rows of `table` named by `rows` (pairs of primary key `id` and value, bound
 * in that order) forward to the pair's value where it is NULL or earlier: the rows are joined to an inline table of
 * the pairs, so the statement costs one primary-key lookup per pair (a CASE over the pairs would cost pairs x rows).
 */
export function raiseColumnSql(dialect: Dialect, table: string, column: string, rows: number): string {
  const later = `(${table}.${column} IS NULL OR ${table}.${column} < v.value)`;
  if (dialect === 'sqlite') {
    // SQLite names a VALUES table's columns column1, column2.
    return (
      `UPDATE ${table} SET ${column} = v.column2 FROM (VALUES ${valuesPlaceholders(rows, 2)}) AS v WHERE ` +
      `${table}.id = v.column1 AND (${table}.${column} IS NULL OR ${table}.${column} < v.column2)`
    );
  }
  const pairs = ['SELECT ? AS id, ? AS value', ...new Array(rows - 1).fill('SELECT ?, ?')].join(' UNION ALL ');
  return `UPDATE ${table} JOIN (${pairs}) AS v ON ${table}.id = v.id SET ${table}.${column} = v.value WHERE ${later}`;
}
