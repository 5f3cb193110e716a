/**
 * The DataSource of the TypeORM CLI (`npm run migration:show|revert`, see
 * the README), on DATABASE_URL; it prints what the CLI does. The app builds
 * the same one in src/main.ts, with a logger that counts instead.
 */
import 'reflect-metadata';
import { cliDataSource } from './src/db/cli-logger';

export default cliDataSource();
