/**
 * bench/insight: 100,000 demo contacts (scripts/demo/, planted signal:
 * demo requests and pricing visits lead to SQL, email opens do not) with
 * about 1,000,000 activities and their transitions, bulk-loaded with raw
 * SQL. Times, in the same run:
 * - rescoreContacts (the first scoring, then again after a rule change),
 * - simulateScoring of the current rules over the 90-day window (the
 *   ratio to each rescore is the figure: it writes nothing),
 * - ruleInsights and suggestScoring over the same window,
 * each with the process's peak heap and RSS; and the suggestion's holdout
 * AUC against the hand-made demo rules'.
 *
 *   npm run bench:insight [-- sqlite|mysql]      CONTACTS=100000
 */
import { type BenchApp, type Store, runBench, sampleMemory, since, startBenchApp } from './common';
import { DEMO_GROUP_VALUES } from '../scripts/demo/catalog';
import { DemoPlan, type PlannedActivity } from '../scripts/demo/plan';
import { JOURNEY_CONTACT_COLUMNS, TRANSITION_COLUMNS, journeyRows } from '../scripts/demo/rows';
import { groupValueIds } from '../src/db/group-keys';
import { newActivityId } from '../src/modules/activities/activity-id';
import { type SqlValue, insertRows } from '../src/db/bulk';
import { dbDate, dialectOf, transaction } from '../src/db/portable';

const CONTACTS = Number(process.env.CONTACTS ?? 100_000);
const DAY = 86_400_000;
const ACTIVITY_COLUMNS = [
  'id',
  'contact_id',
  'type',
  'occurred_at',
  'properties',
  'idempotency_key',
  'points',
  'created_at',
];

/** 120 days of demo: a 90-day window ending 30 days ago, so every outcome in the horizon is known. */
function benchPlan(now: Date): DemoPlan {
  return new DemoPlan({
    contacts: CONTACTS,
    days: 120,
    seed: 21,
    now,
    partners: 3,
    profiles: { silent: 5, browser: 30, interested: 40, hot: 25 },
  });
}

/** Contacts, activities (recorded as they occurred) and transitions of the plan, 5,000 contacts per transaction. */
async function load(b: BenchApp, plan: DemoPlan): Promise<{ activities: number; transitions: number }> {
  const partnerIds: string[] = [];
  for (const name of plan.partners) partnerIds.push((await b.app.services.access.createPartner(name)).id);
  const groupIds = await groupValueIds(b.app.ds.manager, [...DEMO_GROUP_VALUES, ...partnerIds]);
  let activities = 0;
  let transitions = 0;
  for (let start = 0; start < CONTACTS; start += 5000) {
    const contacts: SqlValue[][] = [];
    const acts: SqlValue[][] = [];
    const trans: { at: number; row: SqlValue[] }[] = [];
    for (let i = start; i < Math.min(CONTACTS, start + 5000); i++) {
      const c = plan.contact(i);
      const rows = journeyRows(c, partnerIds, groupIds);
      contacts.push(rows.contact);
      trans.push(...rows.transitions);
      for (const e of c.events) {
        if (e.kind !== 'activity') continue;
        const a = e as PlannedActivity;
        acts.push([
          newActivityId(),
          rows.id,
          a.type,
          dbDate(a.at),
          a.properties ? JSON.stringify(a.properties) : null,
          null,
          0,
          dbDate(a.at),
        ]);
      }
    }
    trans.sort((x, y) => x.at - y.at);
    await transaction(b.app.ds, async (em) => {
      await insertRows(em, 'contacts', JOURNEY_CONTACT_COLUMNS, contacts);
      for (let i = 0; i < acts.length; i += 10_000)
        await insertRows(em, 'activities', ACTIVITY_COLUMNS, acts.slice(i, i + 10_000));
      await insertRows(
        em,
        'stage_transitions',
        TRANSITION_COLUMNS,
        trans.map((t) => t.row),
      );
    });
    activities += acts.length;
    transitions += trans.length;
  }
  if (dialectOf(b.app.ds) === 'mysql') await b.app.ds.query('ANALYZE TABLE contacts, activities, stage_transitions');
  return { activities, transitions };
}

