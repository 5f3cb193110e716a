/**
 * bench/read's data: CONTACTS contacts with ~10 activities each (one score
 * application per activity), ~3 transitions each, 20 partners, 50 owners
 * and six sources over 365 days, written with multi-row INSERTs inside
 * transactions, as the services store them: scores and score_applications,
 * window points and temperature (policy defaults: 14 days, HOT >= 60,
 * WARM >= 20), stages with their transitions (stay columns, group keys) and
 * qualifications, lastActivityAt and the name keys. The rules, partners and
 * owners are created through the API.
 *
 * The secondary indexes of contacts, score_applications and
 * stage_transitions are dropped while loading and created again afterwards
 * with the definitions the migrations made (read back from the schema), so
 * they are the real ones; activities keeps its index (the foreign key needs
 * it), into which rows land in order anyway (contact ids here sort in
 * creation order; activity ids are time-ordered as ingestion makes them).
 *
 * A database whose row counts match is reused (BENCH_RELOAD=1 or --reload
 * loads it again): loading a million contacts takes many minutes.
 */
import { type EntityManager, type QueryRunner, type TableIndex } from 'typeorm';
import { randomBytes, randomUUID } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Store, rng, since } from './common';
import { CONTACT_COLUMNS, contactRow, newContact } from '../src/model/contact.factory';
import { ACTIVITY_COLUMNS } from '../src/modules/activities/activity.rows';
import { APP_COLUMNS } from '../src/modules/scoring/score-writes';
import { newActivityId } from '../src/modules/activities/activity-id';
import { TRANSITION_COLUMNS, transitionRow } from '../src/modules/lifecycle/transition.rows';
import { stayMarks } from '../src/modules/lifecycle/stays';
import { firstTransitionValue } from '../src/modules/lifecycle/stay.rows';
import { groupValueIds, setGroupKeys } from '../src/db/group-keys';
import { DEFAULT_POLICY, type Stage, temperatureOf } from '../src/model/lifecycle';
import { type LifecycleStage } from '../src/model/stage';
import { type SqlValue, insertRows } from '../src/db/bulk';
import { dbDate, dialectOf, transaction } from '../src/db/portable';
import type { App } from '../src/main';

const DAY = 86_400_000;
const HISTORY_DAYS = 365;
const PARTNERS = 20;
const OWNERS = 50;
const SOURCES = ['organic', 'paid_search', 'webinar', 'partner', 'referral', 'event'];
/** Activity types, their share and the points of the rule that scores them. */
const TYPES: [string, number, number][] = [
  ['page_view', 45, 10],
  ['email_open', 25, 5],
  ['email_click', 12, 10],
  ['content_download', 8, 20],
  ['form_submit', 7, 25],
  ['demo_request', 3, 50],
];
const SYLLABLES = ['ka', 'lo', 'mi', 'ren', 'to', 'sa', 'vel', 'an', 'dor', 'li', 'ma', 'ne', 'ro', 'ta', 'bel', 'fi'];
/** Contacts written per transaction (with their activities, applications and transitions). */
const CHUNK = 10_000;

/** READ_SCALE shrinks the data for a quick try (1 by default: the figures). */
const SCALE = Number(process.env.READ_SCALE ?? 1);
const sized = (contacts: number) => ({
  contacts: contacts * SCALE,
  activities: contacts * SCALE * 10,
  transitions: contacts * SCALE * 3,
});

/** Sizes per store: the contacts written, and the activities and transitions they make on average. */
export const SIZES: Record<Store, { contacts: number; activities: number; transitions: number }> = {
  mysql: sized(1_000_000),
  sqlite: sized(200_000),
};

/** Where the bench's database lives: one MariaDB database, one SQLite file, reused between runs. */
export function readDatabaseUrl(store: Store): string {
  return store === 'mysql'
    ? `${process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306'}/lq_bench_18b_read`
    : `sqlite:${process.env.BENCH_READ_SQLITE ?? '/tmp/lq_bench_18b_read/leads.sqlite'}`;
}

