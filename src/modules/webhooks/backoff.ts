/**
 * The retry schedule of webhook deliveries (pure). A failed attempt is
 * retried after an exponentially growing delay with ±20 % jitter, so
 * endpoints that failed together do not all come back at the same instant;
 * once the next attempt would fall more than RETRY_WINDOW_MS after the
 * message's first attempt, delivery gives up and the endpoint is disabled.
 */
import { DAY_MS } from '../../config/units';

/** Delay before the first retry (WEBHOOK_FIRST_RETRY_MS may set another; benchmarks shorten it). */
export const FIRST_RETRY_MS = 5_000;
/** Longest delay between two attempts. */
export const MAX_RETRY_MS = 6 * 3600_000;
/** How long a message is retried, from its first attempt. */
export const RETRY_WINDOW_MS = 3 * DAY_MS;
/** Jitter: the delay is multiplied by a factor in [1 - JITTER, 1 + JITTER). */
export const JITTER = 0.2;

/** The nominal delay after the `failures`-th failed attempt (1-based): 5 s, 10 s, 20 s, ... capped at 6 h. */
export function nominalDelayMs(failures: number, firstRetryMs = FIRST_RETRY_MS): number {
  return Math.min(MAX_RETRY_MS, firstRetryMs * 2 ** Math.max(0, failures - 1));
}

/** The jittered delay; `random` is a number in [0, 1). */
export function retryDelayMs(failures: number, random: number, firstRetryMs = FIRST_RETRY_MS): number {
  return Math.round(nominalDelayMs(failures, firstRetryMs) * (1 - JITTER + 2 * JITTER * random));
}

/** What follows a failed attempt. */
export type AfterFailure = { retryAt: number } | { giveUp: true };

/**
 * Decides the next attempt after `failures` failed attempts, the last one at
 * `now`, of a message first attempted at `firstAttemptAt` (epoch ms).
 */
export function afterFailure(
  failures: number,
  firstAttemptAt: number,
  now: number,
  random: number,
  firstRetryMs = FIRST_RETRY_MS,
): AfterFailure {
  const retryAt = now + retryDelayMs(failures, random, firstRetryMs);
  return retryAt - firstAttemptAt > RETRY_WINDOW_MS ? { giveUp: true } : { retryAt };
}
