/** Opaque keyset cursors, keyset conditions and page-size checks shared by every connection. */
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { badInput } from './errors';
import { hydrateAliased } from '../db/hydrate';

/** Encodes the sort key and id of a row; equal sort keys stay stable because the id breaks ties. */
export function encodeCursor(values: (string | number | null)[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

/**
 * What each position of a cursor holds: `time` epoch milliseconds of a
 * valid date, `int` a safe integer, `serial` a row number (integer or its
 * digits), `key` a string id of at most 191 characters; with `?`, also
 * null (a sort column that may be null).
 */
export type CursorPart = 'time' | 'int' | 'serial' | 'key' | 'time?' | 'key?';

const MAX_TIME_MS = 8.64e15;

function fits(part: CursorPart, v: unknown): boolean {
  switch (part) {
    case 'time?':
      return v === null || fits('time', v);
    case 'key?':
      return v === null || fits('key', v);
    case 'time':
      return Number.isSafeInteger(v) && Math.abs(v as number) <= MAX_TIME_MS;
    case 'int':
      return Number.isSafeInteger(v);
    case 'serial':
      return (Number.isSafeInteger(v) && (v as number) >= 0) || (typeof v === 'string' && /^\d{1,18}$/.test(v));
    case 'key':
      return typeof v === 'string' && v.length > 0 && v.length <= 191 && !v.includes('\u0000');
  }
}

/**
 * Decodes a cursor made by encodeCursor whose values have the given shape,
 * or throws BAD_USER_INPUT naming `field`: a cursor is client input, and a
 * well-formed one with the wrong value types must not reach the store.
 */
export function decodeCursor(cursor: string, shape: CursorPart[], field = 'after'): (string | number | null)[] {
  try {
    const values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(values) && values.length === shape.length && shape.every((part, i) => fits(part, values[i])))
      return values;
  } catch {
    // fall through to the error below
  }
  throw badInput(field, 'is not a cursor this list returned');
}

/** Checks `first` against 0..max. */
export function checkFirst(first: number, max: number, field = 'first'): number {
  if (!Number.isInteger(first) || first < 0) throw badInput(field, 'must be a non-negative integer');
  if (first > max) throw badInput(field, `must be at most ${max}`, { limit: max });
  return first;
}

/** A page of rows plus what a Connection needs. */
export interface Page<T> {
  nodes: T[];
  cursors: string[];
  hasNextPage: boolean;
  totalCount: number;
}

/** A cursor value: a sort key (epoch ms for times) or an id. */
export type CursorValue = string | number | null;

/**
 * A keyset order: one sort column, then the id, both in `direction`, served
 * by an index on (..., column, id) walked forwards or backwards.
 */
export interface KeysetOrder<T> {
  column: string;
  idColumn: string;
  direction: 'ASC' | 'DESC';
  /** What the cursor holds: the sort value's part, then the id's. */
  parts: [CursorPart, CursorPart];
  /** The sort value and id a row's cursor carries. */
  cursor: (row: T) => [CursorValue, string | number];
  /** The SQL value of a cursor's sort value (a database date for epoch ms); as is by default. */
  bind?: (v: string | number) => unknown;
  /** The column may be NULL: both stores put NULLs first ascending and last descending. */
  nullable?: boolean;
}

/**
 * The condition for rows after a cursor. A bound on the column comes first
 * (`col <= v AND (col < v OR id < cid)`) so both stores read one index range
 * from the cursor on; NULL sort values form one block ordered by id.
 * `bind` turns a value into a placeholder (and records the parameter).
 */
export function keysetCondition<T>(
  order: KeysetOrder<T>,
  after: string,
  bind: (value: unknown) => string,
  field = 'after',
): string {
  const [v, id] = decodeCursor(after, order.parts, field);
  const { column: col, idColumn: idCol } = order;
  const asc = order.direction === 'ASC';
  // Placeholders are bound in the order they appear (positional parameters).
  if (v === null)
    return asc
      ? `((${col} IS NULL AND ${idCol} > ${bind(id)}) OR ${col} IS NOT NULL)`
      : `(${col} IS NULL AND ${idCol} < ${bind(id)})`;
  const value = order.bind ? order.bind(v) : v;
  const [cmp, bound] = asc ? ['>', '>='] : ['<', '<='];
  const base = `(${col} ${bound} ${bind(value)} AND (${col} ${cmp} ${bind(value)} OR ${idCol} ${cmp} ${bind(id)}))`;
  return order.nullable && !asc ? `(${base} OR ${col} IS NULL)` : base;
}

/** Cursors and hasNextPage of rows read with LIMIT first + 1. */
export function toPage<T>(rows: T[], first: number, cursor: (row: T) => CursorValue[], totalCount = 0): Page<T> {
  const nodes = rows.slice(0, first);
  return { nodes, cursors: nodes.map((r) => encodeCursor(cursor(r))), hasNextPage: rows.length > first, totalCount };
}

/**
 * One keyset page of a query builder's rows: after the cursor, in the
 * order, `first` rows plus whether more follow. The caller applies filters
 * (and counts, when asked) before.
 */
export async function keysetPage<T extends ObjectLiteral>(
  qb: SelectQueryBuilder<T>,
  order: KeysetOrder<T>,
  first: number,
  after: string | null | undefined,
  totalCount = 0,
): Promise<Page<T>> {
  if (after) {
    const params: Record<string, unknown> = {};
    const bind = (value: unknown) => {
      const name = `ks${Object.keys(params).length}`;
      params[name] = value;
      return `:${name}`;
    };
    qb.andWhere(keysetCondition(order, after, bind), params);
  }
  const raw = await qb
    .orderBy(order.column, order.direction)
    .addOrderBy(order.idColumn, order.direction)
    .limit(first + 1)
    .getRawMany();
  // The rows as getMany() would give them, without its per-row transformer (a list page's largest JS cost).
  const main = qb.expressionMap.mainAlias!;
  const rows = hydrateAliased<T>(qb.connection.manager, main.target, main.name, raw);
  return toPage(rows, first, order.cursor, totalCount);
}