/** Counts of the three big tables (null when the database does not exist or has no schema yet). */
export async function rowCounts(
  app: App,
): Promise<{ contacts: number; activities: number; transitions: number } | null> {
  try {
    const [r] = await app.ds.query(
      'SELECT (SELECT COUNT(*) FROM contacts) AS c, (SELECT COUNT(*) FROM activities) AS a, (SELECT COUNT(*) ' +
        'FROM stage_transitions) AS t',
    );
    return { contacts: Number(r.c), activities: Number(r.a), transitions: Number(r.t) };
  } catch {
    return null;
  }
}

/** Empties the store: the MariaDB database or the SQLite file, created again empty. */
export async function recreateDatabase(store: Store): Promise<void> {
  const url = readDatabaseUrl(store);
  if (store === 'mysql') {
    const server = url.slice(0, url.lastIndexOf('/'));
    const conn = await createConnection(server);
    await conn.query('DROP DATABASE IF EXISTS lq_bench_18b_read');
    await conn.query('CREATE DATABASE lq_bench_18b_read CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci');
    await conn.end();
    return;
  }
  const file = url.slice('sqlite:'.length);
  rmSync(dirname(file), { recursive: true, force: true });
  mkdirSync(dirname(file), { recursive: true });
}

/** An id that looks like a random UUID but sorts by `n` (rows land at the end of every index led by contact_id). */
function orderedId(n: number): string {
  const r = randomBytes(12).toString('hex');
  return `${n.toString(16).padStart(8, '0')}-${r.slice(0, 4)}-4${r.slice(4, 7)}-a${r.slice(7, 10)}-${r.slice(10, 22)}`;
}

function name(rand: () => number, syllables: number): string {
  let s = '';
  for (let i = 0; i < syllables; i++) s += SYLLABLES[Math.floor(rand() * SYLLABLES.length)];
  return s[0].toUpperCase() + s.slice(1);
}

/** The ids the API gave the rules (by activity type), partners and owners. */
interface Fixtures {
  rules: Map<string, string>;
  partners: string[];
  owners: string[];
  groupIds: ReadonlyMap<string, number>;
}

async function createFixtures(app: App, gql: (q: string, v?: Record<string, unknown>) => Promise<any>) {
  const rules = new Map<string, string>();
  for (const [type, , points] of TYPES) {
    const input = { name: `${type} points`, kind: 'BEHAVIOR', activityType: type, points };
    rules.set(
      type,
      (await gql(`mutation($i: ScoringRuleInput!) { createScoringRule(input: $i) { id } }`, { i: input }))
        .createScoringRule.id,
    );
  }
  const partners: string[] = [];
  for (let i = 0; i < PARTNERS; i++)
    partners.push(
      (await gql(`mutation($n: String!) { createPartner(name: $n) { id } }`, { n: `Partner ${i + 1}` })).createPartner
        .id,
    );
  const owners: string[] = [];
  for (let i = 0; i < OWNERS; i++) {
    const input = { name: `Owner ${i + 1}`, email: `owner${i + 1}@bench.example`, team: `team-${i % 5}` };
    owners.push(
      (await gql(`mutation($i: CreateOwnerInput!) { createOwner(input: $i) { id } }`, { i: input })).createOwner.id,
    );
  }
  const groupIds = await app.ds.transaction((em) => groupValueIds(em, [...SOURCES, ...partners, ...owners]));
  return { rules, partners, owners, groupIds } satisfies Fixtures;
}

/** Rows of one contact and everything it did. */
interface ContactRows {
  contact: SqlValue[];
  activities: SqlValue[][];
  applications: SqlValue[][];
  transitions: SqlValue[][];
  qualifications: SqlValue[][];
}

