/**
 * One contact as rule insights and the suggestion see it: when it entered
 * the window (its first activity there: the anchor), whether it really
 * reached SQL within the horizon after that, and what each rule did before
 * that outcome (applications of BEHAVIOR rules, FIT rules holding). Only
 * behaviour before the outcome counts, so an activity after qualification
 * cannot explain it. Pure.
 */
import { type Rule, fitContributions, scoreAllActivities } from '../scoring';
import { DAY_MS } from '../../config/units';
import type { ContactHistory } from './replay';
import type { Window } from './simulation';

/**
 * Most applications of one rule a feature counts (beyond it, more says little; bounds the distinct feature vectors).
 */
export const MAX_COUNT = 20;

/** A contact of the population: anchor, outcome and, per rule, what it did before the outcome. */
export interface Observation {
  anchor: number;
  /** First real SQL entry within [anchor, anchor + horizon], else null. */
  sqlAt: number | null;
  /** Per rule (in the rules' order): applications (BEHAVIOR, capped at MAX_COUNT) or 1/0 (FIT) before the outcome. */
  x: number[];
  /** Per rule: when it first applied in the window before the outcome (FIT: the anchor), else null. */
  firstApplied: (number | null)[];
  /** Per rule: points it earned in the window (FIT: its points when it holds). */
  points: number[];
}

const SALES_STAGES = new Set(['SQL', 'OPPORTUNITY', 'CUSTOMER']);

/**
 * The contact's observation, or null when it is not in the population: no
 * activity in the window, or already sales-qualified before its anchor.
 */
export function observe(history: ContactHistory, rules: Rule[], window: Window): Observation | null {
  const { from, to, horizonDays } = window;
  let anchor = Infinity;
  for (const a of history.activities)
    if (a.occurredAt >= from && a.occurredAt <= to && a.occurredAt < anchor) anchor = a.occurredAt;
  if (!Number.isFinite(anchor)) return null;
  if (history.transitions.some((t) => SALES_STAGES.has(t.to) && t.at < anchor)) return null;
  const sql = history.transitions.find(
    (t) => t.to === 'SQL' && t.at >= anchor && t.at <= anchor + horizonDays * DAY_MS,
  );
  const sqlAt = sql ? sql.at : null;
  const cutoff = sqlAt ?? Math.min(to, anchor + horizonDays * DAY_MS);
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const x = new Array<number>(rules.length).fill(0);
  const firstApplied = new Array<number | null>(rules.length).fill(null);
  const points = new Array<number>(rules.length).fill(0);
  for (const f of fitContributions(history.facts, rules)) {
    const i = index.get(f.ruleId)!;
    x[i] = 1;
    firstApplied[i] = anchor;
    points[i] = f.points;
  }
  const apps = scoreAllActivities(
    history.activities.filter((a) => a.occurredAt <= to),
    rules,
  );
  for (const app of apps) {
    if (app.occurredAt < from) continue;
    const i = index.get(app.ruleId)!;
    points[i] += app.points;
    if (app.occurredAt > cutoff) continue;
    x[i] = Math.min(MAX_COUNT, x[i] + 1);
    if (firstApplied[i] === null) firstApplied[i] = app.occurredAt;
  }
  return { anchor, sqlAt, x, firstApplied, points };
}
