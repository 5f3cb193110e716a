/** Dates in raw SQL: one text form both stores compare correctly, and parsing what raw queries return. */
import { DAY_MS } from '../config/units';

/** Formats a date the way both stores compare it as text/datetime: `YYYY-MM-DD HH:MM:SS.mmm` (UTC). */
export function dbDate(d: Date | number): string {
  const ms = typeof d === 'number' ? d : d.getTime();
  // Ingestion formats two dates per activity (occurredAt, createdAt): the
  // day part comes from toISOString once per day met, the time of day is
  // computed, several times faster than toISOString per call.
  const day = Math.floor(ms / DAY_MS);
  let dayText = DAY_TEXTS.get(day);
  if (dayText === undefined) {
    if (DAY_TEXTS.size >= 4096) DAY_TEXTS.clear();
    dayText = new Date(day * DAY_MS).toISOString().slice(0, 10);
    DAY_TEXTS.set(day, dayText);
  }
  const t = ms - day * DAY_MS;
  const milli = t % 1000;
  const secs = (t - milli) / 1000;
  const hh = TWO_DIGITS[Math.floor(secs / 3600)];
  const mm = TWO_DIGITS[Math.floor(secs / 60) % 60];
  const ss = TWO_DIGITS[secs % 60];
  return `${dayText} ${hh}:${mm}:${ss}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}`;
}
const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
/** `YYYY-MM-DD` of the days met lately, by day number since the epoch (bounded: cleared when full). */
const DAY_TEXTS = new Map<number, string>();

/** Parses a datetime as returned by a raw query (string on SQLite, Date or string on MySQL). */
export function parseDbDate(v: unknown): Date {
  if (v instanceof Date) return v;
  const s = String(v);
  return new Date(/[zZ]|[+-]\d\d:\d\d$/.test(s) ? s : s.replace(' ', 'T') + 'Z');
}
