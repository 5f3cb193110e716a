/**
 * The SQL behind conversionMetrics, for both stores side by side. Everything
 * is set-based and only aggregates leave the database:
 *
 * - `stageStatement(q, stage)`, one per funnel stage: the contacts that
 *   entered the stage inside [from, to) (per group key and in total), how
 *   many of them reached the next funnel stage afterwards, and the medians of
 *   days in the stage and days to convert. Splitting by stage lets MySQL
 *   work on one request with several connections (the statements are
 *   CPU-bound); SQLite's one connection takes them in turn.
 * - `currentStatement(q)`: contacts in each funnel stage now.
 *
 * How an entry is measured (docs/metrics.md has a worked example): the
 * lifecycle stores, with each transition, the contact's previous entry into
 * the same stage, when the stay ended (its next transition) and when it
 * converted (its first later transition into the next funnel stage); and
 * with each contact, its first transition (lifecycle/stays.ts). A contact's
 * first entry into a stage inside the window is then the one entry there
 * whose previous entry is none or before the window: a condition on the row,
 * so a stage's samples are one index range with no grouping by contact and
 * no lookup of later transitions. A source/owner/partner breakdown groups by
 * the integer group keys each transition copies from its contact
 * (group-keys.ts) and names the groups after aggregating.
 *
 * The stores differ in how a median is picked, not in what is computed: both
 * aggregate a group's samples into an ordered list inside the database
 * (MySQL `GROUP_CONCAT(x ORDER BY x)`, SQLite `json_group_array(x ORDER BY x)`)
 * and take the mean of the middle one or two. That is one sort per group
 * and no per-row window machinery, which costs MariaDB microseconds a row.
 * The overall medians of a grouped query come from MySQL's WITH ROLLUP and
 * from a second aggregation of the materialised samples on SQLite.
 */
import { type Dialect, forceIndex, millisBetweenSql, periodStartSql } from '../../db/portable';
import type { Stage } from '../../model';
import { FUNNEL_STAGES, type GroupBy } from './metrics.definitions';

/** A statement and its positional parameters. */
export interface Statement {
  sql: string;
  params: string[];
}

/** What shapes the statements. */
export interface MetricsQuery {
  dialect: Dialect;
  groupBy: GroupBy;
  /** Window bounds, formatted with dbDate. */
  from: string;
  to: string;
  /** The partner a PARTNER key is confined to; null sees every contact. */
  partnerId: string | null;
}

/** A row of a stage statement: one per group key (is_total 0) and one for all contacts counted (is_total 1). */
export interface RawStageRow {
  /**
   * The group: a group key (a number) for source/owner/partner, a period start, or null (no grouping, or the total).
   */
  grp: string | number | null;
  /** For source/owner/partner: the group key's value (group_values), null for contacts without one. */
  label?: string | null;
  is_total: number | string;
  entered: number | string;
  converted: number | string;
  stay_median_ms: number | string | null;
  convert_median_ms: number | string | null;
}

/** A row of the current statement. */
export interface RawCurrentRow {
  stage: string;
  grp: string | number | null;
  label?: string | null;
  is_total: number | string;
  current: number | string;
}

/**
 * The key column a source/owner/partner grouping reads (group-keys.ts): the
 * contact's current value (contract), as an id of group_values, on
 * `contacts` and on each of the contact's transitions.
 */
const CONTACT_KEY: Partial<Record<GroupBy, string>> = {
  SOURCE: 'source_key',
  OWNER: 'owner_key',
  PARTNER: 'partner_key',
};

/** Whether a grouping is by a contact's source, owner or partner: its rows carry group keys, labelled at the end. */
export function groupsByContactKey(groupBy: GroupBy): boolean {
  return CONTACT_KEY[groupBy] !== undefined;
}

/**
 * Group key of a counted contact: a key column of `alias` (c or t), or the UTC week/month of `dateExpr`, or NULL
 * without grouping.
 */
function groupKeySql(q: MetricsQuery, alias: string, dateExpr: string): string {
  if (q.groupBy === 'WEEK' || q.groupBy === 'MONTH') return periodStartSql(q.dialect, dateExpr, q.groupBy);
  const column = CONTACT_KEY[q.groupBy];
  return column ? `${alias}.${column}` : 'NULL';
}

/**
 * The group a statement row belongs to, as the API names it: the value of a source/owner/partner, a period start, or
 * null.
 */
export function groupOf(q: MetricsQuery, row: { grp: string | number | null; label?: string | null }): string | null {
  if (groupsByContactKey(q.groupBy)) return row.label ?? null;
  return row.grp === null ? null : String(row.grp);
}

