/**
 * bench/ingest-floor: the least store work a scored batch can cost, written
 * as raw SQL through the same driver, beside bench/ingest's baseline (a raw
 * multi-row INSERT of 500 activities). No HTTP, GraphQL, validation, reads
 * or scoring: only the writes, so each ratio is an upper bound for what the
 * API could reach with that data model.
 *
 * - `raw insert`: bench/ingest's baseline (the activities' foreign key on).
 * - `raw insert, no FK`: the same with foreign key checks off: what the
 *   foreign key costs the baseline.
 * - `scores`: one transaction inserting the activities and rewriting the
 *   score columns of their ~490 contacts with the upsert ingestion uses
 *   (scoring/score-writes.ts writeContactScores).
 * - `scores + applications`: the same plus one score_applications row per
 *   activity (the current model's floor with rules).
 * - `narrow scores`: the activities, their applications inside their own
 *   row, and the scores in a narrow table of their own (id, score,
 *   engagement, last engaged, an index on score): a model that writes less.
 *
 * The variants take turns, ROUNDS times, after one untimed warm-up round.
 *
 *   npm run bench:ingest-floor [-- sqlite|mysql]      N=100000 ROUNDS=4
 */
import { randomUUID } from 'node:crypto';
import { type BenchApp, type Store, rawActivityInsert, rng, runBench, since, startBenchApp } from './common';
import { CONTACT_COLUMNS, contactRow, newContact } from '../src/model/contact.factory';
import { type Contact } from '../src/model/contact.entity';
import { type SqlValue, insertRows, upsertRows } from '../src/db/bulk';
import { dbDate, transaction } from '../src/db/portable';
import { newActivityId } from '../src/modules/activities/activity-id';
import { writeContactScores } from '../src/modules/scoring/score-writes';

const CONTACTS = 10_000;
const BATCH = 500;
const ACTIVITIES = Number(process.env.N ?? 100_000);
const ROUNDS = Number(process.env.ROUNDS ?? 4);
const DAY = 86_400_000;

const INSERT = rawActivityInsert(BATCH);
const APP_COLUMNS = ['activity_id', 'rule_id', 'contact_id', 'points', 'occurred_at', 'expires_at', 'expired'];
const NARROW_COLUMNS = ['id', 'score', 'engagement', 'last_engaged_at'];

type Batch = { contact: Contact; occurredAt: string }[];

/** Activity rows of a batch; `properties` is the JSON each row carries. */
function activityRows(batch: Batch, points: number, properties: string, createdAt: string): SqlValue[][] {
  return batch.map((a) => [
    newActivityId(),
    a.contact.id,
    'page_view',
    a.occurredAt,
    properties,
    null,
    points,
    createdAt,
  ]);
}

/** The batch's distinct contacts in id order, each scored one more point (engaged at `at`). */
function scoredContacts(batch: Batch, at: Date): Contact[] {
  const contacts = [...new Map(batch.map((a) => [a.contact.id, a.contact])).values()].sort((x, y) =>
    x.id < y.id ? -1 : 1,
  );
  for (const c of contacts) {
    c.score = c.engagementScore = c.score + 1;
    c.lastEngagedAt = at;
  }
  return contacts;
}

/** A scratch table for the narrow model, one row per contact. */
async function createNarrowScores(b: BenchApp, store: Store, contacts: Contact[]): Promise<void> {
  const datetime = store === 'mysql' ? 'datetime(3)' : 'datetime';
  await b.app.ds.query(
    `CREATE TABLE bench_scores (id varchar(36) NOT NULL PRIMARY KEY, score int NOT NULL, engagement int NOT ` +
      `NULL, last_engaged_at ${datetime} NULL)`,
  );
  await b.app.ds.query('CREATE INDEX ix_bench_scores_score ON bench_scores (score, id)');
  await insertRows(
    b.app.ds.manager,
    'bench_scores',
    NARROW_COLUMNS,
    contacts.map((c) => [c.id, 0, 0, null]),
  );
}

