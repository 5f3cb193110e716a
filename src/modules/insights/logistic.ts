/**
 * Logistic regression fitted by Newton's method (iteratively reweighted
 * least squares) with a small ridge penalty, on weighted rows (identical
 * feature vectors aggregated, so memory follows the distinct vectors, not
 * the contacts). Columns are standardised for the fit and the coefficients
 * returned on the original scale. Pure; tested against closed-form solutions.
 */

/** Rows of the design: features, how many examples share them and how many of those are positive. */
export interface WeightedRow {
  x: number[];
  weight: number;
  positives: number;
}

/** A fitted model: intercept and one coefficient per feature (log-odds per unit). */
export interface LogisticModel {
  intercept: number;
  coefficients: number[];
  iterations: number;
  converged: boolean;
}

/** Options: ridge strength on the standardised coefficients (not the intercept), iteration cap and tolerance. */
export interface FitOptions {
  ridge?: number;
  maxIterations?: number;
  tolerance?: number;
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** Solves A x = b (A symmetric positive definite) by Cholesky decomposition. */
export function solveSpd(a: number[][], b: number[]): number[] {
  const n = b.length;
  const l = a.map(() => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i][j];
      for (let k = 0; k < j; k++) s -= l[i][k] * l[j][k];
      if (i === j) l[i][i] = Math.sqrt(Math.max(s, 1e-12));
      else l[i][j] = s / l[j][j];
    }
  }
  const y = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i][k] * y[k];
    y[i] = s / l[i][i];
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= l[k][i] * x[k];
    x[i] = s / l[i][i];
  }
  return x;
}

/** Column means and standard deviations over the weighted rows (a constant column gets sd 1). */
function scaling(rows: WeightedRow[], d: number): { mean: number[]; sd: number[] } {
  const mean = new Array<number>(d).fill(0);
  const sq = new Array<number>(d).fill(0);
  let total = 0;
  for (const r of rows) {
    total += r.weight;
    for (let j = 0; j < d; j++) mean[j] += r.weight * r.x[j];
  }
  for (let j = 0; j < d; j++) mean[j] /= total || 1;
  for (const r of rows) for (let j = 0; j < d; j++) sq[j] += r.weight * (r.x[j] - mean[j]) ** 2;
  const sd = sq.map((s) => Math.sqrt(s / (total || 1)) || 1);
  return { mean, sd };
}

/** Maximum (penalised) likelihood fit; `rows` must not be empty. */
export function fitLogistic(rows: WeightedRow[], options: FitOptions = {}): LogisticModel {
  const d = rows[0]?.x.length ?? 0;
  const ridge = options.ridge ?? 1e-6;
  const maxIterations = options.maxIterations ?? 50;
  const tolerance = options.tolerance ?? 1e-9;
  const { mean, sd } = scaling(rows, d);
  const z = rows.map((r) => [1, ...r.x.map((v, j) => (v - mean[j]) / sd[j])]);
  let beta = new Array<number>(d + 1).fill(0);
  let iterations = 0;
  let converged = false;
  for (; iterations < maxIterations && !converged; iterations++) {
    const grad = new Array<number>(d + 1).fill(0);
    const hess = beta.map(() => new Array<number>(d + 1).fill(0));
    rows.forEach((r, i) => {
      const zi = z[i];
      const p = sigmoid(zi.reduce((s, v, j) => s + v * beta[j], 0));
      const w = r.weight * p * (1 - p);
      const resid = r.positives - r.weight * p;
      for (let a = 0; a <= d; a++) {
        grad[a] += resid * zi[a];
        for (let b = 0; b <= a; b++) hess[a][b] += w * zi[a] * zi[b];
      }
    });
    for (let a = 0; a <= d; a++) {
      for (let b = 0; b < a; b++) hess[b][a] = hess[a][b];
      if (a > 0) {
        hess[a][a] += ridge;
        grad[a] -= ridge * beta[a];
      }
    }
    const step = solveSpd(hess, grad);
    beta = beta.map((b, j) => b + step[j]);
    converged = Math.max(...step.map(Math.abs)) < tolerance;
  }
  const coefficients = beta.slice(1).map((b, j) => b / sd[j]);
  const intercept = beta[0] - coefficients.reduce((s, c, j) => s + c * mean[j], 0);
  return { intercept, coefficients, iterations, converged };
}

/** Predicted probability of a feature vector. */
export function predict(model: LogisticModel, x: number[]): number {
  return sigmoid(model.intercept + model.coefficients.reduce((s, c, j) => s + c * x[j], 0));
}
