/** Pages of activities for many contacts at once: what a contacts list's `activities(first: N)` reads. */
import { DataSource } from 'typeorm';
import { Activity } from './activity.entity';
import { KeysetOrder, Page, keysetCondition, toPage } from '../../graphql/pagination';
import { dbDate } from '../../db/portable';
import { hydrate } from '../../db/hydrate';

/** Newest first, as the contract says; ix_activities_contact_occurred (contact_id, occurred_at, id) serves it. */
const NEWEST_FIRST: KeysetOrder<Activity> = {
  column: 'a.occurred_at',
  idColumn: 'a.id',
  direction: 'DESC',
  parts: ['time', 'key'],
  cursor: (a) => [a.occurredAt.getTime(), a.id],
  bind: (v) => dbDate(Number(v)),
};

/** What every contact's page is asked for. */
export interface ActivityPageArgs {
  first: number;
  after?: string | null;
  type?: string | null;
  /** Count each contact's activities (totalCount); false leaves totalCount 0. */
  count: boolean;
}

const WINDOW = 'PARTITION BY a.contact_id ORDER BY a.occurred_at DESC, a.id DESC';

/**
 * One statement for any number of contacts: each contact's first + 1
 * activities ranked per contact by a window (ROW_NUMBER, or with a cursor
 * and a count, a running count of the rows after the cursor), and, when
 * asked, each contact's total by COUNT(*) OVER, which counts every activity
 * whatever the cursor (a row per contact carries it when none follows the cursor).
 */
export async function activityPages(
  ds: DataSource,
  contactIds: readonly string[],
  args: ActivityPageArgs,
): Promise<Map<string, Page<Activity>>> {
  const out = new Map<string, Page<Activity>>();
  if (contactIds.length === 0) return out;
  const { sql, params } = pagesSql(contactIds, args);
  const rows: Record<string, unknown>[] = await ds.query(sql, params);
  const activities = hydrate(ds.manager, Activity, rows);
  const byContact = new Map<string, Activity[]>();
  const totals = new Map<string, number>();
  activities.forEach((a, i) => {
    if (args.count) totals.set(a.contactId, Number(rows[i].total));
    if (Number(rows[i].fwd ?? 1) === 1) byContact.set(a.contactId, [...(byContact.get(a.contactId) ?? []), a]);
  });
  for (const id of contactIds) {
    const page = toPage(byContact.get(id) ?? [], args.first, NEWEST_FIRST.cursor, totals.get(id) ?? 0);
    out.set(id, page);
  }
  return out;
}

function pagesSql(contactIds: readonly string[], args: ActivityPageArgs): { sql: string; params: unknown[] } {
  const whereParams: unknown[] = [...contactIds];
  let where = `a.contact_id IN (${contactIds.map(() => '?').join(', ')})`;
  if (args.type) {
    where += ' AND a.type = ?';
    whereParams.push(args.type);
  }
  const afterParams: unknown[] = [];
  const after = args.after
    ? keysetCondition(NEWEST_FIRST, args.after, (v) => {
        afterParams.push(v);
        return '?';
      })
    : null;
  const ordered = (rows: string) => `SELECT * FROM (${rows}) ranked WHERE rn <= ? ORDER BY contact_id, rn`;
  if (!args.count) {
    const sql = ordered(
      `SELECT a.*, ROW_NUMBER() OVER (${WINDOW}) AS rn FROM activities a WHERE ${where}${after ? ` AND ${after}` : ''}`,
    );
    return { sql, params: [...whereParams, ...afterParams, args.first + 1] };
  }
  const total = 'COUNT(*) OVER (PARTITION BY a.contact_id) AS total';
  if (!after)
    return {
      sql: ordered(`SELECT a.*, ${total}, ROW_NUMBER() OVER (${WINDOW}) AS rn FROM activities a WHERE ${where}`),
      params: [...whereParams, args.first + 1],
    };
  const fwd = `CASE WHEN ${after} THEN 1 ELSE 0 END`;
  const sql = `SELECT * FROM (SELECT a.*, ${total}, ${fwd} AS fwd, SUM(${fwd}) OVER (${WINDOW} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS rn, ROW_NUMBER() OVER (${WINDOW}) AS pos FROM activities a WHERE ${where}) ranked WHERE (fwd = 1 AND rn <= ?) OR pos = 1 ORDER BY contact_id, pos`;
  return { sql, params: [...afterParams, ...afterParams, ...whereParams, args.first + 1] };
}
