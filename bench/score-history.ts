/**
 * bench/score-history: reading a contact's score history (Contact.scoreHistory,
 * 50 changes) over HTTP, beside its floor, the same two statements as raw SQL
 * through the same driver, first with only the read contacts' rows in
 * score_events, then with BULK more contacts' rows (2 each): the read is one
 * range of ix_score_events_contact_at, so neither side should move with the
 * table's size.
 *
 *   npm run bench:score-history [-- sqlite|mysql]      BULK=1000000 READS=400
 */
import { type BenchApp, type Store, rng, runBench, since, startBenchApp } from './common';
import { CONTACT_COLUMNS, contactRow, newContact } from '../src/model/contact.factory';
import { type SqlValue, insertRows } from '../src/db/bulk';
import { SCORE_EVENT_COLUMNS } from '../src/modules/scoring';
import { dbDate } from '../src/db/portable';

const BULK = Number(process.env.BULK ?? 1_000_000);
const READS = Number(process.env.READS ?? 400);
const READ_CONTACTS = 200;
const EVENTS_EACH = 50;
const QUERY =
  `query($id: ID!) { contact(id: $id) { scoreHistory(first: 50) { totalCount edges { cursor node { id at cause ` +
  `delta score fitScore engagementScore ruleId activityId } } } } }`;

/** Events for `contactIds`, `each` apiece, 10 points up each time, an hour apart. */
function eventRows(contactIds: string[], each: number, start: number): SqlValue[][] {
  const rows: SqlValue[][] = [];
  for (const id of contactIds)
    for (let i = 0; i < each; i++)
      rows.push([id, dbDate(start + i * 3_600_000), 'ACTIVITY_SCORED', 10, (i + 1) * 10, 0, (i + 1) * 10, null, null]);
  return rows;
}

async function timeReads(label: string, read: (id: string) => Promise<unknown>, ids: string[]): Promise<number> {
  const rand = rng(7);
  for (let i = 0; i < 20; i++) await read(ids[Math.floor(rand() * ids.length)]); // warm-up, untimed
  const start = performance.now();
  for (let i = 0; i < READS; i++) await read(ids[Math.floor(rand() * ids.length)]);
  const perRead = (since(start) * 1000) / READS;
  console.log(`  ${label.padEnd(44)} ${perRead.toFixed(3)} ms per read`);
  return perRead;
}

async function measure(b: BenchApp, ids: string[], label: string): Promise<void> {
  const ds = b.app.ds;
  const raw = (id: string) =>
    Promise.all([
      ds.query('SELECT contact_id, COUNT(*) AS n FROM score_events WHERE contact_id IN (?) GROUP BY contact_id', [id]),
      ds.query(
        'SELECT * FROM (SELECT id, contact_id, at, cause, delta, score, fit_score, engagement_score, rule_id, ' +
          'activity_id, ROW_NUMBER() OVER (PARTITION BY contact_id ORDER BY at, id) AS rn FROM score_events ' +
          'WHERE contact_id IN (?)) ranked WHERE rn <= ? ORDER BY contact_id, at, id',
        [id, 51],
      ),
    ]);
  const api = async (id: string) => {
    const data = await b.gql(QUERY, { id });
    if (data.contact.scoreHistory.edges.length !== EVENTS_EACH) throw new Error('wrong page');
  };
  const floor = await timeReads(`${label}: raw SQL (2 statements)`, raw, ids);
  // What any request costs here (key, rate limit, Apollo, HTTP): the part of a read that is not the history.
  const request = await timeReads(`${label}: { viewer { id } } over HTTP`, () => b.gql('{ viewer { id } }'), ids);
  const served = await timeReads(`${label}: scoreHistory over HTTP`, api, ids);
  console.log(
    `  ${label}: ratio API / raw SQL ${(served / floor).toFixed(2)}; history's own share ` +
      `${(served - request).toFixed(3)} ms = ${((served - request) / floor).toFixed(2)} x raw SQL`,
  );
}

runBench(
  'bench/score-history: Contact.scoreHistory(first: 50) vs raw SQL, before and after bulk rows',
  async (store: Store) => {
    console.log(`\n${store}`);
    const b = await startBenchApp(store);
    try {
      const now = new Date();
      const contacts = Array.from({ length: READ_CONTACTS }, (_, i) =>
        newContact({ email: `history${i}@acme-corp.com` }, now),
      );
      await insertRows(b.app.ds.manager, 'contacts', CONTACT_COLUMNS, contacts.map(contactRow));
      const ids = contacts.map((c) => c.id);
      await insertRows(
        b.app.ds.manager,
        'score_events',
        SCORE_EVENT_COLUMNS,
        eventRows(ids, EVENTS_EACH, now.getTime() - 90 * 86_400_000),
      );
      await measure(b, ids, `${READ_CONTACTS * EVENTS_EACH} rows`);
      const t0 = Date.now();
      const chunk = 50_000;
      for (let i = 0; i < BULK; i += chunk) {
        const bulkIds = Array.from(
          { length: Math.min(chunk, BULK - i) },
          (_, k) => `bulk-${String(i + k).padStart(8, '0')}`,
        );
        await insertRows(
          b.app.ds.manager,
          'score_events',
          SCORE_EVENT_COLUMNS,
          eventRows(bulkIds, 2, now.getTime() - 30 * 86_400_000),
        );
      }
      console.log(
        `  inserted ${BULK * 2} rows for ${BULK} more contacts in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
      );
      await measure(b, ids, `${READ_CONTACTS * EVENTS_EACH + BULK * 2} rows`);
    } finally {
      await b.stop();
    }
  },
);
