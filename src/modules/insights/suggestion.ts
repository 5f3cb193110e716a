/**
 * Suggested points, pure: observations are split by time (train on the
 * earlier anchors, test on the later ones), a logistic regression of
 * "reached SQL within the horizon" on the rules' features is fitted on the
 * training part, its coefficients are scaled to points so that the MQL
 * threshold keeps about the same MQL volume, and both the current points and
 * the suggestion are judged on the test part (AUC, calibration).
 *
 * The split never leaks: a training contact's anchor lies at least
 * `horizonDays` before the split, so its features and its label were both
 * known before any test contact entered the window.
 */
import { type Rule } from '../scoring';
import { DAY_MS } from '../../config/units';
import { type LogisticModel, type WeightedRow, fitLogistic, predict } from './logistic';
import { type Scored, auc } from './stats';
import type { Observation } from './observation';
import type { Window } from './simulation';

/** Share of the usable span (window minus horizon) the training anchors take. */
export const TRAIN_SHARE = 0.7;

/** The time-based holdout: training anchors in [from, trainTo], test anchors in [testFrom, to]. */
export interface Holdout {
  trainTo: number;
  testFrom: number;
}

/** The split for a window, or null when the window is not longer than the horizon. */
export function holdoutOf(window: Window): Holdout | null {
  const horizon = window.horizonDays * DAY_MS;
  const usable = window.to - window.from - horizon;
  if (usable <= 0) return null;
  const trainTo = window.from + Math.floor(TRAIN_SHARE * usable);
  return { trainTo, testFrom: trainTo + horizon };
}

type Part = 'train' | 'test';

/** Aggregates observations by feature vector, per part (and all of them, for scaling). */
export class SuggestionTally {
  readonly parts: Record<Part | 'all', Map<string, WeightedRow>> = {
    train: new Map(),
    test: new Map(),
    all: new Map(),
  };

  constructor(private readonly holdout: Holdout) {}

  /** Which part an anchor falls in (null: in the gap between them). */
  partOf(anchor: number): Part | null {
    if (anchor <= this.holdout.trainTo) return 'train';
    if (anchor >= this.holdout.testFrom) return 'test';
    return null;
  }

  add(o: Observation): void {
    const part = this.partOf(o.anchor);
    const positive = o.sqlAt !== null ? 1 : 0;
    const key = o.x.join(',');
    for (const name of part ? [part, 'all' as const] : ['all' as const]) {
      const map = this.parts[name];
      const row = map.get(key);
      if (row) {
        row.weight++;
        row.positives += positive;
      } else map.set(key, { x: o.x, weight: 1, positives: positive });
    }
  }
}

/** A band of the calibration table. */
export interface CalibrationBand {
  minProbability: number;
  maxProbability: number;
  contacts: number;
  predictedRate: number;
  actualRate: number;
  minPoints: number;
  maxPoints: number;
}

/** What suggestScoring returns (rules in the order given). */
export interface Suggestion {
  points: number[];
  coefficients: number[];
  /** Points per unit of log-odds. */
  scale: number;
  model: LogisticModel;
  currentAuc: number | null;
  suggestedAuc: number | null;
  calibration: CalibrationBand[];
  train: { contacts: number; reachedSql: number };
  test: { contacts: number; reachedSql: number };
  /**
   * Contacts of the window at or above the MQL threshold, by the current points and by the suggested ones (features
   * over the window).
   */
  mqlsCurrent: number;
  mqlsSuggested: number;
}

function score(points: number[], x: number[]): number {
  return points.reduce((s, p, j) => s + p * x[j], 0);
}

function countAtOrAbove(rows: WeightedRow[], points: number[], threshold: number): number {
  return rows.reduce((s, r) => (score(points, r.x) >= threshold ? s + r.weight : s), 0);
}

/** Expands weighted rows into AUC examples (positives and negatives of one vector share its score). */
function examples(rows: WeightedRow[], scoreOf: (x: number[]) => number): Scored[] {
  return rows.flatMap((r) => {
    const s = scoreOf(r.x);
    return [
      { score: s, positive: true, weight: r.positives },
      { score: s, positive: false, weight: r.weight - r.positives },
    ];
  });
}

/**
 * The scale (points per log-odds) whose rounded points put as many of the
 * window's contacts at or above the threshold as the current points do:
 * bisection on the count, which grows with the scale while the contacts
 * that matter have positive log-odds.
 */
function scaleFor(rows: WeightedRow[], coefficients: number[], current: number[], threshold: number): number {
  const target = countAtOrAbove(rows, current, threshold);
  const pointsAt = (k: number) => coefficients.map((c) => Math.round(c * k));
  let lo = 0;
  let hi = 1;
  while (hi < 1e6 && countAtOrAbove(rows, pointsAt(hi), threshold) < target) hi *= 2;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (countAtOrAbove(rows, pointsAt(mid), threshold) < target) lo = mid;
    else hi = mid;
  }
  return hi;
}

function calibration(rows: WeightedRow[], model: LogisticModel, points: number[]): CalibrationBand[] {
  const bands = Array.from({ length: 10 }, (_, i) => ({
    lo: i / 10,
    hi: (i + 1) / 10,
    n: 0,
    k: 0,
    p: 0,
    min: Infinity,
    max: -Infinity,
  }));
  for (const r of rows) {
    const p = predict(model, r.x);
    const b = bands[Math.min(9, Math.floor(p * 10))];
    const s = score(points, r.x);
    b.n += r.weight;
    b.k += r.positives;
    b.p += p * r.weight;
    b.min = Math.min(b.min, s);
    b.max = Math.max(b.max, s);
  }
  return bands
    .filter((b) => b.n > 0)
    .map((b) => ({
      minProbability: b.lo,
      maxProbability: b.hi,
      contacts: b.n,
      predictedRate: b.p / b.n,
      actualRate: b.k / b.n,
      minPoints: b.min,
      maxPoints: b.max,
    }));
}

/** Fits, scales and evaluates; null when either part lacks a class (nothing to learn or to judge). */
export function suggest(tally: SuggestionTally, rules: Rule[], threshold: number): Suggestion | null {
  const train = [...tally.parts.train.values()];
  const test = [...tally.parts.test.values()];
  const all = [...tally.parts.all.values()];
  const sum = (rows: WeightedRow[]) => ({
    contacts: rows.reduce((s, r) => s + r.weight, 0),
    reachedSql: rows.reduce((s, r) => s + r.positives, 0),
  });
  const trainCounts = sum(train);
  if (trainCounts.reachedSql === 0 || trainCounts.reachedSql === trainCounts.contacts) return null;
  // A light ridge on standardised coefficients keeps a rule that separates perfectly (or never fires) finite.
  const model = fitLogistic(train, { ridge: 1 });
  const current = rules.map((r) => r.points);
  const scale = scaleFor(all, model.coefficients, current, threshold);
  const points = model.coefficients.map((c) => Math.round(c * scale));
  return {
    points,
    coefficients: model.coefficients,
    scale,
    model,
    currentAuc: auc(examples(test, (x) => score(current, x))),
    suggestedAuc: auc(examples(test, (x) => predict(model, x))),
    calibration: calibration(test, model, points),
    train: trainCounts,
    test: sum(test),
    mqlsCurrent: countAtOrAbove(all, current, threshold),
    mqlsSuggested: countAtOrAbove(all, points, threshold),
  };
}
