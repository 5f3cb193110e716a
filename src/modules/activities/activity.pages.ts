/** Pages of activities for many contacts at once: what a contacts list's `activities(first: N)` reads. */
import { type DataSource } from 'typeorm';
import { Activity } from '../../model';
import { type KeysetOrder, type Page, keysetCondition, toPage } from '../../graphql/pagination';
import { dbDate, inList } from '../../db/portable';
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

function newestFirst(a: Activity, b: Activity): number {
  return b.occurredAt.getTime() - a.occurredAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/** What every contact's page is asked for. */
export interface ActivityPageArgs {
  first: number;
  after?: string | null;
  type?: string | null;
  /** Count each contact's activities (totalCount); false leaves totalCount 0. */
  count: boolean;
}

const WINDOW = 'PARTITION BY a.contact_id ORDER BY a.occurred_at DESC, a.id DESC';
/** Terms of one UNION ALL: SQLite's limit on compound SELECTs is 500 (above MAX_PAGE_SIZE's default). */
const TERMS = 500;

/**
 * Pages of activities for many contacts in one statement (one per 500
 * contacts): a UNION ALL of each contact's first + 1 activities, each term
 * one backward walk of ix_activities_contact_occurred (contact_id,
 * occurred_at, id) for the ids, then their rows by primary key, with the
 * contact's count beside them when asked. The walk keeps only index columns:
 * a derived table holding `properties` (longtext) is written to disk by
 * MariaDB, one temporary table per term. A count after a cursor needs every activity of
 * the contact anyway (and a row to carry it when none follows the cursor):
 * there one window statement ranks them.
 */
export async function activityPages(
  ds: DataSource,
  contactIds: readonly string[],
  args: ActivityPageArgs,
): Promise<Map<string, Page<Activity>>> {
  const out = new Map<string, Page<Activity>>();
  const rows: Record<string, unknown>[] = [];
  for (let i = 0; i < contactIds.length; i += TERMS) {
    const ids = contactIds.slice(i, i + TERMS);
    const { sql, params } = args.after && args.count ? windowSql(ids, args) : unionSql(ids, args);
    rows.push(...(await ds.query(sql, params)));
  }
  const activities = hydrate(ds.manager, Activity, rows);
  const byContact = new Map<string, Activity[]>();
  const totals = new Map<string, number>();
  activities.forEach((a, i) => {
    if (args.count) totals.set(a.contactId, Number(rows[i].total));
    if (Number(rows[i].fwd ?? 1) === 1) byContact.set(a.contactId, [...(byContact.get(a.contactId) ?? []), a]);
  });
  for (const id of contactIds) {
    // A join does not promise the walk's order: newest first again, as the keyset reads them.
    const list = (byContact.get(id) ?? []).sort(newestFirst);
    const page = toPage(list, args.first, NEWEST_FIRST.cursor, totals.get(id) ?? 0);
    out.set(id, page);
  }
  return out;
}

/** The cursor's condition with its parameters (none without a cursor). */
function afterCursor(args: ActivityPageArgs): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const sql = args.after
    ? ` AND ${keysetCondition(NEWEST_FIRST, args.after, (v) => {
        params.push(v);
        return '?';
      })}`
    : '';
  return { sql, params };
}

function unionSql(contactIds: readonly string[], args: ActivityPageArgs): { sql: string; params: unknown[] } {
  const type = args.type ? ' AND a.type = ?' : '';
  const typeParams = args.type ? [args.type] : [];
  const after = afterCursor(args);
  const count = args.count
    ? `, (SELECT COUNT(*) FROM activities n WHERE n.contact_id = a.contact_id${type.replace('a.', 'n.')}) ` + `AS total`
    : '';
  // The limit written as a literal (`first` is a checked integer): SQLite plans a bound LIMIT per term at about
  // twice the CPU of a constant one.
  const ids =
    `SELECT a.id FROM activities a WHERE a.contact_id = ?${type}${after.sql} ` +
    `ORDER BY a.occurred_at DESC, a.id DESC LIMIT ${Number(args.first) + 1}`;
  const term = `SELECT a.*${count} FROM (${ids}) t JOIN activities a ON a.id = t.id`;
  const params = contactIds.flatMap((id) => [...(args.count ? typeParams : []), id, ...typeParams, ...after.params]);
  return { sql: contactIds.map(() => term).join(' UNION ALL '), params };
}

function windowSql(contactIds: readonly string[], args: ActivityPageArgs): { sql: string; params: unknown[] } {
  const params: unknown[] = [...contactIds];
  let where = `a.contact_id IN ${inList(contactIds.length)}`;
  if (args.type) {
    where += ' AND a.type = ?';
    params.push(args.type);
  }
  const after = afterCursor(args).sql.slice(' AND '.length);
  const { params: afterParams } = afterCursor(args);
  const fwd = `CASE WHEN ${after} THEN 1 ELSE 0 END`;
  const sql =
    `SELECT * FROM (SELECT a.*, COUNT(*) OVER (PARTITION BY a.contact_id) AS total, ${fwd} AS fwd, SUM(${fwd}) ` +
    `OVER (${WINDOW} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS rn, ROW_NUMBER() OVER (${WINDOW}) AS ` +
    `pos FROM activities a WHERE ${where}) ranked WHERE (fwd = 1 AND rn <= ?) OR pos = 1 ORDER BY contact_id, ` +
    `pos`;
  return { sql, params: [...afterParams, ...afterParams, ...params, args.first + 1] };
}
