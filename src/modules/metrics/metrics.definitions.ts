/**
 * Conversion metrics as pure definitions: the funnel and its adjacent
 * conversions, the checks on the requested window, and how the per-group rows
 * the database returns become the API's answer. No GraphQL or ORM imports, so
 * it is unit-tested without a database.
 */
import { FUNNEL, type Stage } from '../../model';
import { convertsTo } from '../lifecycle';
import { DAY_MS } from '../../config/units';

/** How conversionMetrics groups its answer. */
export type GroupBy = 'NONE' | 'SOURCE' | 'OWNER' | 'PARTNER' | 'WEEK' | 'MONTH';

/** The funnel stages reported, in funnel order (NURTURE and DISQUALIFIED sit outside it). */
export const FUNNEL_STAGES: readonly Stage[] = FUNNEL;

/** The adjacent conversions reported, in funnel order: each funnel stage that converts (stays.ts) to the next. */
export const CONVERSIONS: readonly { fromStage: Stage; toStage: Stage }[] = FUNNEL.flatMap((fromStage) => {
  const toStage = convertsTo(fromStage);
  return toStage === null ? [] : [{ fromStage, toStage }];
});

/** The longest window a query may span. */
export const MAX_RANGE_YEARS = 3;

/** What is wrong with the requested window, and which argument to blame. */
export interface RangeProblem {
  field: 'from' | 'to';
  message: string;
}

/**
 * Returns why [from, to) is not a window conversionMetrics answers, or null:
 * `from` must come before `to`, and `to` at most 3 calendar years (UTC) after `from`.
 */
export function rangeProblem(from: Date, to: Date): RangeProblem | null {
  if (from.getTime() >= to.getTime()) return { field: 'to', message: 'must be after from' };
  const limit = new Date(from.getTime());
  limit.setUTCFullYear(limit.getUTCFullYear() + MAX_RANGE_YEARS);
  if (to.getTime() > limit.getTime())
    return { field: 'to', message: `must be at most ${MAX_RANGE_YEARS} years after from` };
  return null;
}

/**
 * One row the metrics query returns, for a funnel stage and either one
 * group key or all contacts counted (`isTotal`; a group's medians cannot be
 * combined into the overall one, so the database computes both): how many
 * contacts entered the stage, how many of those reached the next stage, and
 * the medians. Durations are whole milliseconds (both stores compute them
 * exactly, so the answers match to the bit).
 */
export interface StageRow {
  key: string | null;
  isTotal: boolean;
  stage: Stage;
  entered: number;
  converted: number;
  stayMedianMs: number | null;
  convertMedianMs: number | null;
}

/** Contacts in a stage now, for one group key or all of them (`isTotal`). */
export interface CurrentRow {
  key: string | null;
  isTotal: boolean;
  stage: Stage;
  current: number;
}

/** One funnel stage of the answer. */
export interface StageMetricValue {
  stage: Stage;
  entered: number;
  current: number;
  medianDaysInStage: number | null;
}

/** One adjacent conversion of the answer. */
export interface StageConversionValue {
  fromStage: Stage;
  toStage: Stage;
  entered: number;
  converted: number;
  rate: number;
  medianDaysToConvert: number | null;
}

/** The stages and conversions of all contacts counted, or of one group. */
export interface FunnelValue {
  stages: StageMetricValue[];
  conversions: StageConversionValue[];
}

/** The whole answer, before GraphQL. */
export interface ConversionMetricsValue extends FunnelValue {
  from: Date;
  to: Date;
  groups: (FunnelValue & { key: string | null })[];
}

/** converted / entered, 0 when nobody entered. */
export function conversionRate(converted: number, entered: number): number {
  return entered === 0 ? 0 : converted / entered;
}

/** Milliseconds as (fractional) days; null stays null. */
export function msToDays(ms: number | null): number | null {
  return ms === null ? null : ms / DAY_MS;
}

interface Acc {
  entered: number;
  converted: number;
  current: number;
  stayMedianMs: number | null;
  convertMedianMs: number | null;
}

function funnel(byStage: Map<Stage, Acc>): FunnelValue {
  const get = (s: Stage): Acc =>
    byStage.get(s) ?? { entered: 0, converted: 0, current: 0, stayMedianMs: null, convertMedianMs: null };
  return {
    stages: FUNNEL_STAGES.map((stage) => {
      const a = get(stage);
      return { stage, entered: a.entered, current: a.current, medianDaysInStage: msToDays(a.stayMedianMs) };
    }),
    conversions: CONVERSIONS.map(({ fromStage, toStage }) => {
      const a = get(fromStage);
      return {
        fromStage,
        toStage,
        entered: a.entered,
        converted: a.converted,
        rate: conversionRate(a.converted, a.entered),
        medianDaysToConvert: msToDays(a.convertMedianMs),
      };
    }),
  };
}

/** Group keys in order: ascending by code unit (periods are YYYY-MM-DD, so chronological), the null key last. */
function orderedKeys(keys: Iterable<string | null>): (string | null)[] {
  const all = [...keys];
  const named = all.filter((k): k is string => k !== null).sort();
  return named.length < all.length ? [...named, null] : named;
}

/**
 * Builds the answer from the database's rows: the overall funnel from the
 * total rows, one group per key found in the group rows (entries or current
 * contacts), each with every funnel stage and conversion, zeros included.
 * Without a grouping the database returns total rows only, hence no groups.
 */
export function assembleMetrics(
  from: Date,
  to: Date,
  stageRows: StageRow[],
  currentRows: CurrentRow[],
): ConversionMetricsValue {
  const total = new Map<Stage, Acc>();
  const groups = new Map<string | null, Map<Stage, Acc>>();
  const accOf = (isTotal: boolean, key: string | null, stage: Stage): Acc => {
    let byStage = total;
    if (!isTotal) {
      byStage = groups.get(key) ?? new Map();
      groups.set(key, byStage);
    }
    let a = byStage.get(stage);
    if (!a)
      byStage.set(stage, (a = { entered: 0, converted: 0, current: 0, stayMedianMs: null, convertMedianMs: null }));
    return a;
  };
  for (const r of stageRows) {
    Object.assign(accOf(r.isTotal, r.key, r.stage), {
      entered: r.entered,
      converted: r.converted,
      stayMedianMs: r.stayMedianMs,
      convertMedianMs: r.convertMedianMs,
    });
  }
  for (const r of currentRows) accOf(r.isTotal, r.key, r.stage).current = r.current;
  return {
    from,
    to,
    ...funnel(total),
    groups: orderedKeys(groups.keys()).map((key) => ({ key, ...funnel(groups.get(key)!) })),
  };
}
