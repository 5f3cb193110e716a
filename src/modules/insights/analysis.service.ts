/**
 * ruleInsights and suggestScoring: the window's contacts streamed in keyset
 * batches (memory: one batch, per-rule tallies and the distinct feature
 * vectors), observed under the active rules, then tallied (pure).
 */
import { type DataSource } from 'typeorm';
import type { ScoringRules } from '../scoring';
import type { LifecycleService } from '../lifecycle';
import { type Viewer, assertCan } from '../access';
import { badInput } from '../../graphql/errors';
import { observe } from './observation';
import { RuleInsightTally } from './rule-insights';
import { SuggestionTally, holdoutOf, suggest } from './suggestion';
import { forEachHistoryBatch } from './history';
import { checkWindow } from './window';
import type { ContactFacts, Rule } from '../scoring';
import type { RuleInsights, ScoringSuggestion } from './insights.types';
import type { Window } from './simulation';
import type { Observation } from './observation';

export class AnalysisService {
  constructor(
    private readonly ds: DataSource,
    private readonly scoring: ScoringRules,
    private readonly lifecycle: LifecycleService,
    private readonly batchSize: number,
  ) {}

  /**
   * Observes every contact of the window under the active rules (activities up to `to`: features never read later ones;
   * transitions all).
   */
  private async observeAll(
    rules: Rule[],
    window: Window,
    each: (o: Observation, facts: ContactFacts) => void,
  ): Promise<void> {
    await forEachHistoryBatch(this.ds, this.batchSize, window.to, (batch) => {
      for (const h of batch) {
        const o = observe(h, rules, window);
        if (o) each(o, h.facts);
      }
    });
  }

  /**
   * Per active rule: who it applied to, their SQL rate against the others', lift with its 95% interval, days to SQL,
   * points.
   */
  async ruleInsights(viewer: Viewer, from: Date, to: Date, horizonDays: number): Promise<RuleInsights> {
    assertCan(viewer, 'manageScoring');
    const window = checkWindow(from, to, horizonDays);
    const rules = await this.scoring.activeRules();
    const tally = new RuleInsightTally(rules, horizonDays);
    await this.observeAll(rules, window, (o, facts) => tally.add(o, facts));
    return { ...tally.counts, rules: tally.insights() };
  }

  /**
   * A logistic regression of reaching SQL on the rules' features, as points, judged on a later holdout against the
   * current points.
   */
  async suggestScoring(viewer: Viewer, from: Date, to: Date, horizonDays: number): Promise<ScoringSuggestion> {
    assertCan(viewer, 'manageScoring');
    const window = checkWindow(from, to, horizonDays);
    const holdout = holdoutOf(window);
    if (!holdout)
      throw badInput(
        'to',
        `the window must be longer than horizonDays (${horizonDays}) to hold a training and a test part`,
      );
    const [rules, policy] = await Promise.all([this.scoring.activeRules(), this.lifecycle.policy()]);
    if (rules.length === 0) throw badInput('from', 'there are no active rules to suggest points for');
    const tally = new SuggestionTally(holdout);
    await this.observeAll(rules, window, (o) => tally.add(o));
    const s = suggest(tally, rules, policy.mqlThreshold);
    if (!s)
      throw badInput(
        'from',
        'the training part needs contacts that reached SQL and contacts that did not; widen the window',
      );
    return {
      rules: rules.map((r, i) => ({
        ruleId: r.id,
        ruleName: r.name,
        kind: r.kind,
        currentPoints: r.points,
        suggestedPoints: s.points[i],
        coefficient: s.coefficients[i],
      })),
      simulationRules: rules.map((r, i) => ({ id: r.id, points: s.points[i] })),
      mqlThreshold: policy.mqlThreshold,
      pointsPerLogOdds: s.scale,
      mqlsCurrent: s.mqlsCurrent,
      mqlsSuggested: s.mqlsSuggested,
      holdout: {
        trainTo: new Date(holdout.trainTo),
        testFrom: new Date(holdout.testFrom),
        trainContacts: s.train.contacts,
        trainReachedSql: s.train.reachedSql,
        testContacts: s.test.contacts,
        testReachedSql: s.test.reachedSql,
      },
      currentAuc: s.currentAuc,
      suggestedAuc: s.suggestedAuc,
      calibration: s.calibration,
    };
  }
}
