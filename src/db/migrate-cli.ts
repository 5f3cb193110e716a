/** `npm run migrate`: applies pending migrations to DATABASE_URL and exits. */
import 'reflect-metadata';
import { loadConfig, ConfigError } from '../config/config';
import { createDataSource, openDatabase } from './data-source';

async function main(): Promise<void> {
  const ds = createDataSource(loadConfig().database);
  await openDatabase(ds);
  const applied = await ds.query('SELECT name FROM migrations ORDER BY id');
  console.log(`migrations applied: ${applied.map((r: { name: string }) => r.name).join(', ')}`);
  await ds.destroy();
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? `config error: ${err.message}` : err);
  process.exit(1);
});
