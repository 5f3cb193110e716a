/** The stay columns of stays.ts as stage_transitions columns and row values, for every raw writer of transitions. */
import { type SqlValue } from '../../db/bulk';
import { dbDate } from '../../db/portable';
import type { StayColumns } from './stays';

/** The stage_transitions columns holding StayColumns, in `stayValues` order. */
export const STAY_COLUMNS = ['previous_entry_at', 'left_at', 'converted_at'];

const dbDateOrNull = (ms: number | null): string | null => (ms === null ? null : dbDate(ms));

/** A transition's stay columns as row values, in STAY_COLUMNS order. */
export function stayValues(stay: StayColumns): SqlValue[] {
  return [dbDateOrNull(stay.previousEntryAt), dbDateOrNull(stay.leftAt), dbDateOrNull(stay.convertedAt)];
}

/** A contact's first_transition_at as a row value. */
export function firstTransitionValue(ms: number | null): SqlValue {
  return dbDateOrNull(ms);
}
