/** `npm run migrate`: applies pending migrations to DATABASE_URL, printing each one, and exits. */
import 'reflect-metadata';
import { ConfigError } from '../config/config';
import { openDatabase } from './data-source';
import { cliDataSource } from './cli-logger';

async function main(): Promise<void> {
  const ds = cliDataSource();
  await openDatabase(ds);
  const applied = await ds.query('SELECT name FROM migrations ORDER BY id');
  console.log(`migrations applied: ${applied.map((r: { name: string }) => r.name).join(', ')}`);
  await ds.destroy();
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? `config error: ${err.message}` : err);
  process.exit(1);
});
