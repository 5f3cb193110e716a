/** Opaque keyset cursors and page-size checks shared by every connection. */
import { badInput } from './errors';

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
