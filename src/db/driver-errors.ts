/** Driver errors of both stores (mysql2, better-sqlite3) told apart by code: the store's error mapping. */

/** The driver's code and errno of an error, whether TypeORM wrapped it or not. */
function driverCode(err: unknown): { code?: string; errno?: number } {
  const e = err as { code?: string; errno?: number; driverError?: { code?: string; errno?: number } };
  return { code: e?.driverError?.code ?? e?.code, errno: e?.driverError?.errno ?? e?.errno };
}

/** True when a driver error is a unique-index violation. */
export function isUniqueViolation(err: unknown): boolean {
  const { code, errno } = driverCode(err);
  return (
    code === 'ER_DUP_ENTRY' ||
    errno === 1062 ||
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  );
}

/** True when a row names a parent that does not exist (a foreign key refused it). */
export function isForeignKeyViolation(err: unknown): boolean {
  const { code, errno } = driverCode(err);
  return code === 'ER_NO_REFERENCED_ROW_2' || errno === 1452 || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

/** The unique index a violation names, when the driver says (MySQL: `for key 'uq_x'`; SQLite: `table.column`). */
export function violatedIndex(err: unknown): string | null {
  const msg = String((err as Error)?.message ?? '');
  const m = /for key '(?:[^.']+\.)?([^']+)'/.exec(msg) ?? /UNIQUE constraint failed: ([\w.]+)/.exec(msg);
  return m ? m[1] : null;
}

/** True for errors a transaction should simply be retried on (deadlock, lock wait timeout, SQLite busy). */
export function isRetryable(err: unknown): boolean {
  const { code, errno } = driverCode(err);
  return (
    code === 'ER_LOCK_DEADLOCK' ||
    errno === 1213 ||
    code === 'ER_LOCK_WAIT_TIMEOUT' ||
    errno === 1205 ||
    code === 'SQLITE_BUSY'
  );
}

/** True when the error means the database is unreachable (connection refused/lost). */
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; driverError?: { code?: string }; fatal?: boolean };
  const code = e?.driverError?.code ?? e?.code;
  return (
    code === 'ECONNREFUSED' ||
    code === 'PROTOCOL_CONNECTION_LOST' ||
    code === 'ECONNRESET' ||
    code === 'ETIMEDOUT' ||
    code === 'EPIPE' ||
    code === 'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR' ||
    code === 'ER_CON_COUNT_ERROR' ||
    e?.fatal === true
  );
}
