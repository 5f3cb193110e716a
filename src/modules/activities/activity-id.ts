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
/** Random bytes drawn 8 KiB at a time: one draw per id costs more than the rest of the id. */
const POOL_BYTES = 8192;
let pool = Buffer.alloc(0);
let poolAt = POOL_BYTES;

function random8(): Buffer {
  if (poolAt + 8 > pool.length) {
    pool = randomBytes(POOL_BYTES);
    poolAt = 0;
  }
  poolAt += 8;
  return pool.subarray(poolAt - 8, poolAt);
}

/** A new activity id, greater than every id this process took before. */
export function newActivityId(now: number = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    counter = 0;
  } else if (++counter > 0xfff) {
    // More than 4096 ids in one millisecond: borrow the next one so order holds.
    lastMs++;
    counter = 0;
  }
  const time = lastMs.toString(16).padStart(12, '0');
  const rand = random8();
  const tail = ((rand[0] & 0x3f) | 0x80).toString(16) + rand.toString('hex', 1); // RFC 4122 variant
  return `${time.slice(0, 8)}-${time.slice(8)}-7${counter.toString(16).padStart(3, '0')}-${tail.slice(0, 4)}-${tail.slice(4)}`;
}