/** A PARTNER key's scope on `alias` (c or t) through its partner's group key, which the metric indexes cover. */
function scopeSql(q: MetricsQuery, alias: string, params: string[]): string {
  if (q.partnerId === null) return '';
  params.push(q.partnerId);
  return ` AND ${alias}.partner_key = (SELECT v.id FROM group_values v WHERE v.value = ?)`;
}

/**
 * Adds `label`, the value of a source/owner/partner group key, to a statement's rows; other statements are left as they
 * are.
 */
function labelled(q: MetricsQuery, sql: string): string {
  if (!groupsByContactKey(q.groupBy)) return sql;
  return `SELECT s.*, v.value AS label FROM (${sql}\n) s LEFT JOIN group_values v ON v.id = s.grp`;
}

/**
 * Milliseconds from `fromExpr` to `toExpr`, never negative: a contact created after its backdated first transition
 * spent 0 in PROSPECT.
 */
function elapsedSql(dialect: Dialect, fromExpr: string, toExpr: string): string {
  const ms = millisBetweenSql(dialect, fromExpr, toExpr);
  return `CASE WHEN ${ms} < 0 THEN 0 ELSE ${ms} END`;
}

/**
 * One row per contact counted for `stage`: group key, milliseconds in the
 * stage (null while still in it) and to the next funnel stage (null until
 * reached). Both come from the stay columns stored with each transition
 * (lifecycle/stays.ts), and the group keys from the transition's copy of its
 * contact's, so a stage is one range of `ix_transitions_stays` and PROSPECT
 * one range of `ix_contacts_created_at`, both covering: no statement reads a
 * table row. (Transitions of a deleted contact are deleted with it.)
 */
function samplesSql(q: MetricsQuery, stage: Stage, params: string[]): string {
  if (stage === 'PROSPECT') {
    // PROSPECT is entered by being created and left by the contact's first transition.
    params.push(q.from, q.to);
    return `
    SELECT ${groupKeySql(q, 'c', 'c.created_at')} AS grp,
      ${elapsedSql(q.dialect, 'c.created_at', 'c.first_transition_at')} AS stay_ms, NULL AS convert_ms
    FROM contacts c
    WHERE c.created_at >= ? AND c.created_at < ?${scopeSql(q, 'c', params)}`;
  }
  // A contact's first entry into the stage inside the window is its entry there whose previous entry is none or before
  // the window.
  params.push(q.from, q.to, q.from);
  return `
    SELECT ${groupKeySql(q, 't', 't.occurred_at')} AS grp,
      ${elapsedSql(q.dialect, 't.occurred_at', 't.left_at')} AS stay_ms,
      ${elapsedSql(q.dialect, 't.occurred_at', 't.converted_at')} AS convert_ms
    FROM stage_transitions t
    WHERE t.to_stage = '${stage}' AND t.occurred_at >= ? AND t.occurred_at < ?
      AND (t.previous_entry_at IS NULL OR t.previous_entry_at < ?)${scopeSql(q, 't', params)}`;
}

/**
 * MySQL/MariaDB: the aggregate keeps, of each ordered list, only its middle:
 * the (n DIV 2)-th and (n DIV 2 + 1)-th samples (just the latter when n is
 * 1), as a short VARCHAR. The median is the latter for an odd n and the mean
 * of both for an even one. Returning the whole list from the derived table
 * would give it a BLOB column, which MariaDB can only keep in an on-disk Aria
 * temporary table (in tmpdir); a short string keeps it in memory. A group
 * key of none is keyed 0 (group_values ids start at 1), so that the ROLLUP
 * row, keyed NULL, is the total; a period is never null.
 */
function mysqlAggregate(q: MetricsQuery, samples: string): string {
  const grouped = q.groupBy !== 'NONE';
  const gkey = !grouped ? "''" : groupsByContactKey(q.groupBy) ? 'COALESCE(grp, 0)' : 'grp';
  const middle = (x: string) =>
    `CAST(SUBSTRING_INDEX(SUBSTRING_INDEX(GROUP_CONCAT(${x} ORDER BY ${x}), ',', COUNT(${x}) DIV 2 + 1), ',', ` +
    `-2) AS CHAR(64))`;
  const median = (mid: string, n: string) =>
    `CASE WHEN ${n} = 0 THEN NULL WHEN ${n} % 2 = 1 THEN CAST(SUBSTRING_INDEX(${mid}, ',', -1) AS SIGNED) ` +
    `ELSE (CAST(SUBSTRING_INDEX(${mid}, ',', 1) AS SIGNED) + CAST(SUBSTRING_INDEX(${mid}, ',', -1) AS SIGNED)) / 2 END`;
  return `
SELECT ${grouped ? 'CASE WHEN gkey IS NULL THEN NULL ELSE grp END' : 'NULL'} AS grp,
  ${grouped ? 'CASE WHEN gkey IS NULL THEN 1 ELSE 0 END' : '1'} AS is_total,
  entered, converted, ${median('stay_mid', 'stay_n')} AS stay_median_ms, ${median('convert_mid', 'convert_n')} AS
    convert_median_ms
FROM (
  SELECT ${gkey} AS gkey, MIN(grp) AS grp,
    COUNT(*) AS entered, COUNT(convert_ms) AS converted,
    COUNT(stay_ms) AS stay_n, ${middle('stay_ms')} AS stay_mid,
    COUNT(convert_ms) AS convert_n, ${middle('convert_ms')} AS convert_mid
  FROM (${samples}
  ) samples
  GROUP BY gkey${grouped ? ' WITH ROLLUP' : ''}
) g`;
}

