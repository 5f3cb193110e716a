/**
 * Activity ids: UUIDv7 (RFC 9562), time-ordered. Ids taken later sort later
 * (a 12-bit counter orders those taken in the same millisecond), so
 * - ties in occurredAt break by id the way ingestion met them: a full
 *   recompute (rescore, backdated activity) makes the same cap decisions as
 *   the incremental scoring did;
 * - inserts land at the end of the primary key instead of at random pages.
 */
import { randomBytes } from 'node:crypto';

let lastMs = 0;
let counter = 0;
/** `tttttttt-tttt-7` for lastMs: every id taken in one millisecond shares it. */
let prefix = '';
/** The 12-bit counter as 3 hex digits, by value. */
const COUNTER_HEX = Array.from({ length: 0x1000 }, (_, i) => i.toString(16).padStart(3, '0'));
/** The RFC 4122 variant digit (8, 9, a or b) carrying two random bits, by the char code of a random hex digit. */
const VARIANT: string[] = [];
for (const c of '0123456789abcdef') VARIANT[c.charCodeAt(0)] = '89ab'[parseInt(c, 16) & 3];
/** Random hex drawn 8 KiB at a time: one draw per id costs more than the rest of the id. */
const POOL_BYTES = 8192;
let pool = '';
let poolAt = 0;

function randomHex16(): string {
  if (poolAt + 16 > pool.length) {
    pool = randomBytes(POOL_BYTES).toString('hex');
    poolAt = 0;
  }
  poolAt += 16;
  return pool.slice(poolAt - 16, poolAt);
}

function setTime(ms: number): void {
  lastMs = ms;
  counter = 0;
  const time = ms.toString(16).padStart(12, '0');
  prefix = `${time.slice(0, 8)}-${time.slice(8)}-7`;
}

/** A new activity id, greater than every id this process took before. */
export function newActivityId(now: number = Date.now()): string {
  if (now > lastMs) setTime(now);
  // More than 4096 ids in one millisecond: borrow the next one so order holds.
  else if (++counter > 0xfff) setTime(lastMs + 1);
  const r = randomHex16();
  return `${prefix}${COUNTER_HEX[counter]}-${VARIANT[r.charCodeAt(0)]}${r.slice(1, 4)}-${r.slice(4)}`;
}
