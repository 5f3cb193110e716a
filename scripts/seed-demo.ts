/**
 * `npm run seed:demo`: fills the store DATABASE_URL names (the default SQLite
 * file unless set) with a realistic demo through the services the API uses
 * (scripts/demo/): scoring rules, 3 partners, a few thousand contacts created
 * across the window from several sources, their backdated activity, and
 * qualifications, opportunities and wins dated after what caused them. It
 * prints an API key of every role.
 *
 *   npm run seed:demo [-- --contacts 3000 --days 90 --seed 42 --live 120]
 *
 * `--live N` then keeps recording demo requests of existing leads for N
 * seconds, one every two seconds, so leadPromoted subscribers (on any
 * instance sharing REDIS_URL) see promotions arrive. On a store the demo
 * already fills, `--live N` skips seeding and only does that.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../src/config/config';
import { type App, startApp } from '../src/main';
import { DemoPlan } from './demo/plan';
import { type DemoKey, demoKeys, liveActivity, seedThroughServices } from './demo/seed';
import { DEMO_KEYS } from './demo/catalog';

function parse(): { contacts: number; days: number; seed: number; live: number } {
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
  return { contacts, days, seed, live };
}

function printKeys(keys: DemoKey[]): void {
  console.log('\nDemo API keys (send as "Authorization: Bearer <secret>"):');
  for (const k of keys)
    console.log(
      `  ${k.role.padEnd(9)} ${k.name.padEnd(15)} ` +
        `${k.secret ?? '(created by an earlier run; its secret was printed then)'}`,
    );
  console.log('');
}

/** Seeds an empty store; refuses one holding contacts that are not the demo's. */
async function seedEmpty(app: App, opts: ReturnType<typeof parse>): Promise<void> {
  const started = Date.now();
  const plan = new DemoPlan({
    contacts: opts.contacts,
    days: opts.days,
    seed: opts.seed,
    policy: await app.services.lifecycle.policy(),
  });
  const { report, keys } = await seedThroughServices(app.services, plan, (m) => console.log(m));
  console.log(`demo seeded in ${((Date.now() - started) / 1000).toFixed(1)} s:`, report);
  printKeys(Object.values(keys));
  const from = new Date(Date.now() - opts.days * 86_400_000).toISOString();
  console.log(
    `try: { conversionMetrics(from: "${from}", to: "${new Date(Date.now() + 3_600_000).toISOString()}", ` +
      `groupBy: SOURCE) { stages { stage entered current medianDaysInStage } } }`,
  );
}

async function main(): Promise<void> {
  const opts = parse();
  // Port 0: the seeding process may run beside a server that already holds the configured port.
  const app = await startApp(loadConfig({ ...process.env, PORT: '0', LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' }));
  try {
    const [{ n }] = await app.ds.query('SELECT COUNT(*) AS n FROM contacts');
    const [{ k }] = await app.ds.query('SELECT COUNT(*) AS k FROM api_keys WHERE name = ?', [DEMO_KEYS.MARKETING]);
    if (app.generatedAdminSecret)
      console.log(
        `No API key existed, so an ADMIN key was created. Its secret is shown this once:\n\n  ` +
          `${app.generatedAdminSecret}\n`,
      );
    if (Number(n) === 0) await seedEmpty(app, opts);
    else if (Number(k) === 0 || opts.live === 0) {
      throw new ConfigError(
        `the demo goes into an empty store, and this one holds ${n} contacts: point DATABASE_URL at a new ` +
          `database (or pass --live N on a store the demo filled)`,
      );
    }
    if (opts.live > 0) {
      const keys = await demoKeys(app.services, []);
      if (Number(n) > 0) printKeys(Object.values(keys));
      console.log(`recording live activity for ${opts.live} s`);
      const promoted = await liveActivity(app.services, keys.MARKETING.viewer, opts.live * 1000, 2000, (line) =>
        console.log(line),
      );
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