/**
 * The floor of any replay: the three statements a history batch runs
 * (contacts, their activities up to `to`, their transitions), 1,000 contacts
 * at a time by keyset, through the same driver, rows left unparsed.
 */
async function rawRead(b: BenchApp, to: string): Promise<number> {
  const t0 = performance.now();
  const end = dbDate(new Date(to).getTime());
  for (let last = ''; ;) {
    const ids: string[] = (
      await b.app.ds.query('SELECT id FROM contacts WHERE id > ? ORDER BY id LIMIT 1000', [last])
    ).map((r: { id: string }) => r.id);
    if (ids.length === 0) break;
    const list = ids.map(() => '?').join(', ');
    await b.app.ds.query(
      `SELECT id, email, first_name, last_name, company, job_title, industry, company_size, country, source, ` +
        `owner_id, partner_id, attributes, created_at FROM contacts WHERE id IN (${list})`,
      ids,
    );
    await b.app.ds.query(
      `SELECT id, contact_id, type, occurred_at, properties, created_at FROM activities WHERE contact_id IN ` +
        `(${list}) AND occurred_at <= ?`,
      [...ids, end],
    );
    await b.app.ds.query(
      `SELECT id, contact_id, from_stage, to_stage, \`trigger\`, occurred_at, created_at FROM ` +
        `stage_transitions WHERE contact_id IN (${list}) ORDER BY id`,
      ids,
    );
    last = ids[ids.length - 1];
  }
  return since(t0);
}

/** Runs `work`, sampling memory; prints and returns its seconds. */
async function timed<T>(label: string, work: () => Promise<T>): Promise<{ secs: number; value: T }> {
  const mem = sampleMemory(250);
  const t0 = performance.now();
  const value = await work();
  const secs = since(t0);
  const m = mem.stop();
  console.log(
    `  ${label}: ${secs.toFixed(1)} s; heap ${m.heapMin.toFixed(0)}-${m.heapMax.toFixed(0)} MiB (peak ` +
      `${m.heapMaxFirstHalf.toFixed(0)} / ${m.heapMaxSecondHalf.toFixed(0)} by half), rss max ` +
      `${m.rssMax.toFixed(0)} MiB`,
  );
  return { secs, value };
}