/** The score the contact had after each activity, and the stages it passed as its score and sales moved it. */
function journey(
  rand: () => number,
  acts: { at: number; points: number }[],
  now: number,
): { at: number; from: Stage | null; to: Stage; trigger: string; score: number; reason: string | null }[] {
  const policy = DEFAULT_POLICY;
  const out: { at: number; from: Stage | null; to: Stage; trigger: string; score: number; reason: string | null }[] =
    [];
  let stage = 'PROSPECT' as Stage;
  let score = 0;
  const move = (at: number, to: Stage, trigger: string, reason: string | null = null) => {
    out.push({ at, from: stage, to, trigger, score, reason });
    stage = to;
  };
  for (const a of acts) {
    score += a.points;
    if (stage === 'PROSPECT' && score >= policy.leadThreshold) move(a.at, 'LEAD', 'SCORE');
    if ((stage === 'LEAD' || stage === 'NURTURE') && score >= policy.mqlThreshold) move(a.at, 'MQL', 'SCORE');
  }
  if (stage !== 'MQL') return out;
  // Sales: a qualification (SQL or back to NURTURE), then an opportunity and sometimes a customer.
  let at = out[out.length - 1].at;
  const later = (meanDays: number) =>
    (at = Math.min(now - 60_000, at + Math.floor(-Math.log(1 - rand()) * meanDays * DAY)));
  if (rand() < 0.9) {
    // Not ready yet: back to NURTURE, engaged again later, up to twice.
    for (let loops = 0; loops < 2 && rand() < 0.3; loops++) {
      move(later(5), 'NURTURE', 'QUALIFICATION', 'BANT 2/4');
      if (rand() < 0.2) return out;
      move(later(15), 'MQL', 'SCORE');
    }
    move(later(5), 'SQL', 'QUALIFICATION', 'BANT 3/4');
    if (rand() < 0.8) move(later(10), 'OPPORTUNITY', 'MANUAL', 'opportunity opened');
    if ((stage as Stage) === 'OPPORTUNITY' && rand() < 0.7)
      move(later(20), rand() < 0.7 ? 'CUSTOMER' : 'DISQUALIFIED', 'MANUAL', 'closed');
  }
  return out;
}

