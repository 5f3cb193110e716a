/**
 * bench/console-contacts: the console's Contacts screen over a large store
 * (1,000,000 contacts by default, SQLite) in Debian's chromium, beside its
 * floors in the same run: the same GraphQL page requested without a browser,
 * and the page's rows read by raw SQL through the same driver.
 *
 *   npm run bench:console [-- sqlite|mysql]     env: CONTACTS (1000000), PAGES (30)
 *
 * Contacts are the demo generator's, written with multi-row INSERTs (the API
 * would take hours); their activities and transitions are not stored.
 * Measured in the browser: sign-in to the first rows and the total shown;
 * each page fetched by scrolling to the end of the loaded rows (the list
 * fetches the next 100 as the end comes near), early pages against deep
 * ones; rows in the DOM; search as you type until the list shows the result.
 */
import { BENCH_KEY, type BenchApp, type Store, startBenchApp, storesFromArgs } from './common';
import { DEMO_GROUP_VALUES } from '../scripts/demo/catalog';
import { DemoPlan } from '../scripts/demo/plan';
import { JOURNEY_CONTACT_COLUMNS, journeyRows } from '../scripts/demo/rows';
import { groupValueIds } from '../src/db/group-keys';
import { type SqlValue, insertRows } from '../src/db/bulk';
import { transaction } from '../src/db/portable';
import { launch, waitText } from '../test/browser/harness';

const CONTACTS = Number(process.env.CONTACTS ?? 1_000_000);
const PAGES = Number(process.env.PAGES ?? 30);
const PAGE_QUERY = `query($after: String) {
  contacts(first: 100, after: $after, orderBy: { field: SCORE, direction: DESC }) {
  pageInfo { hasNextPage endCursor } edges { node { id email firstName lastName company ownerId source stage
    temperature score } } } }`;

