/**
 * bench/metrics: conversionMetrics over the last 90 days on 200,000 contacts
 * with 1,000,000 transitions, grouped NONE, SOURCE and MONTH, through the
 * real GraphQL endpoint, beside a hand-written SQL reference answering the
 * same question through the same driver in the same run (and checked to give
 * the same numbers).
 *
 *   npm run bench:metrics [-- sqlite|mysql]
 *   env: CONTACTS, TRANSITIONS, HISTORY_DAYS (365), RUNS (5), REFERENCE_RUNS (RUNS;
 *   0 skips the reference), BENCH_KEEP_DB=1 (keep the data for EXPLAIN)
 *
 * The data is the demo generator's (scripts/demo/) at
 * a large size, written with multi-row INSERTs (the API would take hours to
 * ingest a million transitions). Only the tables the metrics read are
 * filled: partners (through the service), contacts and stage_transitions;
 * the journeys' activities are simulated but not stored. Contacts are created
 * over HISTORY_DAYS, so the 90-day window holds about a quarter of the transitions.
 */
import { type DataSource } from 'typeorm';
import { type BenchApp, type Store, runBench, startBenchApp } from './common';
import { DEMO_GROUP_VALUES } from '../scripts/demo/catalog';
import { DemoPlan, type PlannedContact } from '../scripts/demo/plan';
import { JOURNEY_CONTACT_COLUMNS, TRANSITION_COLUMNS, journeyRows } from '../scripts/demo/rows';
import { groupValueIds } from '../src/db/group-keys';
import { type SqlValue, insertRows } from '../src/db/bulk';
import { type Dialect, analyticQuery, dbDate, dialectOf, millisBetweenSql, periodStartSql } from '../src/db/portable';
import {
  CONVERSIONS,
  type CurrentRow,
  FUNNEL_STAGES,
  type GroupBy,
  type StageRow,
  assembleMetrics,
} from '../src/modules/metrics/metrics.definitions';
import type { Stage } from '../src/model/lifecycle';

const CONTACTS = Number(process.env.CONTACTS ?? 200_000);
const TRANSITIONS = Number(process.env.TRANSITIONS ?? 1_000_000);
const HISTORY_DAYS = Number(process.env.HISTORY_DAYS ?? 365);
const RUNS = Number(process.env.RUNS ?? 5);
const REFERENCE_RUNS = Number(process.env.REFERENCE_RUNS ?? RUNS);
const WINDOW_DAYS = 90;
const GROUPINGS: GroupBy[] = ['NONE', 'SOURCE', 'MONTH'];
const DAY = 86_400_000;

/**
 * The benchmark's funnel: everyone engages and most go deep, so 200,000 contacts make a bit over a million transitions.
 */
function benchPlan(now: Date): DemoPlan {
  return new DemoPlan({
    contacts: CONTACTS,
    days: HISTORY_DAYS,
    seed: 7,
    now,
    partners: 6,
    profiles: { silent: 0, browser: 4, interested: 40, hot: 56 },
    odds: {
      reengage: 0.95,
      sql: { silent: 0.6, browser: 0.6, interested: 0.6, hot: 0.6 },
      opportunity: 0.8,
      backToNurture: 0.35,
      won: 0.4,
      lost: 0.15,
    },
  });
}

/** Drops a contact's latest transitions so it keeps `keep` (its journey is simply less advanced today). */
function trim(c: PlannedContact, keep: number): void {
  if (keep >= c.transitions.length) return;
  c.transitions.length = keep;
  c.stage = keep ? c.transitions[keep - 1].to : 'PROSPECT';
}

/**
 * Writes the plan's contacts and exactly TRANSITIONS transitions (journeys
 * are trimmed from the end to hit the number), transitions in time order as
 * a live store would have assigned their ids.
 */
