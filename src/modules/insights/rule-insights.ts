/**
 * Rule insights as a pure tally over observations: per rule, the contacts
 * it applied to and their rate of reaching SQL within the horizon against
 * the others', the lift with a 95% MOVER-R interval built from Wilson
 * intervals, the median days from its first application to SQL, and the
 * points it earned. A rule that applies to many contacts and whose interval
 * holds 1 is flagged NOISE: it fires a lot and predicts nothing.
 */
import { type ContactFacts, type Rule, type RuleCondition, conditionHolds, contactField } from '../scoring';
import { DAY_MS } from '../../config/units';
import { type RatioInterval, liftInterval, wilson } from './stats';
import type { Observation } from './observation';

/** What a rule's lift says. */
export type RuleSignal = 'PREDICTIVE' | 'COUNTER_PREDICTIVE' | 'NOISE' | 'NO_EVIDENCE';

/** A rule of the report. */
export interface RuleInsight {
  ruleId: string;
  ruleName: string;
  /**
   * For one condition of a FIT rule of several: that condition alone (`field OPERATOR value`); null for the whole rule.
   */
  condition: string | null;
  kind: Rule['kind'];
  appliedContacts: number;
  appliedReachedSql: number;
  appliedRate: number;
  otherContacts: number;
  otherReachedSql: number;
  otherRate: number;
  lift: RatioInterval;
  medianDaysToSql: number | null;
  pointsEarned: number;
  signal: RuleSignal;
}

/** Share of the population above which a rule without signal counts as NOISE rather than NO_EVIDENCE. */
export const NOISE_SHARE = 0.1;

/** Resolution of the days-to-SQL histogram (days): medians are exact to this. */
const BIN_DAYS = 1 / 24;

/** What a row of the report is about: a rule, or one condition of a FIT rule of several. */
interface Item {
  rule: Rule;
  condition: RuleCondition | null;
}

function describe(c: RuleCondition): string {
  return c.value === undefined ? `${c.field} ${c.operator}` : `${c.field} ${c.operator} ${JSON.stringify(c.value)}`;
}

/** Accumulates observations; memory is per rule, not per contact (days to SQL go into a histogram). */
export class RuleInsightTally {
  private readonly items: Item[];
  private readonly applied: { n: number; k: number; points: number; days: number[] }[];
  private population = 0;
  private positives = 0;

  constructor(
    private readonly rules: Rule[],
    horizonDays: number,
  ) {
    const conditions = rules.flatMap((rule) =>
      rule.kind === 'FIT' && rule.conditions.length > 1
        ? rule.conditions.map((condition) => ({ rule, condition }))
        : [],
    );
    this.items = [...rules.map((rule) => ({ rule, condition: null })), ...conditions];
    this.applied = this.items.map(() => ({
      n: 0,
      k: 0,
      points: 0,
      days: new Array<number>(Math.ceil(horizonDays / BIN_DAYS) + 1).fill(0),
    }));
  }

  /** Adds a contact: its observation and its attributes (for the conditions of FIT rules). */
  add(o: Observation, facts: ContactFacts): void {
    this.population++;
    if (o.sqlAt !== null) this.positives++;
    this.items.forEach((item, i) => {
      const row = this.applied[i];
      if (i < this.rules.length) row.points += o.points[i];
      const applied = item.condition
        ? conditionHolds(item.condition, contactField(facts, item.condition.field))
        : o.x[i] > 0;
      if (!applied) return;
      row.n++;
      if (o.sqlAt === null) return;
      row.k++;
      const days = (o.sqlAt - (item.condition ? o.anchor : (o.firstApplied[i] ?? o.anchor))) / DAY_MS;
      row.days[Math.min(row.days.length - 1, Math.max(0, Math.round(days / BIN_DAYS)))]++;
    });
  }

  /** Contacts observed and how many reached SQL. */
  get counts(): { contacts: number; reachedSql: number } {
    return { contacts: this.population, reachedSql: this.positives };
  }

  /**
   * One insight per rule (and per condition of a FIT rule of several), the most predictive (lift's lower bound) first.
   */
  insights(): RuleInsight[] {
    return this.items
      .map(({ rule, condition }, i) => {
        const a = this.applied[i];
        const otherN = this.population - a.n;
        const otherK = this.positives - a.k;
        const lift = liftInterval(a.k, a.n, otherK, otherN);
        return {
          ruleId: rule.id,
          ruleName: rule.name,
          condition: condition ? describe(condition) : null,
          kind: rule.kind,
          appliedContacts: a.n,
          appliedReachedSql: a.k,
          appliedRate: wilson(a.k, a.n).estimate,
          otherContacts: otherN,
          otherReachedSql: otherK,
          otherRate: wilson(otherK, otherN).estimate,
          lift,
          medianDaysToSql: histogramMedian(a.days, a.k),
          pointsEarned: a.points,
          signal: signalOf(lift, a.n / Math.max(1, this.population)),
        };
      })
      .sort(
        (x, y) =>
          (y.lift.low ?? 0) - (x.lift.low ?? 0) ||
          x.ruleName.localeCompare(y.ruleName) ||
          (x.condition ?? '').localeCompare(y.condition ?? ''),
      );
  }
}

function signalOf(lift: RatioInterval, share: number): RuleSignal {
  if (lift.low !== null && lift.low > 1) return 'PREDICTIVE';
  if (lift.high !== null && lift.high < 1) return 'COUNTER_PREDICTIVE';
  return share >= NOISE_SHARE ? 'NOISE' : 'NO_EVIDENCE';
}

function histogramMedian(bins: number[], total: number): number | null {
  if (total === 0) return null;
  const half = total / 2;
  let seen = 0;
  for (let i = 0; i < bins.length; i++) {
    seen += bins[i];
    if (seen >= half) return i * BIN_DAYS;
  }
  return (bins.length - 1) * BIN_DAYS;
}
