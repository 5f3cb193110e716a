/**
 * `npm run seed:demo`: fills the store DATABASE_URL names (the default SQLite
 * file unless set) with a realistic demo through the services the API uses:
 * scoring rules, 3 partners, a few thousand contacts from several sources,
 * 90 days of backdated activity, qualifications, opportunities and wins.
 *
 *   npm run seed:demo [-- --contacts 3000 --days 90 --seed 42 --live 120]
 *
 * `--live N` then keeps recording demo requests of existing leads for N
 * seconds, one every two seconds, so leadPromoted subscribers (on any
 * instance sharing REDIS_URL) see promotions arrive.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../src/config/config';
import { startApp } from '../src/main';
import { DemoPlan, liveActivity, seedThroughServices } from '../src/modules/metrics/demo-generator';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      contacts: { type: 'string', default: '3000' },
      days: { type: 'string', default: '90' },
      seed: { type: 'string', default: '42' },
      live: { type: 'string', default: '0' },
    },
  });
  const [contacts, days, seed, live] = [values.contacts, values.days, values.seed, values.live].map(Number);
  if (![contacts, days, seed, live].every((n) => Number.isInteger(n) && n >= 0) || contacts < 1 || days < 1) {
    throw new ConfigError('--contacts and --days must be positive integers, --seed and --live non-negative integers');
  }
  // Port 0: the seeding process may run beside a server that already holds the configured port.
  const app = await startApp(loadConfig({ ...process.env, PORT: '0', LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' }));
  try {
    const [{ n }] = await app.ds.query('SELECT COUNT(*) AS n FROM contacts');
    if (Number(n) > 0) throw new ConfigError(`the demo goes into an empty store, and this one holds ${n} contacts: point DATABASE_URL at a new database`);
    if (app.generatedAdminSecret) console.log(`No API key existed, so an ADMIN key was created. Its secret is shown this once:\n\n  ${app.generatedAdminSecret}\n`);
    const started = Date.now();
    const plan = new DemoPlan({ contacts, days, seed, policy: await app.services.lifecycle.policy() });
    const report = await seedThroughServices(app.services, plan, (m) => console.log(m));
    console.log(`demo seeded in ${((Date.now() - started) / 1000).toFixed(1)} s:`, report);
    console.log(`try: { conversionMetrics(from: "${new Date(Date.now() - days * 86_400_000).toISOString()}", to: "${new Date(Date.now() + 3_600_000).toISOString()}", groupBy: SOURCE) { stages { stage entered current } } }`);
    if (live > 0) {
      console.log(`recording live activity for ${live} s`);
      const promoted = await liveActivity(app.services, live * 1000, 2000, (line) => console.log(line));
      console.log(`${promoted} live promotions`);
    }
  } finally {
    await app.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err instanceof ConfigError ? `seed:demo: ${err.message}` : err);
    process.exit(1);
  },
);