function contactRows(i: number, f: Fixtures, now: number, extraColumns: string[]): ContactRows {
  const rand = rng(1_000_003 * 18 + i);
  const createdAt = now - 3_600_000 - Math.floor(rand() * HISTORY_DAYS * DAY);
  const first = name(rand, 2);
  const last = name(rand, 3);
  const source = SOURCES[Math.floor(rand() * SOURCES.length)];
  const partnerId = source === 'partner' ? f.partners[Math.floor(rand() * f.partners.length)] : null;
  const contact = newContact(
    {
      email: `${first}.${last}.${i}@${name(rand, 2).toLowerCase()}.example`.toLowerCase(),
      firstName: first,
      lastName: last,
      company: `${name(rand, 2)} ${rand() < 0.5 ? 'Inc' : 'GmbH'}`,
      jobTitle: 'Manager',
      country: 'US',
      companySize: 10 + Math.floor(rand() * 5000),
      source,
      partnerId,
    },
    new Date(createdAt),
  );
  contact.id = orderedId(i);
  // ~10 activities on average; one in ten contacts is active now (its activities fall in the temperature window).
  const n = Math.min(200, Math.floor(-Math.log(1 - rand()) * 10));
  const activeNow = rand() < 0.1;
  const from = activeNow ? Math.max(createdAt, now - 13 * DAY) : createdAt;
  const times = Array.from({ length: n }, () => from + Math.floor(rand() * (now - from))).sort((a, b) => a - b);
  const windowStart = now - DEFAULT_POLICY.temperatureWindowDays * DAY;
  const rows: ContactRows = { contact: [], activities: [], applications: [], transitions: [], qualifications: [] };
  const acts: { at: number; points: number }[] = [];
  let windowPoints = 0;
  for (const at of times) {
    let r = rand() * 100;
    const [type, , points] = TYPES.find(([, share]) => (r -= share) < 0) ?? TYPES[0];
    const id = newActivityId();
    const occurred = dbDate(at);
    rows.activities.push([id, contact.id, type, occurred, null, null, points, occurred]);
    const inWindow = at > windowStart ? 1 : 0;
    rows.applications.push([id, f.rules.get(type)!, contact.id, points, occurred, null, 0, inWindow]);
    if (inWindow) windowPoints += points;
    acts.push({ at, points });
  }
  const moves = journey(rand, acts, now);
  const engagement = acts.reduce((s, a) => s + a.points, 0);
  const lastAt = times.length ? new Date(times[times.length - 1]) : null;
  const lastMove = moves[moves.length - 1];
  Object.assign(contact, {
    stage: (lastMove?.to ?? 'PROSPECT') as LifecycleStage,
    engagementScore: engagement,
    score: engagement,
    lastEngagedAt: lastAt,
    lastActivityAt: lastAt,
    scoreChangedAt: lastAt,
    stageChangedAt: lastMove ? new Date(lastMove.at) : contact.createdAt,
    lastTransitionAt: lastMove ? new Date(lastMove.at) : null,
    updatedAt: new Date(Math.max(createdAt, lastMove?.at ?? 0, lastAt?.getTime() ?? 0)),
    windowPoints,
    temperature: temperatureOf(windowPoints, DEFAULT_POLICY),
    // Routing gives MQLs an owner.
    ownerId: moves.some((m) => m.to === 'MQL') ? f.owners[i % f.owners.length] : null,
  });
  setGroupKeys(contact, f.groupIds);
  const stays = stayMarks(
    { latestEntry: new Map() },
    moves.map((m) => ({ toStage: m.to, occurredAt: m.at })),
  );
  const extras: Record<string, SqlValue> = { window_points: windowPoints, temperature: contact.temperature };
  rows.contact = [
    ...contactRow(contact),
    firstTransitionValue(stays.firstTransitionAt),
    ...extraColumns.map((c) => extras[c]),
  ];
  moves.forEach((m, k) => {
    const at = dbDate(m.at);
    const when = new Date(m.at);
    // seq 0: history, not events to stream (scripts/demo/rows.ts).
    rows.transitions.push(
      transitionRow(
        {
          seq: 0,
          contactId: contact.id,
          fromStage: m.from,
          toStage: m.to,
          trigger: m.trigger,
          reason: m.reason,
          score: m.score,
          actor: m.trigger === 'SCORE' ? null : 'sales',
          occurredAt: when,
          partnerId,
          ownerId: contact.ownerId,
          createdAt: when,
          keys: contact.keys,
        },
        stays.added[k],
      ),
    );
    if (m.trigger === 'QUALIFICATION') {
      const sql = m.to === 'SQL';
      rows.qualifications.push([randomUUID(), contact.id, 1, 1, sql ? 1 : 0, 0, null, at, 'sales', contact.ownerId]);
    }
  });
  return rows;
}

const QUALIFICATION_COLUMNS = [
  'id',
  'contact_id',
  'budget',
  'authority',
  'need',
  'timeline',
  'notes',
  'qualified_at',
  'qualified_by',
  'qualified_by_owner_id',
];
const DROPPED_WHILE_LOADING = ['contacts', 'score_applications', 'stage_transitions', 'qualifications'];

/** Drops the non-unique secondary indexes of the tables loaded in bulk; returns their definitions. */
async function dropIndexes(qr: QueryRunner): Promise<Map<string, TableIndex[]>> {
  const dropped = new Map<string, TableIndex[]>();
  for (const name of DROPPED_WHILE_LOADING) {
    const table = (await qr.getTable(name))!;
    const indexes = table.indices.filter((ix) => !ix.isUnique);
    for (const ix of indexes) await qr.dropIndex(name, ix.name!);
    dropped.set(name, indexes);
  }
  return dropped;
}

/**
 * Loads the store behind `app` (migrated, empty): fixtures through the API,
 * then the rows in transactions of CHUNK contacts. Prints progress.
 */