async function runStore(store: Store): Promise<void> {
  const b = await startBenchApp(store);
  const ds = b.app.ds;
  // The contacts' score columns are written by the service's own upsert, as ingestion writes them.
  // MySQL: a connection of its own with foreign key checks off for its session. SQLite has one connection,
  // so its pragma is switched off around each batch instead (a no-op cost next to a 500-row insert).
  const noFk = ds.createQueryRunner();
  const insertWithoutFk = async (params: SqlValue[]) => {
    if (store === 'mysql') return noFk.query(INSERT, params);
    await ds.query('PRAGMA foreign_keys = OFF');
    try {
      return await ds.query(INSERT, params);
    } finally {
      await ds.query('PRAGMA foreign_keys = ON');
    }
  };
  try {
    const now = new Date();
    const contacts = Array.from({ length: CONTACTS }, (_, i) => newContact({ email: `floor${i}@acme-corp.com` }, now));
    await insertRows(ds.manager, 'contacts', CONTACT_COLUMNS, contacts.map(contactRow));
    await createNarrowScores(b, store, contacts);
    if (store === 'mysql') await noFk.query('SET foreign_key_checks = 0');
    const ruleIds = Array.from({ length: 10 }, () => randomUUID());
    const rand = rng(3);
    const createdAt = dbDate(now);
    const plain = '{"url":"/pricing"}';
    const variants: [string, (batch: Batch) => Promise<unknown>][] = [
      ['raw insert', (batch) => ds.query(INSERT, activityRows(batch, 0, plain, createdAt).flat())],
      ['raw insert, no FK', (batch) => insertWithoutFk(activityRows(batch, 0, plain, createdAt).flat())],
      [
        'scores',
        (batch) =>
          transaction(ds, async (em) => {
            await em.query(INSERT, activityRows(batch, 1, plain, createdAt).flat());
            await writeContactScores(em, { rescored: scoredContacts(batch, now), moved: [], events: [] });
          }),
      ],
      [
        'scores + applications',
        (batch) =>
          transaction(ds, async (em) => {
            const rows = activityRows(batch, 1, plain, createdAt);
            await em.query(INSERT, rows.flat());
            await writeContactScores(em, { rescored: scoredContacts(batch, now), moved: [], events: [] });
            await insertRows(
              em,
              'score_applications',
              APP_COLUMNS,
              rows.map((r, i) => [r[0], ruleIds[i % ruleIds.length], r[1], 1, r[3], null, 0]),
            );
          }),
      ],
      [
        'narrow scores',
        (batch) =>
          transaction(ds, async (em) => {
            await em.query(
              INSERT,
              activityRows(batch, 1, `{"url":"/pricing","applications":[["${ruleIds[0]}",1,null]]}`, createdAt).flat(),
            );
            await upsertRows(
              em,
              'bench_scores',
              NARROW_COLUMNS,
              NARROW_COLUMNS.slice(1),
              scoredContacts(batch, now).map((c) => [c.id, c.score, c.engagementScore, createdAt]),
            );
          }),
      ],
    ];
    const perRound = Math.ceil(ACTIVITIES / BATCH / ROUNDS);
    const makeBatch = (): Batch =>
      Array.from({ length: BATCH }, () => ({
        contact: contacts[Math.floor(rand() * CONTACTS)],
        occurredAt: dbDate(Math.floor(now.getTime() - rand() * 60 * DAY)),
      }));
    const seconds = new Map<string, number>();
    for (let round = 0; round <= ROUNDS; round++) {
      for (const [name, write] of variants) {
        const batches = Array.from({ length: round === 0 ? 5 : perRound }, makeBatch);
        const start = performance.now();
        for (const batch of batches) await write(batch);
        if (round > 0) seconds.set(name, (seconds.get(name) ?? 0) + since(start));
      }
    }
    const base = seconds.get('raw insert')!;
    for (const [name, s] of seconds) {
      console.log(
        `${store}  ${name.padEnd(22)} ${((perRound * ROUNDS * BATCH) / s).toFixed(0).padStart(6)} act/s   ` +
          `ratio to raw insert ${(base / s).toFixed(2)}`,
      );
    }
  } finally {
    await noFk.release();
    await b.stop();
  }
}

runBench(
  `bench/ingest-floor: the writes of a scored batch in raw SQL, ${ACTIVITIES} activities per variant, ` +
    `${CONTACTS} contacts, batches of ${BATCH}, ${ROUNDS} alternating rounds`,
  runStore,
);
