/**
 * The DataSource of the command-line tools (`npm run migrate`, and the
 * TypeORM CLI through ormconfig.ts): the app's logger only counts
 * statements, so the migration lines TypeORM writes (`[X] …` of
 * migration:show, "Migration … has been executed/reverted successfully")
 * would vanish; this one prints them, and failed statements on stderr.
 */
import { AbstractLogger, type DataSource, type LogLevel, type LogMessage } from 'typeorm';
import { loadConfig } from '../config/config';
import { createDataSource } from './data-source';

/** Prints TypeORM's schema and migration messages on stdout, failed and slow statements on stderr; not every query. */
export class CliLogger extends AbstractLogger {
  constructor() {
    super(['schema', 'migration', 'error', 'warn']);
  }

  protected writeLog(level: LogLevel, message: LogMessage | string | number | (LogMessage | string | number)[]): void {
    const out = level === 'warn' || level === 'error' ? process.stderr : process.stdout;
    for (const m of this.prepareLogMessages(message, { highlightSql: false, addColonToPrefix: false })) {
      // Schema and migration lines read as sentences; the rest says what it is ("query failed: …", "error: …").
      const bare = m.type === 'schema-build' || m.type === 'migration' || !m.prefix;
      out.write(`${bare ? '' : `${m.prefix}: `}${String(m.message)}\n`);
    }
  }
}

/** The DataSource DATABASE_URL names, printing as the command-line tools should. */
export function cliDataSource(): DataSource {
  const config = loadConfig();
  return createDataSource(config.database, undefined, config.databasePool, new CliLogger());
}