export async function loadReadData(
  app: App,
  store: Store,
  gql: (q: string, v?: Record<string, unknown>) => Promise<any>,
): Promise<void> {
  const started = performance.now();
  const size = SIZES[store];
  const fixtures = await createFixtures(app, gql);
  const now = Date.now();
  const extraColumns = ['window_points', 'temperature'].filter((c) => !CONTACT_COLUMNS.includes(c));
  const contactColumns = [...CONTACT_COLUMNS, 'first_transition_at', ...extraColumns];
  // Building an index over ten million rows takes minutes: the statement timeout is meant for requests (as for
  // migrations).
  (app.ds.driver.options as { enableQueryTimeout?: boolean }).enableQueryTimeout = false;
  const qr = app.ds.createQueryRunner();
  await qr.connect();
  const mysql = dialectOf(app.ds) === 'mysql';
  if (mysql) await qr.query('SET SESSION unique_checks = 0, foreign_key_checks = 0');
  // SQLite has one connection that the service's background work shares: its transactions go through the service's
  // lock (portable.ts). A MySQL load runs on a connection of its own, without unique and foreign key checks.
  const inTransaction = async (write: (em: EntityManager) => Promise<void>) => {
    if (!mysql) return transaction(app.ds, write);
    await qr.startTransaction();
    await write(qr.manager);
    await qr.commitTransaction();
  };
  const dropped = new Map<string, TableIndex[]>();
  await inTransaction(async (em) => {
    for (const [table, indexes] of await dropIndexes(em.queryRunner!)) dropped.set(table, indexes);
  });
  const counts = { activities: 0, transitions: 0 };
  try {
    for (let start = 0; start < size.contacts; start += CHUNK) {
      const batch: ContactRows[] = [];
      for (let i = start; i < Math.min(size.contacts, start + CHUNK); i++)
        batch.push(contactRows(i, fixtures, now, extraColumns));
      await inTransaction(async (em) => {
        for (const [table, columns, rows] of [
          ['contacts', contactColumns, batch.map((b) => b.contact)],
          ['activities', ACTIVITY_COLUMNS, batch.flatMap((b) => b.activities)],
          ['score_applications', APP_COLUMNS, batch.flatMap((b) => b.applications)],
          ['stage_transitions', TRANSITION_COLUMNS, batch.flatMap((b) => b.transitions)],
          ['qualifications', QUALIFICATION_COLUMNS, batch.flatMap((b) => b.qualifications)],
        ] as const)
          await insertRows(em, table, [...columns], rows as SqlValue[][]);
      });
      counts.activities += batch.reduce((s, b) => s + b.activities.length, 0);
      counts.transitions += batch.reduce((s, b) => s + b.transitions.length, 0);
      const done = Math.min(size.contacts, start + CHUNK);
      if (done % (CHUNK * 10) === 0 || done === size.contacts)
        console.log(
          `  ${done} contacts, ${counts.activities} activities, ${counts.transitions} transitions ` +
            `(${since(started).toFixed(0)} s)`,
        );
    }
    const rowsDone = since(started);
    for (const [table, indexes] of dropped) {
      await inTransaction(async (em) => {
        for (const ix of indexes) await em.queryRunner!.createIndex(table, ix);
      });
      console.log(`  indexes of ${table} created again (${since(started).toFixed(0)} s)`);
    }
    // MariaDB keeps statistics on its own (now, so every run plans alike); SQLite has none unless ANALYZE runs, and the
    // service never runs it, so neither does the bench.
    if (mysql)
      await qr.query('ANALYZE TABLE contacts, activities, score_applications, stage_transitions, qualifications');
    console.log(
      `  loaded ${size.contacts} contacts, ${counts.activities} activities, ${counts.transitions} ` +
        `transitions: rows ${rowsDone.toFixed(0)} s, with indexes and statistics ${since(started).toFixed(0)} s`,
    );
  } finally {
    await qr.release();
  }
}
