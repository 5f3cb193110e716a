/**
 * Rule insights as a pure tally over observations: per rule, the contacts
 * it applied to and their rate of reaching SQL within the horizon against
 * the others', the lift with a 95% MOVER-R interval built from Wilson
 * intervals, the median days from its first application to SQL, and the
 * points it earned. A rule that applies to many contacts and whose interval
 * holds 1 is flagged NOISE: it fires a lot and predicts nothing.
 */
import type { Rule } from '../scoring/scorer';
import { RatioInterval, liftInterval, wilson } from './stats';
import type { Observation } from './observation';
import { DAY_MS } from '../scoring/scorer';

/** What a rule's lift says. */
export type RuleSignal = 'PREDICTIVE' | 'COUNTER_PREDICTIVE' | 'NOISE' | 'NO_EVIDENCE';

/** A rule of the report. */
export interface RuleInsight {
  ruleId: string;
  ruleName: string;
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

/** Accumulates observations; memory is per rule, not per contact (days to SQL go into a histogram). */
export class RuleInsightTally {
  private readonly applied: { n: number; k: number; points: number; days: number[] }[];
  private population = 0;
  private positives = 0;

  constructor(
    private readonly rules: Rule[],
    private readonly horizonDays: number,
  ) {
    this.applied = rules.map(() => ({ n: 0, k: 0, points: 0, days: new Array<number>(Math.ceil(horizonDays / BIN_DAYS) + 1).fill(0) }));
  }

  add(o: Observation): void {
    this.population++;
    if (o.sqlAt !== null) this.positives++;
    o.x.forEach((x, i) => {
      const row = this.applied[i];
      row.points += o.points[i];
      if (x <= 0) return;
      row.n++;
      if (o.sqlAt === null) return;
      row.k++;
      const days = (o.sqlAt - (o.firstApplied[i] ?? o.anchor)) / DAY_MS;
      row.days[Math.min(row.days.length - 1, Math.max(0, Math.round(days / BIN_DAYS)))]++;
    });
  }

  /** Contacts observed and how many reached SQL. */
  get counts(): { contacts: number; reachedSql: number } {
    return { contacts: this.population, reachedSql: this.positives };
  }

  /** One insight per rule, the most predictive (lift's lower bound) first. */
  insights(): RuleInsight[] {
    return this.rules
      .map((rule, i) => {
        const a = this.applied[i];
        const otherN = this.population - a.n;
        const otherK = this.positives - a.k;
        const lift = liftInterval(a.k, a.n, otherK, otherN);
        return {
          ruleId: rule.id,
          ruleName: rule.name,
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
      .sort((x, y) => (y.lift.low ?? 0) - (x.lift.low ?? 0) || x.ruleName.localeCompare(y.ruleName));
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