/**
 * SQLite: json_extract takes the samples at 0-based positions (n - 1) / 2 and n / 2 of the ordered array
 * (json_group_array with ORDER BY needs SQLite 3.44, bundled with better-sqlite3).
 */
function sqliteAggregate(q: MetricsQuery, samples: string): string {
  const median = (list: string, n: string) =>
    `CASE WHEN ${n} = 0 THEN NULL ELSE (json_extract(${list}, '$[' || ((${n} - 1) / 2) || ']') + ` +
    `json_extract(${list}, '$[' || (${n} / 2) || ']')) / 2.0 END`;
  const aggregate = (grp: string, isTotal: number, groupBy: string) => `
SELECT grp, is_total, entered, converted, ${median('stays', 'stay_n')} AS stay_median_ms,
  ${median('converts', 'convert_n')} AS convert_median_ms
FROM (
  SELECT ${grp} AS grp, ${isTotal} AS is_total, COUNT(*) AS entered, COUNT(convert_ms) AS converted,
    COUNT(stay_ms) AS stay_n, json_group_array(stay_ms ORDER BY stay_ms) FILTER (WHERE stay_ms IS NOT NULL) AS stays,
    COUNT(convert_ms) AS convert_n, json_group_array(convert_ms ORDER BY convert_ms) FILTER (WHERE convert_ms IS
      NOT NULL) AS converts
  FROM samples${groupBy ? ` GROUP BY ${groupBy}` : ''}
)`;
  const grouped = q.groupBy !== 'NONE';
  // A grouped query reads the samples twice (per group, then all): MATERIALIZED computes them once.
  return `
WITH samples AS ${grouped ? 'MATERIALIZED ' : ''}(${samples}
)${grouped ? `${aggregate('grp', 0, 'grp')}\nUNION ALL` : ''}${aggregate('NULL', 1, '')}`;
}

/** The statement for one funnel stage: rows of RawStageRow (a total row even when nobody entered). */
export function stageStatement(q: MetricsQuery, stage: Stage): Statement {
  const params: string[] = [];
  const samples = samplesSql(q, stage, params);
  return { sql: labelled(q, q.dialect === 'mysql' ? mysqlAggregate(q, samples) : sqliteAggregate(q, samples)), params };
}

const FUNNEL_LIST = FUNNEL_STAGES.map((s) => `'${s}'`).join(', ');

/**
 * Contacts in each funnel stage now: one total per stage and, with a
 * grouping, one row per (stage, group). A period group holds the contacts
 * whose current stay began in that week/month inside the window.
 */
export function currentStatement(q: MetricsQuery): Statement {
  const params: string[] = [];
  const totals =
    `SELECT c.stage AS stage, NULL AS grp, 1 AS is_total, COUNT(*) AS current FROM contacts c WHERE c.stage IN ` +
    `(${FUNNEL_LIST})${scopeSql(q, 'c', params)} GROUP BY c.stage`;
  if (q.groupBy === 'NONE') return { sql: totals, params };
  let window = '';
  if (q.groupBy === 'WEEK' || q.groupBy === 'MONTH') {
    window = ' AND c.stage_changed_at >= ? AND c.stage_changed_at < ?';
    params.push(q.from, q.to);
  }
  const key = groupKeySql(q, 'c', 'c.stage_changed_at');
  // ix_contacts_stage covers the group keys; a period reads the window's range of ix_contacts_stage_changed_at, which
  // covers the stage (pinned: SQLite, without statistics, would take the stage equality and read every row).
  const from = window ? forceIndex(q.dialect, 'contacts', 'c', 'ix_contacts_stage_changed_at') : 'contacts c';
  const groups =
    `SELECT c.stage, ${key}, 0, COUNT(*) FROM ${from} WHERE c.stage IN ` +
    `(${FUNNEL_LIST})${window}${scopeSql(q, 'c', params)} GROUP BY c.stage, ${key}`;
  return { sql: labelled(q, `${totals}\nUNION ALL\n${groups}`), params };
}
