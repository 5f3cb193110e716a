/** Checks the window and horizon every insight takes, with errors naming the argument. */
import { badInput } from '../../graphql/errors';
import type { Window } from './simulation';
import { DAY_MS } from '../../config/units';

/** Longest horizon accepted (days). */
export const MAX_HORIZON_DAYS = 365;

/** Longest window accepted (days): ten years, so weekly figures stay a list a client can read. */
export const MAX_WINDOW_DAYS = 3660;

/** The window in epoch ms, or BAD_USER_INPUT naming `from`, `to` or `horizonDays` (`prefix` for nested inputs). */
export function checkWindow(from: Date, to: Date, horizonDays: number, prefix = ''): Window {
  if (Number.isNaN(from.getTime())) throw badInput(`${prefix}from`, 'must be a date');
  if (Number.isNaN(to.getTime())) throw badInput(`${prefix}to`, 'must be a date');
  if (to.getTime() <= from.getTime()) throw badInput(`${prefix}to`, 'must be after from');
  if (to.getTime() - from.getTime() > MAX_WINDOW_DAYS * DAY_MS)
    throw badInput(`${prefix}to`, `must be at most ${MAX_WINDOW_DAYS} days after from`);
  if (!Number.isInteger(horizonDays) || horizonDays < 1 || horizonDays > MAX_HORIZON_DAYS)
    throw badInput(`${prefix}horizonDays`, `must be an integer from 1 to ${MAX_HORIZON_DAYS}`);
  return { from: from.getTime(), to: to.getTime(), horizonDays };
}
