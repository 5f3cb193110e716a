/**
 * Statistics the insights report, as pure functions: Wilson intervals of a
 * rate, a 95% interval of the ratio of two rates (lift), weighted ROC AUC
 * and medians. No GraphQL or ORM imports.
 */

/** z for a two-sided 95% interval. */
export const Z95 = 1.959963984540054;

/** A proportion's point estimate and interval. */
export interface Interval {
  estimate: number;
  low: number;
  high: number;
}

/** Wilson score interval of k successes out of n (95% by default); n = 0 gives [0, 1] around 0. */
export function wilson(k: number, n: number, z = Z95): Interval {
  if (n <= 0) return { estimate: 0, low: 0, high: 1 };
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { estimate: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** A ratio of two rates and its interval; null bounds are unbounded (a zero rate below). */
export interface RatioInterval {
  estimate: number | null;
  low: number | null;
  high: number | null;
}

/**
 * Lift p1/p2 of two independent rates with a 95% interval by MOVER-R
 * (Donner & Zou 2012): the Wilson intervals of both rates recovered into an
 * interval of their ratio. Unlike the log-normal (Katz) interval it stays
 * defined when a group has no successes.
 */
export function liftInterval(k1: number, n1: number, k2: number, n2: number, z = Z95): RatioInterval {
  if (n1 <= 0 || n2 <= 0) return { estimate: null, low: null, high: null };
  const a = wilson(k1, n1, z);
  const b = wilson(k2, n2, z);
  const p1 = a.estimate;
  const p2 = b.estimate;
  const estimate = p2 > 0 ? p1 / p2 : null;
  const lowDen = b.high * (2 * p2 - b.high);
  const lowDisc = (p1 * p2) ** 2 - a.low * b.high * (2 * p1 - a.low) * (2 * p2 - b.high);
  const low = lowDen > 0 && lowDisc >= 0 ? Math.max(0, (p1 * p2 - Math.sqrt(lowDisc)) / lowDen) : 0;
  const highDen = b.low * (2 * p2 - b.low);
  const highDisc = (p1 * p2) ** 2 - a.high * b.low * (2 * p1 - a.high) * (2 * p2 - b.low);
  const high = highDen > 0 && highDisc >= 0 ? (p1 * p2 + Math.sqrt(highDisc)) / highDen : null;
  return { estimate, low, high: high === null ? null : Math.max(high, estimate ?? 0) };
}

/** A scored example for AUC: its score, whether it is positive, and how many identical examples it stands for. */
export interface Scored {
  score: number;
  positive: boolean;
  weight: number;
}

/**
 * Area under the ROC curve: the probability that a random positive scores
 * above a random negative, ties counting half (Mann-Whitney). Null without
 * both classes.
 */
export function auc(examples: Scored[]): number | null {
  const sorted = [...examples].sort((a, b) => a.score - b.score);
  let pos = 0;
  let neg = 0;
  let below = 0;
  let sum = 0;
  for (let i = 0; i < sorted.length;) {
    let j = i;
    let tiePos = 0;
    let tieNeg = 0;
    for (; j < sorted.length && sorted[j].score === sorted[i].score; j++) {
      if (sorted[j].positive) tiePos += sorted[j].weight;
      else tieNeg += sorted[j].weight;
    }
    sum += tiePos * (below + tieNeg / 2);
    below += tieNeg;
    pos += tiePos;
    neg += tieNeg;
    i = j;
  }
  return pos > 0 && neg > 0 ? sum / (pos * neg) : null;
}

/** Median of the values; null when empty. */
export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
