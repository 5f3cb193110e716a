/** Opaque keyset cursors and page-size checks shared by every connection. */
import { badInput } from './errors';

/** Encodes the sort key and id of a row; equal sort keys stay stable because the id breaks ties. */
export function encodeCursor(values: (string | number | null)[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

/** Decodes a cursor made by encodeCursor with `arity` values, or throws BAD_USER_INPUT naming `field`. */
export function decodeCursor(cursor: string, arity: number, field = 'after'): (string | number | null)[] {
  try {
    const values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(values) && values.length === arity && values.every((v) => v === null || typeof v === 'string' || typeof v === 'number')) return values;
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
