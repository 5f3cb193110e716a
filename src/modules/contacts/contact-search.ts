/**
 * The search prefix on its own, in the default order: the page and the count read the four prefix columns' indexes
 * (column, created_at, id) and nothing else until the page's contacts are known (migration 1775300000000).
 */
import type { DataSource } from 'typeorm';
import { Contact, type ValuesFilter } from '../../model';
import { selectEntities } from '../../db/hydrate';
import { dialectOf, prefixRange } from '../../db/portable';
import { badInput } from '../../graphql/errors';
import { type KeysetOrder, type Page, keysetCondition, toPage } from '../../graphql/pagination';

/** The lower-cased columns the search prefix matches. */
export const SEARCH_COLUMNS = ['email', 'first_name_key', 'last_name_key', 'sort_company'];

/** The search prefix as typed: trimmed and lower-cased (the columns hold lower-cased values). */
export function searchPrefix(search: string): string {
  if (search.length > 191) throw badInput('filter.search', 'must be at most 191 characters');
  return search.trim().toLowerCase();
}

/**
 * The prefix when the list is the search alone (no other filter, no partner scope) in CREATED_AT order: the case the
 * search indexes answer without reading a contact row per match. Any other filter needs each match's row, and the
 * general list reads them. Null otherwise.
 */
export function plainSearchOf(filter: ValuesFilter, scoped: boolean, orderField: string): string | null {
  if (scoped || orderField !== 'CREATED_AT' || !filter.search?.trim()) return null;
  const alone = Object.entries(filter).every(([field, value]) => field === 'search' || value == null);
  return alone ? searchPrefix(filter.search) : null;
}

/**
 * Each match once, as (id, created_at): a UNION of one index range per column. UNION, not OR: the OR of four ranges
 * reads every match's row (MariaDB's index_merge, SQLite's multi-index OR) where the union reads index entries only.
 */
function matches(ds: DataSource, prefix: string): { sql: string; params: string[] } {
  const ranges = SEARCH_COLUMNS.map((column) => prefixRange(dialectOf(ds), column, prefix));
  return {
    sql: ranges.map((r) => `SELECT id, created_at FROM contacts WHERE ${r.sql}`).join(' UNION '),
    params: ranges.flatMap((r) => r.params),
  };
}

/**
 * One page of the contacts matching `prefix`, newest (or oldest) first, with the same cursors as the general list's
 * CREATED_AT order (`order`); the count, when asked, is a second statement over the same union.
 */
export async function plainSearchPage(
  ds: DataSource,
  prefix: string,
  order: KeysetOrder<Contact>,
  first: number,
  after: string | null | undefined,
  count: boolean,
): Promise<Page<Contact>> {
  const union = matches(ds, prefix);
  const params: unknown[] = [...union.params];
  const bind = (value: unknown) => {
    params.push(value);
    return '?';
  };
  const outer: KeysetOrder<Contact> = { ...order, column: 's.created_at', idColumn: 's.id' };
  const where = after ? `WHERE ${keysetCondition(outer, after, bind)}` : '';
  const dir = order.direction;
  // The page and the count at once: on MySQL they go out on two pooled connections.
  const [rows, totalCount] = await Promise.all([
    selectEntities(
      ds.manager,
      Contact,
      `SELECT c.* FROM (SELECT s.id FROM (${union.sql}) s ${where} ORDER BY s.created_at ${dir}, s.id ${dir} ` +
        `LIMIT ${first + 1}) t JOIN contacts c ON c.id = t.id ORDER BY c.created_at ${dir}, c.id ${dir}`,
      params,
    ),
    count ? ds.query(`SELECT COUNT(*) AS n FROM (${union.sql}) s`, union.params).then(([row]) => Number(row.n)) : 0,
  ]);
  return toPage(rows, first, order.cursor, totalCount);
}
