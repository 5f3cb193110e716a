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
  const rand = randomBytes(8);
  rand[0] = (rand[0] & 0x3f) | 0x80; // RFC 4122 variant
  const tail = rand.toString('hex');
  return `${time.slice(0, 8)}-${time.slice(8)}-7${counter.toString(16).padStart(3, '0')}-${tail.slice(0, 4)}-${tail.slice(4)}`;
}
