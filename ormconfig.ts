/** The DataSource the TypeORM CLI and `npm run migrate` use; the app builds the same one in src/main.ts. */
import 'reflect-metadata';
import { loadConfig } from './src/config/config';
import { createDataSource } from './src/db/data-source';

export default createDataSource(loadConfig().database);
