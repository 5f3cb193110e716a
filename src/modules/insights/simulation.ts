/**
 * What a simulation reports, as a pure tally fed one contact at a time (so
 * memory stays that of one batch): stage entries simulated vs actual, MQLs
 * per week, whose MQL status differs and which rules made the difference,
 * and the outcome quality of the simulated and the actual MQL sets against
 * what really happened to the same contacts.
 */
import { type Stage, FUNNEL } from '../../model';
import { DAY_MS } from '../../config/units';
import { firstEntry } from './replay';

/** The window and horizon of a simulation (epoch ms, days). */
export interface Window {
  from: number;
  to: number;
  horizonDays: number;
}

/**
 * Outcome quality of an MQL set: how many of its contacts really reached SQL (and CUSTOMER) within the horizon of
 * becoming MQL.
 */
export interface Quality {
  mqls: number;
  reachedSql: number;
  reachedCustomer: number;
  /** reachedSql / mqls (null without MQLs). */
  precision: number | null;
  /** reachedSql / contacts that really reached SQL in [from, to + horizon] (null without any). */
  recall: number | null;
  /**
   * MQLs of the set that never really became MQL in [from, to + horizon]:
   * sales never had them to qualify, so their outcome is unknown (they count
   * as not reaching SQL unless they did otherwise). 0 for the real MQL set.
   */
  unjudged: number;
  /** reachedSql / (mqls - unjudged): precision on the MQLs sales did see (null without any). */
  judgedPrecision: number | null;
}

/** The summary a finished simulation stores. */
export interface SimulationSummary {
  stages: { stage: Stage; simulated: number; actual: number }[];
  weeks: { weekStart: number; simulated: number; actual: number }[];
  changedContacts: number;
  simulated: Quality;
  current: Quality;
  /** Contacts that really reached SQL in [from, to + horizon]: recall's denominator. */
  sqlContacts: number;
}

/** A rule's points for one contact under the current and the simulated rules. */
export interface RuleDifference {
  ruleId: string | null;
  ruleName: string;
  currentPoints: number;
  simulatedPoints: number;
}

const STAGES: readonly Stage[] = [...FUNNEL, 'NURTURE', 'DISQUALIFIED'];

interface QualityCounts {
  mqls: number;
  reachedSql: number;
  reachedCustomer: number;
  unjudged: number;
}

/** Accumulates contacts into a SimulationSummary. */
export class SimulationTally {
  private readonly stages = new Map<Stage, { simulated: number; actual: number }>(
    STAGES.map((s) => [s, { simulated: 0, actual: 0 }]),
  );
  private readonly weeks: { simulated: number; actual: number }[];
  private readonly counts = {
    simulated: { mqls: 0, reachedSql: 0, reachedCustomer: 0, unjudged: 0 },
    current: { mqls: 0, reachedSql: 0, reachedCustomer: 0, unjudged: 0 },
  };
  private sqlContacts = 0;
  private changed = 0;

  constructor(private readonly window: Window) {
    this.weeks = Array.from({ length: Math.max(1, Math.ceil((window.to - window.from) / (7 * DAY_MS))) }, () => ({
      simulated: 0,
      actual: 0,
    }));
  }

  /**
   * Adds one contact: its simulated and its actual (stored) transitions.
   * Returns whether it is an MQL of the window in each (its MQL status).
   */
  add(
    simulated: { to: Stage; at: number }[],
    actual: { to: Stage; at: number }[],
  ): { simulatedMql: boolean; actualMql: boolean } {
    const { from, to, horizonDays } = this.window;
    const horizon = horizonDays * DAY_MS;
    for (const stage of STAGES) {
      const row = this.stages.get(stage)!;
      if (firstEntry(simulated, stage, from, to) !== null) row.simulated++;
      if (firstEntry(actual, stage, from, to) !== null) row.actual++;
    }
    this.countWeeks(simulated, 'simulated');
    this.countWeeks(actual, 'actual');
    const realSql = firstEntry(actual, 'SQL', from, to + horizon);
    const realCustomer = firstEntry(actual, 'CUSTOMER', from, to + horizon);
    const seenBySales = firstEntry(actual, 'MQL', from, to + horizon) !== null;
    if (realSql !== null) this.sqlContacts++;
    const simMql = firstEntry(simulated, 'MQL', from, to);
    const actMql = firstEntry(actual, 'MQL', from, to);
    const score = (counts: QualityCounts, mqlAt: number | null) => {
      if (mqlAt === null) return;
      counts.mqls++;
      if (!seenBySales) counts.unjudged++;
      if (realSql !== null && realSql <= mqlAt + horizon) counts.reachedSql++;
      if (realCustomer !== null && realCustomer <= mqlAt + horizon) counts.reachedCustomer++;
    };
    score(this.counts.simulated, simMql);
    score(this.counts.current, actMql);
    if ((simMql !== null) !== (actMql !== null)) this.changed++;
    return { simulatedMql: simMql !== null, actualMql: actMql !== null };
  }

  private countWeeks(transitions: { to: Stage; at: number }[], side: 'simulated' | 'actual'): void {
    for (const t of transitions) {
      if (t.to !== 'MQL' || t.at < this.window.from || t.at > this.window.to) continue;
      const week = Math.min(this.weeks.length - 1, Math.floor((t.at - this.window.from) / (7 * DAY_MS)));
      this.weeks[week][side]++;
    }
  }

  summary(): SimulationSummary {
    const quality = (c: QualityCounts): Quality => ({
      ...c,
      precision: c.mqls ? c.reachedSql / c.mqls : null,
      recall: this.sqlContacts ? c.reachedSql / this.sqlContacts : null,
      judgedPrecision: c.mqls > c.unjudged ? c.reachedSql / (c.mqls - c.unjudged) : null,
    });
    return {
      stages: STAGES.map((stage) => ({ stage, ...this.stages.get(stage)! })),
      weeks: this.weeks.map((w, i) => ({ weekStart: this.window.from + i * 7 * DAY_MS, ...w })),
      changedContacts: this.changed,
      simulated: quality(this.counts.simulated),
      current: quality(this.counts.current),
      sqlContacts: this.sqlContacts,
    };
  }
}

/**
 * Per rule, the points a contact holds under each rule set (applications
 * up to the window's end and FIT points), keeping the rules whose points
 * differ, largest difference first: the rules that made its MQL status differ.
 */
export function ruleDifferences(
  current: Map<string, number>,
  simulated: Map<string, number>,
  names: (ruleId: string) => { ruleId: string | null; ruleName: string },
): RuleDifference[] {
  const ids = new Set([...current.keys(), ...simulated.keys()]);
  const out: RuleDifference[] = [];
  for (const id of ids) {
    const c = current.get(id) ?? 0;
    const s = simulated.get(id) ?? 0;
    if (c !== s) out.push({ ...names(id), currentPoints: c, simulatedPoints: s });
  }
  return out.sort(
    (a, b) =>
      Math.abs(b.simulatedPoints - b.currentPoints) - Math.abs(a.simulatedPoints - a.currentPoints) ||
      a.ruleName.localeCompare(b.ruleName),
  );
}

/** Points per rule id from FIT contributions and applications occurring up to `until`. */
export function pointsByRule(
  fit: { ruleId: string; points: number }[],
  apps: { ruleId: string; points: number; occurredAt: number }[],
  until: number,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const f of fit) out.set(f.ruleId, (out.get(f.ruleId) ?? 0) + f.points);
  for (const a of apps) if (a.occurredAt <= until) out.set(a.ruleId, (out.get(a.ruleId) ?? 0) + a.points);
  return out;
}
