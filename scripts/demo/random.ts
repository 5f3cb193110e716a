/**
 * Seedable randomness for the demo, benchmarks and fuzz tests: the same seed
 * gives the same data on every run and machine.
 */

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** mulberry32: a small, fast, seedable PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One of `items`, with probability proportional to its weight. */
export function weighted<T>(rand: () => number, items: readonly (readonly [T, number])[]): T {
  const total = items.reduce((s, [, w]) => s + w, 0);
  let r = rand() * total;
  for (const [item, w] of items) if ((r -= w) < 0) return item;
  return items[items.length - 1][0];
}

/** One of `items`, uniformly. */
export function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)];
}

/** Exponentially distributed delay (ms) with the given mean in days, at least an hour. */
export function delay(rand: () => number, meanDays: number): number {
  return Math.max(HOUR, Math.round(-Math.log(1 - rand()) * meanDays * DAY));
}
