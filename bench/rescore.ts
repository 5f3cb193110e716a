/**
 * bench/rescore: 100,000 contacts with 1,000,000 activities (bulk-loaded),
 * then a rule change; times the RescoreJob it starts until SUCCEEDED and
 * samples memory during the run (it must stay flat: the job streams contacts
 * by keyset). Baseline in the same run: reading the same activities with one
 * raw keyset scan through the same driver (the floor of any full recompute).
 *
 *   npm run bench:rescore [-- sqlite|mysql]      CONTACTS=100000 PER_CONTACT=10
 */
import { type BenchApp, type Store, rng, runBench, sampleMemory, since, startBenchApp } from './common';
import { CONTACT_COLUMNS, contactRow, newContact } from '../src/model/contact.factory';
import { insertRows } from '../src/db/bulk';
import { dbDate } from '../src/db/portable';
import { newActivityId } from '../src/modules/activities/activity-id';

const CONTACTS = Number(process.env.CONTACTS ?? 100_000);
const PER_CONTACT = Number(process.env.PER_CONTACT ?? 10);
const TYPES = [
  'page_view',
  'email_open',
  'email_click',
  'content_download',
  'webinar_attended',
  'form_submit',
  'demo_request',
];

async function load(b: BenchApp): Promise<void> {
  const rand = rng(3);
  const now = Date.now();
  const em = b.app.ds.manager;
  for (let start = 0; start < CONTACTS; start += 5000) {
    const contacts = Array.from({ length: Math.min(5000, CONTACTS - start) }, (_, i) =>
      newContact(
        { email: `r${start + i}@${i % 4 ? 'acme-corp.com' : 'gmail.com'}`, companySize: Math.floor(rand() * 2000) },
        new Date(now - 100 * 86_400_000),
      ),
    );
    await insertRows(em, 'contacts', CONTACT_COLUMNS, contacts.map(contactRow));
    const activities = contacts.flatMap((c) =>
      Array.from({ length: PER_CONTACT }, () => [
        newActivityId(),
        c.id,
        TYPES[Math.floor(rand() * TYPES.length)],
        dbDate(now - Math.floor(rand() * 90 * 86_400_000)),
        JSON.stringify({ url: rand() < 0.3 ? '/pricing' : '/blog' }),
        null,
        0,
        dbDate(now),
      ]),
    );
    await insertRows(
      em,
      'activities',
      ['id', 'contact_id', 'type', 'occurred_at', 'properties', 'idempotency_key', 'points', 'created_at'],
      activities,
    );
  }
}

async function rawScan(b: BenchApp): Promise<number> {
  const start = performance.now();
  let last = '';
  for (;;) {
    const rows: { contact_id: string }[] = await b.app.ds.query(
      `SELECT a.contact_id, a.id, a.type, a.occurred_at, a.properties, a.points FROM activities a WHERE ` +
        `a.contact_id IN (SELECT id FROM (SELECT id FROM contacts WHERE id > ? ORDER BY id LIMIT 1000) k)`,
      [last],
    );
    if (rows.length === 0) break;
    last = rows.reduce((m, r) => (r.contact_id > m ? r.contact_id : m), last);
  }
  return since(start);
}

async function timedRescore(b: BenchApp, label: string, start: () => Promise<string>): Promise<void> {
  const mem = sampleMemory(500);
  const t0 = performance.now();
  const id = await start();
  let job: any;
  for (;;) {
    job = (await b.gql(`query($id: ID!) { rescoreJob(id: $id) { state processed total error } }`, { id })).rescoreJob;
    if (job.state === 'SUCCEEDED' || job.state === 'FAILED') break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const secs = since(t0);
  const m = mem.stop();
  console.log(
    `  ${label}: ${job.state} ${job.processed}/${job.total} contacts in ${secs.toFixed(1)} s = ` +
      `${(job.processed / secs).toFixed(0)} contacts/s; ` +
      (`heap ${m.heapMin.toFixed(0)}-${m.heapMax.toFixed(0)} MiB (peak ${m.heapMaxFirstHalf.toFixed(0)} in the ` +
        `first half, ${m.heapMaxSecondHalf.toFixed(0)} in the second), `) +
      `rss ${m.rssStart.toFixed(0)} -> max ${m.rssMax.toFixed(0)} MiB (${m.samples} samples)`,
  );
}

async function runStore(store: Store): Promise<void> {
  const b = await startBenchApp(store, { RESCORE_BATCH_SIZE: process.env.RESCORE_BATCH_SIZE ?? '1000' });
  try {
    const rules = [
      { name: 'view', kind: 'BEHAVIOR', activityType: 'page_view', points: 2, maxApplications: 5, capWindowDays: 7 },
      {
        name: 'pricing',
        kind: 'BEHAVIOR',
        activityType: 'page_view',
        points: 5,
        conditions: [{ field: 'properties.url', operator: 'EQ', value: '/pricing' }],
        expiresAfterDays: 30,
      },
      { name: 'open', kind: 'BEHAVIOR', activityType: 'email_open', points: 1, expiresAfterDays: 60 },
      { name: 'click', kind: 'BEHAVIOR', activityType: 'email_click', points: 3 },
      { name: 'download', kind: 'BEHAVIOR', activityType: 'content_download', points: 8, maxApplications: 2 },
      { name: 'webinar', kind: 'BEHAVIOR', activityType: 'webinar_attended', points: 12 },
      { name: 'demo', kind: 'BEHAVIOR', activityType: 'demo_request', points: 30 },
      {
        name: 'big company',
        kind: 'FIT',
        points: 10,
        conditions: [{ field: 'companySize', operator: 'GTE', value: 500 }],
      },
      {
        name: 'business mail',
        kind: 'FIT',
        points: 5,
        conditions: [{ field: 'freeEmail', operator: 'EQ', value: false }],
      },
    ];
    const ids: string[] = [];
    for (const input of rules)
      ids.push(
        (await b.gql(`mutation($input: ScoringRuleInput!) { createScoringRule(input: $input) { id } }`, { input }))
          .createScoringRule.id,
      );
    await b.app.services.rescore.idle();
    const t0 = performance.now();
    await load(b);
    console.log(
      `${store}: loaded ${CONTACTS} contacts, ${CONTACTS * PER_CONTACT} activities in ${since(t0).toFixed(1)} s`,
    );
    const scan = await rawScan(b);
    console.log(`  baseline: raw keyset read of every contact's activities in ${scan.toFixed(1)} s`);
    await timedRescore(
      b,
      'first scoring (rescoreContacts)',
      async () => (await b.gql(`mutation { rescoreContacts { id } }`)).rescoreContacts.id,
    );
    await timedRescore(b, 'after a rule change', async () => {
      await b.gql(`mutation($id: ID!) { updateScoringRule(id: $id, input: { points: 4 }) { id } }`, { id: ids[0] });
      // The job the change started (rescoreContacts now could queue a second run behind it).
      return (await b.app.ds.query(`SELECT id FROM rescore_jobs WHERE state IN ('QUEUED', 'RUNNING')`))[0].id;
    });
  } finally {
    await b.stop();
  }
}

runBench(`bench/rescore: ${CONTACTS} contacts x ${PER_CONTACT} activities (NODE_ENV=production)`, runStore);
