/**
 * bench/ingest: 100,000 activities for 10,000 contacts through
 * recordActivities in batches of 500 over HTTP, with no rules and with 10
 * active rules (caps, windows, expiry, conditions), beside a raw multi-row
 * INSERT of the same rows through the same driver in the same run.
 *
 * The requests come from a second process (bench/ingest-client.ts), as
 * they would in production, so the service's thread does only its own work.
 * The API and the baseline take turns, ROUNDS times per phase, each turn a
 * slice of the batches: both then run beside the same background work of
 * the store (page flushing after earlier writes), which alone moved the
 * baseline's rate by a third between runs when each phase ran in one piece.
 *
 * Each side first sends WARMUP untimed batches of its own, so neither pays
 * for compiling its code paths or filling caches inside its timing.
 *
 *   npm run bench:ingest [-- sqlite|mysql]      N=100000 CONCURRENCY=1 ROUNDS=4 WARMUP=10
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { BENCH_KEY, type BenchApp, type Store, rawActivityInsert, rng, runBench, since, startBenchApp } from './common';
import type { IngestClientMessage, IngestClientReport } from './ingest-client';
import { CONTACT_COLUMNS, contactRow, newContact } from '../src/model/contact.factory';
import { insertRows } from '../src/db/bulk';
import { dbDate } from '../src/db/portable';
import { newActivityId } from '../src/modules/activities/activity-id';

const CONTACTS = 10_000;
const ACTIVITIES = Number(process.env.N ?? 100_000);
const BATCH = 500;
/** Batches in flight at once, for the API and the raw baseline alike (1: sequential requests). */
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 1);
/** Turns the API and the baseline take per phase. */
const ROUNDS = Number(process.env.ROUNDS ?? 4);
/**
 * Untimed batches each side sends first in each phase (JIT, caches, pooled connections), taken before the phase's
 * window.
 */
const WARMUP = Number(process.env.WARMUP ?? 10);
const TYPES = [
  'page_view',
  'email_open',
  'email_click',
  'content_download',
  'webinar_attended',
  'form_submit',
  'demo_request',
];
const URLS = ['/pricing', '/docs/start', '/blog/scoring', '/careers', '/product', '/pricing/enterprise'];

const RULES = [
  { name: 'Page view', kind: 'BEHAVIOR', activityType: 'page_view', points: 1, maxApplications: 20, capWindowDays: 7 },
  {
    name: 'Pricing page',
    kind: 'BEHAVIOR',
    activityType: 'page_view',
    points: 5,
    conditions: [{ field: 'properties.url', operator: 'STARTS_WITH', value: '/pricing' }],
    expiresAfterDays: 30,
  },
  {
    name: 'Careers page',
    kind: 'BEHAVIOR',
    activityType: 'page_view',
    points: -5,
    conditions: [{ field: 'properties.url', operator: 'CONTAINS', value: 'careers' }],
  },
  {
    name: 'Email open',
    kind: 'BEHAVIOR',
    activityType: 'email_open',
    points: 2,
    maxApplications: 5,
    capWindowDays: 30,
    expiresAfterDays: 60,
  },
  { name: 'Email click', kind: 'BEHAVIOR', activityType: 'email_click', points: 4, expiresAfterDays: 60 },
  { name: 'Download', kind: 'BEHAVIOR', activityType: 'content_download', points: 10, maxApplications: 3 },
  { name: 'Webinar', kind: 'BEHAVIOR', activityType: 'webinar_attended', points: 15, expiresAfterDays: 90 },
  {
    name: 'Form',
    kind: 'BEHAVIOR',
    activityType: 'form_submit',
    points: 8,
    conditions: [{ field: 'properties.form', operator: 'IN', value: ['contact', 'trial'] }],
  },
  { name: 'Demo request', kind: 'BEHAVIOR', activityType: 'demo_request', points: 40 },
  {
    name: 'Business email',
    kind: 'FIT',
    points: 10,
    conditions: [{ field: 'freeEmail', operator: 'EQ', value: false }],
  },
];

interface Planned {
  contactId: string;
  type: string;
  occurredAt: string;
  properties: Record<string, unknown>;
}

const DAY = 86_400_000;

/**
 * The batches of one phase: activities spread over the 60 days that end
 * `endDaysAgo` days ago, in time order as live tracking sends them, 5 %
 * arriving up to 5 days late, after WARMUP batches dated just before that
 * window. The run without rules covers the 60 days before the run with
 * rules, so the latter continues the history it scores.
 */
