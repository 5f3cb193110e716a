/**
 * Counts SQL statements per request through the TypeORM logger, using
 * AsyncLocalStorage so concurrent requests and background timers do not mix.
 * Tests read the count to prove statements stay constant with page size.
 * Requests run in `requestStats` only when the count is exposed (tests):
 * once an AsyncLocalStorage is entered, every promise in the process pays
 * for async_hooks. Nothing else (logs, /metrics) reads it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { AbstractLogger, type LogLevel, type LogMessage, type QueryRunner } from 'typeorm';

/** Per-request statistics. */
export interface RequestStats {
  sqlStatements: number;
}

export const requestStats = new AsyncLocalStorage<RequestStats>();

/** TypeORM logger that counts queries into the current request's stats and forwards slow/failed ones. */
export class CountingLogger extends AbstractLogger {
  constructor(private readonly onError: (message: string) => void = () => undefined) {
    super(['query', 'error']);
  }

  logQuery(): void {
    const stats = requestStats.getStore();
    if (stats) stats.sqlStatements++;
  }

  logQueryError(error: string | Error, query: string): void {
    this.onError(`${error instanceof Error ? error.message : error} in ${query.slice(0, 200)}`);
  }

  protected writeLog(
    _level: LogLevel,
    _message: LogMessage | LogMessage[] | string | number,
    _queryRunner?: QueryRunner,
  ): void {
    // Only counting and errors matter here; query text is not logged.
  }
}