async function load(b: BenchApp, plan: DemoPlan): Promise<void> {
  const started = performance.now();
  const counts = new Int32Array(CONTACTS);
  let total = 0;
  for (let i = 0; i < CONTACTS; i++) total += counts[i] = plan.contact(i).transitions.length;
  if (total < TRANSITIONS)
    throw new Error(`the plan makes only ${total} transitions for ${CONTACTS} contacts; raise its odds`);
  let surplus = total - TRANSITIONS;
  for (let i = CONTACTS - 1; i >= 0 && surplus > 0; i--) {
    if (counts[i] > 1) {
      counts[i]--;
      surplus--;
    }
  }
  const partnerIds: string[] = [];
  for (const name of plan.partners) partnerIds.push((await b.app.services.access.createPartner(name)).id);
  const transitions: { at: number; row: SqlValue[] }[] = [];
  await b.app.ds.transaction(async (em) => {
    const groupIds = await groupValueIds(em, [...DEMO_GROUP_VALUES, ...partnerIds]);
    let contacts: SqlValue[][] = [];
    for (let i = 0; i < CONTACTS; i++) {
      const c = plan.contact(i);
      trim(c, counts[i]);
      const rows = journeyRows(c, partnerIds, groupIds);
      contacts.push(rows.contact);
      transitions.push(...rows.transitions);
      if (contacts.length === 5000 || i === CONTACTS - 1) {
        await insertRows(em, 'contacts', JOURNEY_CONTACT_COLUMNS, contacts);
        contacts = [];
      }
    }
    // Stable sort: a contact's same-instant jumps keep their order.
    transitions.sort((x, y) => x.at - y.at);
    for (let i = 0; i < transitions.length; i += 50_000) {
      await insertRows(
        em,
        'stage_transitions',
        TRANSITION_COLUMNS,
        transitions.slice(i, i + 50_000).map((t) => t.row),
      );
    }
  });
  // MySQL refreshes index statistics after bulk changes on its own, but later; now, so every run plans alike.
  if (dialectOf(b.app.ds) === 'mysql') await b.app.ds.query('ANALYZE TABLE contacts, stage_transitions');
  console.log(
    `  loaded ${CONTACTS} contacts, ${transitions.length} transitions over ${HISTORY_DAYS} days in ` +
      `${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
}

const METRICS = `query($from: DateTime!, $to: DateTime!, $groupBy: MetricsGroupBy) {
  conversionMetrics(from: $from, to: $to, groupBy: $groupBy) {
    stages { stage entered current medianDaysInStage }
    conversions { fromStage toStage entered converted rate medianDaysToConvert }
    groups { key stages { stage entered current medianDaysInStage } conversions { fromStage toStage entered
      converted rate medianDaysToConvert } }
  } }`;

/**
 * The reference: the same answer hand-written as one textbook statement per
 * store (plus a plain count of current contacts): first entries by
 * ROW_NUMBER, the next transition and the next stage by correlated
 * subqueries, medians by ROW_NUMBER/COUNT windows. It shares nothing with
 * the service's SQL but the date helpers, so agreeing answers check both.
 */
function referenceSql(dialect: Dialect, groupBy: GroupBy): { stages: string; current: string } {
  const key = (c: string, at: string) =>
    groupBy === 'SOURCE' ? `${c}.source` : groupBy === 'MONTH' ? periodStartSql(dialect, at, 'MONTH') : 'NULL';
  const next = `CASE f.stage ${CONVERSIONS.map((c) => `WHEN '${c.fromStage}' THEN '${c.toStage}'`).join(' ')} END`;
  const ms = (a: string, b: string) =>
    `CASE WHEN ${millisBetweenSql(dialect, a, b)} < 0 THEN 0 ELSE ${millisBetweenSql(dialect, a, b)} END`;
  const ranks = (partition: string, p: string) => `
      ROW_NUMBER() OVER (PARTITION BY ${partition} ORDER BY stay IS NULL, stay) AS ${p}_sr, COUNT(stay) OVER
        (PARTITION BY ${partition}) AS ${p}_sn,
      ROW_NUMBER() OVER (PARTITION BY ${partition} ORDER BY conv IS NULL, conv) AS ${p}_cr, COUNT(conv) OVER
        (PARTITION BY ${partition}) AS ${p}_cn`;
  const agg = (grp: string, total: number, p: string, by: string) => `
  SELECT stage, ${grp} AS grp, ${total} AS is_total, COUNT(*) AS entered, COUNT(conv) AS converted,
    AVG(CASE WHEN 2 * ${p}_sr BETWEEN ${p}_sn AND ${p}_sn + 2 THEN stay END) AS stay_median_ms,
    AVG(CASE WHEN 2 * ${p}_cr BETWEEN ${p}_cn AND ${p}_cn + 2 THEN conv END) AS convert_median_ms
  FROM ranked GROUP BY ${by}`;
  const stages = `
WITH firsts AS (
  SELECT contact_id, to_stage AS stage, id, occurred_at FROM (
    SELECT t.contact_id, t.to_stage, t.id, t.occurred_at, ROW_NUMBER() OVER (PARTITION BY t.contact_id, t.to_stage
      ORDER BY t.id) AS rn
    FROM stage_transitions t
    WHERE t.to_stage IN ('LEAD', 'MQL', 'SQL', 'OPPORTUNITY', 'CUSTOMER') AND t.occurred_at >= ? AND t.occurred_at < ?
  ) x WHERE rn = 1
),
entries AS (
  SELECT f.stage, ${key('c', 'f.occurred_at')} AS grp, f.occurred_at AS entered_at,
    (SELECT MIN(n.occurred_at) FROM stage_transitions n WHERE n.contact_id = f.contact_id AND n.id > f.id) AS left_at,
    (SELECT MIN(n.occurred_at) FROM stage_transitions n WHERE n.contact_id = f.contact_id AND n.id > f.id AND
      n.to_stage = ${next}) AS converted_at
  FROM firsts f JOIN contacts c ON c.id = f.contact_id
  UNION ALL
  SELECT 'PROSPECT', ${key('c', 'c.created_at')}, c.created_at, (SELECT MIN(n.occurred_at) FROM stage_transitions
    n WHERE n.contact_id = c.id), NULL
  FROM contacts c WHERE c.created_at >= ? AND c.created_at < ?
),
ranked AS (
  SELECT stage, grp, stay, conv,${ranks('stage', 'a')},${ranks('stage, grp', 'g')}
  FROM (SELECT stage, grp, ${ms('entered_at', 'left_at')} AS stay, ${ms('entered_at', 'converted_at')} AS conv
    FROM entries) s
)${groupBy === 'NONE' ? '' : `${agg('grp', 0, 'g', 'stage, grp')}\n  UNION ALL`}${agg('NULL', 1, 'a', 'stage')}`;
  const monthWindow = groupBy === 'MONTH' ? ' WHERE c.stage_changed_at >= ? AND c.stage_changed_at < ?' : '';
  const groupedCurrent = `UNION ALL SELECT stage, ${key('c', 'c.stage_changed_at')}, 0, COUNT(*)
  FROM contacts c${monthWindow} GROUP BY stage, ${key('c', 'c.stage_changed_at')}`;
  const current = `
SELECT stage, NULL AS grp, 1 AS is_total, COUNT(*) AS current FROM contacts GROUP BY stage
${groupBy === 'NONE' ? '' : groupedCurrent}`;
  return { stages, current };
}

async function reference(ds: DataSource, groupBy: GroupBy, from: Date, to: Date) {
  const sql = referenceSql(dialectOf(ds), groupBy);
  const window = [dbDate(from), dbDate(to)];
  // On a connection set up as the service's statements are (same temporary-table limits).
  const stages: any[] = await analyticQuery(ds, sql.stages, [...window, ...window]);
  const current: any[] = await analyticQuery(ds, sql.current, groupBy === 'MONTH' ? window : []);
  const funnel = new Set<string>(FUNNEL_STAGES);
  return assembleMetrics(
    from,
    to,
    stages.map((r): StageRow => ({
      key: r.grp,
      isTotal: Number(r.is_total) === 1,
      stage: r.stage as Stage,
      entered: Number(r.entered),
      converted: Number(r.converted),
      stayMedianMs: r.stay_median_ms === null ? null : Number(r.stay_median_ms),
      convertMedianMs: r.convert_median_ms === null ? null : Number(r.convert_median_ms),
    })),
    current
      .filter((r) => funnel.has(r.stage))
      .map((r): CurrentRow => ({
        key: r.grp,
        isTotal: Number(r.is_total) === 1,
        stage: r.stage as Stage,
        current: Number(r.current),
      })),
  );
}

/** Median wall time of `runs` calls after one warm-up, in ms; and the last answer. */
async function time<T>(runs: number, fn: () => Promise<T>): Promise<{ ms: number; answer: T }> {
  let answer = await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    answer = await fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)], answer };
}

/**
 * The parts both answers must agree on, in a comparable shape (dates and rates left out: same inputs, same arithmetic).
 */
function comparable(m: { stages: any[]; conversions: any[]; groups: any[] }) {
  const funnel = (f: { stages: any[]; conversions: any[] }) => ({
    stages: f.stages.map((s) => [s.stage, s.entered, s.current, s.medianDaysInStage]),
    conversions: f.conversions.map((c) => [c.fromStage, c.entered, c.converted, c.medianDaysToConvert]),
  });
  return { ...funnel(m), groups: m.groups.map((g) => ({ key: g.key, ...funnel(g) })) };
}

async function runStore(store: Store): Promise<void> {
  // The reference's window functions take far longer than the service's statement timeout allows a request.
  const b = await startBenchApp(store, { DB_QUERY_TIMEOUT_MS: '3600000' });
  try {
    const now = new Date();
    console.log(`${store}:`);
    await load(b, benchPlan(now));
    const from = new Date(now.getTime() - WINDOW_DAYS * DAY);
    const to = now;
    const [{ n }] = await b.app.ds.query(
      'SELECT COUNT(*) AS n FROM stage_transitions WHERE occurred_at >= ? AND occurred_at < ?',
      [dbDate(from), dbDate(to)],
    );
    console.log(`  window: last ${WINDOW_DAYS} days, ${n} transitions in it`);
    for (const groupBy of GROUPINGS) {
      const api = await time(RUNS, () => b.gql(METRICS, { from: from.toISOString(), to: to.toISOString(), groupBy }));
      if (REFERENCE_RUNS === 0) {
        console.log(`  groupBy ${groupBy.padEnd(6)} api ${api.ms.toFixed(0).padStart(5)} ms   (reference skipped)`);
        continue;
      }
      const ref = await time(REFERENCE_RUNS, () => reference(b.app.ds, groupBy, from, to));
      const same = JSON.stringify(comparable(api.answer.conversionMetrics)) === JSON.stringify(comparable(ref.answer));
      if (!same) {
        console.error(JSON.stringify(comparable(api.answer.conversionMetrics)).slice(0, 2000));
        console.error(JSON.stringify(comparable(ref.answer)).slice(0, 2000));
        throw new Error(`${store} ${groupBy}: the API and the reference disagree`);
      }
      console.log(
        `  groupBy ${groupBy.padEnd(6)} api ${api.ms.toFixed(0).padStart(5)} ms   reference ` +
          `${ref.ms.toFixed(0).padStart(5)} ms   ratio ${(api.ms / ref.ms).toFixed(2)}   (same answer, ` +
          `${api.answer.conversionMetrics.groups.length} groups)`,
      );
    }
  } finally {
    await b.stop();
  }
}

runBench(
  `bench/metrics: ${CONTACTS} contacts, ${TRANSITIONS} transitions, median of ${RUNS} runs (reference: ` +
    `${REFERENCE_RUNS}) after a warm-up, GraphQL over HTTP (NODE_ENV=production)`,
  runStore,
);