async function load(b: BenchApp): Promise<void> {
  const started = performance.now();
  const plan = new DemoPlan({ contacts: CONTACTS, days: 365, seed: 11, partners: 6 });
  const partnerIds: string[] = [];
  for (const name of plan.partners) partnerIds.push((await b.app.services.access.createPartner(name)).id);
  // Through the service's transaction helper (serialised with its background work on SQLite), 50,000 rows at a time.
  const groupIds = await transaction(b.app.ds, (em) => groupValueIds(em, [...DEMO_GROUP_VALUES, ...partnerIds]));
  for (let start = 0; start < CONTACTS; start += 50_000) {
    const rows: SqlValue[][] = [];
    for (let i = start; i < Math.min(CONTACTS, start + 50_000); i++)
      rows.push(journeyRows(plan.contact(i), partnerIds, groupIds).contact);
    await transaction(b.app.ds, async (em) => {
      for (let i = 0; i < rows.length; i += 5000)
        await insertRows(em, 'contacts', JOURNEY_CONTACT_COLUMNS, rows.slice(i, i + 5000));
    });
  }
  if (b.app.ds.options.type !== 'better-sqlite3') await b.app.ds.query('ANALYZE TABLE contacts');
  console.log(`  loaded ${CONTACTS} contacts in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x: number) => `${x < 10 ? x.toFixed(1) : x.toFixed(0)} ms`;

/** The floors: the page through GraphQL without a browser, and its rows by raw SQL (keyset, same order). */
async function floors(b: BenchApp): Promise<{ api: number; apiDeep: number; sql: number; count: number }> {
  const timeApi = async (after: string | null) => {
    const t0 = performance.now();
    const d = await b.gql(PAGE_QUERY, { after });
    return { ms: performance.now() - t0, cursor: d.contacts.pageInfo.endCursor as string };
  };
  const first: number[] = [];
  for (let i = 0; i < 5; i++) first.push((await timeApi(null)).ms);
  let cursor: string | null = null;
  const deep: number[] = [];
  for (let i = 0; i < PAGES; i++) {
    const r = await timeApi(cursor);
    cursor = r.cursor;
    if (i >= PAGES - 5) deep.push(r.ms);
  }
  const sql: number[] = [];
  const count: number[] = [];
  for (let i = 0; i < 5; i++) {
    let t0 = performance.now();
    await b.app.ds.query(
      'SELECT id, email, first_name, last_name, company, owner_id, source, stage, score FROM contacts ORDER ' +
        'BY score DESC, id DESC LIMIT 101',
    );
    sql.push(performance.now() - t0);
    t0 = performance.now();
    await b.app.ds.query('SELECT COUNT(*) AS n FROM contacts');
    count.push(performance.now() - t0);
  }
  return { api: median(first), apiDeep: median(deep), sql: median(sql), count: median(count) };
}

async function inBrowser(b: BenchApp): Promise<void> {
  const browser = await launch();
  try {
    const page = await browser.page();
    const base = `http://127.0.0.1:${b.app.server.port}/`;
    let t0 = performance.now();
    await page.goto(`${base}#/contacts`);
    await page.getByLabel('API key').fill(BENCH_KEY);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await waitText(page, `${CONTACTS.toLocaleString('en')} contacts`, 120_000);
    await page.locator('.scroller [role=row]').first().waitFor();
    const firstRows = performance.now() - t0;
    const pageTimes: number[] = [];
    for (let i = 1; i <= PAGES; i++) {
      const want = (i + 1) * 100;
      t0 = performance.now();
      // Scroll to the end of what is loaded; the list asks for the next page, and the scroll area grows by its rows.
      await page.locator('.scroller').evaluate((el) => el.scrollTo(0, el.scrollHeight));
      await page.waitForFunction(
        (n) => {
          const el = (
            globalThis as unknown as { document: { querySelector(s: string): { scrollHeight: number } | null } }
          ).document.querySelector('.scroller');
          return el !== null && el.scrollHeight >= n * 44;
        },
        want,
        { timeout: 60_000 },
      );
      pageTimes.push(performance.now() - t0);
    }
    const domRows = await page.locator('[role=row]').count();
    t0 = performance.now();
    await page.getByLabel('Search').pressSequentially('grace', { delay: 50 });
    await waitText(page, '100+ contacts match “grace”', 60_000);
    const search = performance.now() - t0 - 5 * 50;
    const t1 = performance.now();
    const { contacts } = await b.gql('{ contacts(first: 0, filter: { search: "grace" }) { totalCount } }');
    const searchCount = performance.now() - t1;
    const early = median(pageTimes.slice(0, 5));
    const late = median(pageTimes.slice(-5));
    console.log(
      `  browser: sign-in to first rows and total ${ms(firstRows)}; next page by scrolling: pages 2-6 median ` +
        `${ms(early)}, pages ${PAGES - 3}-${PAGES + 1} median ${ms(late)} (deep/early ` +
        `${(late / early).toFixed(2)}); rows in the DOM after ${(PAGES + 1) * 100} loaded: ${domRows}; search ` +
        `"grace" shown ${ms(search)} after the last key (250 ms of it is the debounce); counting its ` +
        `${contacts.totalCount} matches, which the console does not ask for, takes the API ${ms(searchCount)}`,
    );
  } finally {
    await browser.close();
  }
}

async function main(): Promise<void> {
  for (const store of storesFromArgs().filter((s): s is Store => s === 'sqlite' || process.argv.includes('mysql'))) {
    console.log(`${store}: ${CONTACTS} contacts`);
    const b = await startBenchApp(store, { RATE_LIMIT_ADMIN: '1000:5000' });
    try {
      await load(b);
      const f = await floors(b);
      console.log(
        `  floors: GraphQL page of 100 by score (no totalCount, as the console asks), first ${ms(f.api)}, ` +
          `after ${PAGES} pages ${ms(f.apiDeep)}; raw SQL for the first page's rows ${ms(f.sql)} (API/raw ` +
          `${(f.api / f.sql).toFixed(1)}, deep ${(f.apiDeep / f.sql).toFixed(1)}); raw COUNT(*) of all contacts ` +
          `${ms(f.count)}`,
      );
      await inBrowser(b);
    } finally {
      await b.stop();
    }
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