function plan(contactIds: string[], seed: number, endDaysAgo: number): Planned[][] {
  const rand = rng(seed);
  const now = Date.now();
  const batches: Planned[][] = [];
  for (let b = -WARMUP; b < ACTIVITIES / BATCH; b++) {
    batches.push(
      Array.from({ length: BATCH }, () => ({
        contactId: contactIds[Math.floor(rand() * contactIds.length)],
        type: TYPES[Math.floor(rand() * TYPES.length)],
        occurredAt: new Date(
          now -
            (endDaysAgo + 60) * DAY +
            (b / (ACTIVITIES / BATCH)) * 60 * DAY -
            (rand() < 0.05 ? rand() * 5 * DAY : 0),
        ).toISOString(),
        properties: { url: URLS[Math.floor(rand() * URLS.length)], form: rand() < 0.5 ? 'trial' : 'newsletter' },
      })),
    );
  }
  return batches;
}

const RECORD = `mutation($inputs: [ActivityInput!]!) { recordActivities(inputs: $inputs) { duplicates } }`;

/**
 * Runs `send` over the batches with CONCURRENCY of them in flight (in order within each lane); returns the seconds
 * taken.
 */
async function timed(batches: Planned[][], send: (batch: Planned[]) => Promise<unknown>): Promise<number> {
  const start = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < batches.length) await send(batches[next++]);
    }),
  );
  return since(start);
}

/** Rows of a batch as the baseline inserts them (same columns and UUIDv7 ids as the service writes). */
function rawRows(batch: Planned[], createdAt: string): unknown[][] {
  return batch.map((a) => [
    newActivityId(),
    a.contactId,
    a.type,
    dbDate(new Date(a.occurredAt)),
    JSON.stringify(a.properties),
    null,
    0,
    createdAt,
  ]);
}

/** The forked sender of the API's requests. */
interface Sender {
  load(batches: Planned[][]): void;
  send(from: number, to: number): Promise<number>;
  stop(): void;
}

function startSender(b: BenchApp): Sender {
  const child: ChildProcess = fork(join(__dirname, 'ingest-client.ts'), [], {
    execArgv: ['-r', 'ts-node/register/transpile-only'],
  });
  const message = (m: IngestClientMessage) => child.send(m);
  return {
    load: (batches) => message({ type: 'load', url: b.app.url, key: BENCH_KEY, query: RECORD, batches }),
    send: (from, to) =>
      new Promise((resolve, reject) => {
        child.once('message', (report: IngestClientReport) =>
          'error' in report ? reject(new Error(report.error)) : resolve(report.seconds),
        );
        message({ type: 'send', from, to, concurrency: CONCURRENCY });
      }),
    stop: () => child.kill(),
  };
}

/**
 * One phase: the batches through recordActivities and the same rows through
 * a raw multi-row INSERT, in alternating slices; returns both rates (act/s).
 */
async function phase(b: BenchApp, batches: Planned[][]): Promise<{ api: number; raw: number }> {
  const createdAt = dbDate(new Date());
  const insert = rawActivityInsert(BATCH);
  const sender = startSender(b);
  try {
    sender.load(batches);
    const rawInsert = (batch: Planned[]) => b.app.ds.query(insert, rawRows(batch, createdAt).flat());
    await sender.send(0, WARMUP);
    await timed(batches.slice(0, WARMUP), rawInsert);
    let api = 0;
    let raw = 0;
    const slice = Math.ceil((batches.length - WARMUP) / ROUNDS);
    for (let i = WARMUP; i < batches.length; i += slice) {
      api += await sender.send(i, Math.min(i + slice, batches.length));
      raw += await timed(batches.slice(i, i + slice), rawInsert);
    }
    return { api: ACTIVITIES / api, raw: ACTIVITIES / raw };
  } finally {
    sender.stop();
  }
}

function report(store: Store, label: string, r: { api: number; raw: number }): void {
  console.log(
    `${store}  ${label}   api ${r.api.toFixed(0)} act/s   raw ${r.raw.toFixed(0)} act/s   ratio ` +
      `${(r.api / r.raw).toFixed(2)}`,
  );
}

async function runStore(store: Store): Promise<void> {
  const b = await startBenchApp(store);
  try {
    const now = new Date();
    const contacts = Array.from({ length: CONTACTS }, (_, i) =>
      newContact({ email: `bench${i}@${i % 3 ? 'acme-corp.com' : 'gmail.com'}` }, now),
    );
    await insertRows(b.app.ds.manager, 'contacts', CONTACT_COLUMNS, contacts.map(contactRow));
    const ids = contacts.map((c) => c.id);

    report(store, 'no rules', await phase(b, plan(ids, 1, 60)));

    for (const input of RULES)
      await b.gql(`mutation($input: ScoringRuleInput!) { createScoringRule(input: $input) { id } }`, { input });
    await b.app.services.rescore.idle(600_000);
    report(store, '10 rules', await phase(b, plan(ids, 2, 0)));
  } finally {
    await b.stop();
  }
}

runBench(
  `bench/ingest: ${ACTIVITIES} activities, ${CONTACTS} contacts, batches of ${BATCH}, ${CONCURRENCY} in ` +
    `flight over HTTP (NODE_ENV=production), ${ROUNDS} alternating rounds after ${WARMUP} untimed batches each`,
  runStore,
);