async function poll(b: BenchApp, query: string, id: string, field: string): Promise<any> {
  for (;;) {
    const job = (await b.gql(query, { id }))[field];
    if (job.state === 'SUCCEEDED' || job.state === 'FAILED') return job;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function rescore(b: BenchApp, start: () => Promise<string>): Promise<void> {
  const job = await poll(
    b,
    `query($id: ID!) { rescoreJob(id: $id) { state processed error } }`,
    await start(),
    'rescoreJob',
  );
  if (job.state !== 'SUCCEEDED') throw new Error(`rescore ${job.state}: ${job.error}`);
}

async function runStore(store: Store): Promise<void> {
  const b = await startBenchApp(store, { RESCORE_BATCH_SIZE: process.env.RESCORE_BATCH_SIZE ?? '1000' });
  try {
    const now = new Date();
    const plan = benchPlan(now);
    const ruleIds: string[] = [];
    for (const input of plan.rules)
      ruleIds.push(
        (await b.gql(`mutation($input: ScoringRuleInput!) { createScoringRule(input: $input) { id } }`, { input }))
          .createScoringRule.id,
      );
    await b.app.services.rescore.idle();
    const t0 = performance.now();
    const loaded = await load(b, plan);
    console.log(
      `${store}: loaded ${CONTACTS} contacts, ${loaded.activities} activities, ${loaded.transitions} ` +
        `transitions in ${since(t0).toFixed(0)} s`,
    );
    const window = {
      from: new Date(now.getTime() - 120 * DAY).toISOString(),
      to: new Date(now.getTime() - 30 * DAY).toISOString(),
      horizonDays: 30,
    };
    const floor = await rawRead(b, window.to);
    console.log(`  floor: raw keyset read of every contact's history in ${floor.toFixed(1)} s`);
    const first = await timed('rescoreContacts, first scoring', () =>
      rescore(b, async () => (await b.gql(`mutation { rescoreContacts { id } }`)).rescoreContacts.id),
    );
    const change = await timed('rescoreContacts after a rule change', () =>
      rescore(b, async () => {
        await b.gql(`mutation($id: ID!) { updateScoringRule(id: $id, input: { points: 2 }) { id } }`, {
          id: ruleIds[4],
        });
        return (await b.app.ds.query(`SELECT id FROM rescore_jobs WHERE state IN ('QUEUED', 'RUNNING')`))[0].id;
      }),
    );
    const sim = await timed('simulateScoring (current rules, 90 days)', async () => {
      const rules = ruleIds.map((id) => ({ id }));
      const { id } = (
        await b.gql(`mutation($input: SimulateScoringInput!) { simulateScoring(input: $input) { id } }`, {
          input: { rules, ...window },
        })
      ).simulateScoring;
      return poll(
        b,
        `query($id: ID!) { simulationJob(id: $id) { state processed error result { changedContactCount ` +
          `current { mqls precision } } } }`,
        id,
        'simulationJob',
      );
    });
    if (sim.value.state !== 'SUCCEEDED') throw new Error(`simulation ${sim.value.state}: ${sim.value.error}`);
    console.log(
      `    ${sim.value.processed} contacts; ratio to the first scoring ${(sim.secs / first.secs).toFixed(2)}, ` +
        `to the rescore after a rule change ${(sim.secs / change.secs).toFixed(2)} (target <= 0.5); ` +
        `${(sim.secs / floor).toFixed(1)} x the floor`,
    );
    const insights = await timed('ruleInsights', () =>
      b.gql(
        `query($from: DateTime!, $to: DateTime!, $horizonDays: Int) { ruleInsights(from: $from, to: $to, ` +
          `horizonDays: $horizonDays) { contacts reachedSql rules { ruleName lift { estimate low high } signal ` +
          `} } }`,
        window,
      ),
    );
    console.log(`    ${(insights.secs / floor).toFixed(1)} x the floor`);
    const top = insights.value.ruleInsights.rules
      .slice(0, 3)
      .map((r: any) => `${r.ruleName} ${r.lift.estimate?.toFixed(2)}`)
      .join(', ');
    console.log(
      `    ${insights.value.ruleInsights.contacts} contacts, ${insights.value.ruleInsights.reachedSql} ` +
        `reached SQL; top lifts: ${top}`,
    );
    const suggestion = await timed('suggestScoring', () =>
      b.gql(
        `query($from: DateTime!, $to: DateTime!, $horizonDays: Int) { suggestScoring(from: $from, to: $to, ` +
          `horizonDays: $horizonDays) { currentAuc suggestedAuc holdout { trainContacts testContacts } rules { ` +
          `ruleName suggestedPoints } } }`,
        window,
      ),
    );
    const s = suggestion.value.suggestScoring;
    console.log(
      `    holdout AUC: suggestion ${s.suggestedAuc.toFixed(3)} vs hand-made rules ${s.currentAuc.toFixed(3)} ` +
        `(train ${s.holdout.trainContacts}, test ${s.holdout.testContacts}); ` +
        `${(suggestion.secs / floor).toFixed(1)} x the floor`,
    );
  } finally {
    await b.stop();
  }
}

runBench(`bench/insight: ${CONTACTS} demo contacts (NODE_ENV=production)`, runStore);
