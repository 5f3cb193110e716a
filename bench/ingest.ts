/**
 * bench/ingest: 100,000 activities for 10,000 contacts through
 * recordActivities in batches of 500 over HTTP, with no rules and with 10
 * active rules (caps, windows, expiry, conditions), beside a raw multi-row
 * INSERT of the same rows through the same driver in the same run.
 *
 *   npm run bench:ingest [-- sqlite|mysql]
 */
import { randomUUID } from 'node:crypto';
import { BenchApp, Store, rng, runBench, since, startBenchApp } from './common';
import { CONTACT_COLUMNS, contactRow, newContact } from '../src/modules/contacts/contact.factory';
import { insertRows } from '../src/db/bulk';
import { dbDate } from '../src/db/portable';

const CONTACTS = 10_000;
const ACTIVITIES = Number(process.env.N ?? 100_000);
const BATCH = 500;
const TYPES = ['page_view', 'email_open', 'email_click', 'content_download', 'webinar_attended', 'form_submit', 'demo_request'];
const URLS = ['/pricing', '/docs/start', '/blog/scoring', '/careers', '/product', '/pricing/enterprise'];

const RULES = [
  { name: 'Page view', kind: 'BEHAVIOR', activityType: 'page_view', points: 1, maxApplications: 20, capWindowDays: 7 },
  { name: 'Pricing page', kind: 'BEHAVIOR', activityType: 'page_view', points: 5, conditions: [{ field: 'properties.url', operator: 'STARTS_WITH', value: '/pricing' }], expiresAfterDays: 30 },
  { name: 'Careers page', kind: 'BEHAVIOR', activityType: 'page_view', points: -5, conditions: [{ field: 'properties.url', operator: 'CONTAINS', value: 'careers' }] },
  { name: 'Email open', kind: 'BEHAVIOR', activityType: 'email_open', points: 2, maxApplications: 5, capWindowDays: 30, expiresAfterDays: 60 },
  { name: 'Email click', kind: 'BEHAVIOR', activityType: 'email_click', points: 4, expiresAfterDays: 60 },
  { name: 'Download', kind: 'BEHAVIOR', activityType: 'content_download', points: 10, maxApplications: 3 },
  { name: 'Webinar', kind: 'BEHAVIOR', activityType: 'webinar_attended', points: 15, expiresAfterDays: 90 },
  { name: 'Form', kind: 'BEHAVIOR', activityType: 'form_submit', points: 8, conditions: [{ field: 'properties.form', operator: 'IN', value: ['contact', 'trial'] }] },
  { name: 'Demo request', kind: 'BEHAVIOR', activityType: 'demo_request', points: 40 },
  { name: 'Business email', kind: 'FIT', points: 10, conditions: [{ field: 'freeEmail', operator: 'EQ', value: false }] },
];

interface Planned {
  contactId: string;
  type: string;
  occurredAt: string;
  properties: Record<string, unknown>;
}

function plan(contactIds: string[], seed: number): Planned[][] {
  const rand = rng(seed);
  const now = Date.now();
  const batches: Planned[][] = [];
  for (let b = 0; b < ACTIVITIES / BATCH; b++) {
    batches.push(
      Array.from({ length: BATCH }, () => ({
        contactId: contactIds[Math.floor(rand() * contactIds.length)],
        type: TYPES[Math.floor(rand() * TYPES.length)],
        // Mostly in time order, as live tracking sends them; some late arrivals.
        occurredAt: new Date(now - 60 * 86_400_000 + (b / (ACTIVITIES / BATCH)) * 60 * 86_400_000 - (rand() < 0.05 ? rand() * 5 * 86_400_000 : 0)).toISOString(),
        properties: { url: URLS[Math.floor(rand() * URLS.length)], form: rand() < 0.5 ? 'trial' : 'newsletter' },
      })),
    );
  }
  return batches;
}

const RECORD = `mutation($inputs: [ActivityInput!]!) { recordActivities(inputs: $inputs) { duplicates } }`;

async function throughApi(b: BenchApp, batches: Planned[][]): Promise<number> {
  const start = performance.now();
  for (const batch of batches) await b.gql(RECORD, { inputs: batch });
  return ACTIVITIES / since(start);
}

async function rawInsert(b: BenchApp, batches: Planned[][]): Promise<number> {
  const createdAt = dbDate(new Date());
  const start = performance.now();
  for (const batch of batches) {
    const rows = batch.map((a) => [randomUUID(), a.contactId, a.type, dbDate(new Date(a.occurredAt)), JSON.stringify(a.properties), null, 0, createdAt]);
    await b.app.ds.query(`INSERT INTO activities (id, contact_id, type, occurred_at, properties, idempotency_key, points, created_at) VALUES ${rows.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`, rows.flat());
  }
  return ACTIVITIES / since(start);
}

async function runStore(store: Store): Promise<void> {
  const b = await startBenchApp(store);
  try {
    const now = new Date();
    const contacts = Array.from({ length: CONTACTS }, (_, i) => newContact({ email: `bench${i}@${i % 3 ? 'acme-corp.com' : 'gmail.com'}` }, now));
    await insertRows(b.app.ds.manager, 'contacts', CONTACT_COLUMNS, contacts.map(contactRow));
    const ids = contacts.map((c) => c.id);

    const plainApi = await throughApi(b, plan(ids, 1));
    const plainRaw = await rawInsert(b, plan(ids, 1));
    console.log(`${store}  no rules   api ${plainApi.toFixed(0)} act/s   raw ${plainRaw.toFixed(0)} act/s   ratio ${(plainApi / plainRaw).toFixed(2)}`);

    for (const input of RULES) await b.gql(`mutation($input: ScoringRuleInput!) { createScoringRule(input: $input) { id } }`, { input });
    await b.app.services.rescore.idle(600_000);
    const scoredApi = await throughApi(b, plan(ids, 2));
    const scoredRaw = await rawInsert(b, plan(ids, 2));
    console.log(`${store}  10 rules   api ${scoredApi.toFixed(0)} act/s   raw ${scoredRaw.toFixed(0)} act/s   ratio ${(scoredApi / scoredRaw).toFixed(2)}`);
  } finally {
    await b.stop();
  }
}

runBench(`bench/ingest: ${ACTIVITIES} activities, ${CONTACTS} contacts, batches of ${BATCH}, sequential requests over HTTP (NODE_ENV=production)`, runStore);
