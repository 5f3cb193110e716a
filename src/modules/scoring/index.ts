/**
 * Scoring: the module's public face. Four parts behind narrow interfaces:
 * the rules and their version (rules.service.ts), the one scoring engine
 * every writer calls (score-engine.ts; the points model in points-engine.ts),
 * the sweeper that moves stored state as time passes (sweeper.ts), and
 * score reads (score-reads.ts, score-change.ts). Rescore jobs run the engine
 * over every contact (rescore.service.ts).
 */
import { type DataSource } from 'typeorm';
import { ScoringRules } from './rules.service';
import { PointsEngine } from './points-engine';
import { ScoreSweeper } from './sweeper';
import { ScoreReads } from './score-reads';
import { type RescoreOptions, RescoreService } from './rescore.service';
import type { ScoreEngine } from './score-engine';
import type { LifecycleService } from '../lifecycle';
import type { PromotionPublisher } from '../realtime';

export type { ScoreEngine, ScoringRun } from './score-engine';
export { ScoringRules, toRule } from './rules.service';
export type { RuleInput, RulePatch, RescoreTrigger } from './rules.service';
export { ScoreReads } from './score-reads';
export { RescoreService } from './rescore.service';
export type { RescoreOptions } from './rescore.service';
export { ScoringRule, ScoringRuleKind } from './scoring-rule.entity';
export { ScoreApplication } from './score-application.entity';
export { RescoreJob, JobState, JobFields } from './rescore-job.entity';
export { ScoringRuleFields, ScoringRuleInput, ScoringRulePatch } from './scoring.inputs';
export { ScoreContribution } from './scoring.types';
export { ScoringResolver } from './scoring.resolver';
export { ScoreChangeResolver } from './score-change.resolver';
export { ScoreChange, ScoreChangeConnection, ScoreHistoryReader } from './score-change';
export { SCORE_EVENT_COLUMNS, ScoreChangeCause, insertScoreEvents, scoreEvent } from './score-history';
export {
  DAY_MS,
  conditionHolds,
  contactField,
  fitContributions,
  isExpired,
  scoreActivity,
  scoreAllActivities,
} from './scorer';
export type {
  ActivityFacts,
  Application,
  CapState,
  ContactFacts,
  Contribution,
  Rule,
  RuleCondition,
  RuleKind,
} from './scorer';
export { validateRule } from './rule-validation';
export type { RuleDraft, RuleProblem } from './rule-validation';

/** The scoring module's services, as Services.scoring holds them. */
export class Scoring {
  constructor(
    readonly rules: ScoringRules,
    readonly engine: ScoreEngine,
    readonly reads: ScoreReads,
    readonly rescore: RescoreService,
    private readonly sweeper: ScoreSweeper,
  ) {}

  /**
   * Sweeps what time moved (expired points, the temperature window) as of `now`; returns how many applications
   * expired.
   */
  sweepExpired(now: Date = new Date()): Promise<number> {
    return this.sweeper.sweep(now);
  }
}

/** Builds the scoring module on `lifecycle` (it promotes scored contacts; policy changes reach the engine). */
export function createScoring(
  ds: DataSource,
  lifecycle: LifecycleService,
  publisher: PromotionPublisher,
  rescoreOptions: RescoreOptions,
): Scoring {
  const rules = new ScoringRules(ds);
  const engine = new PointsEngine(rules, lifecycle);
  const rescore = new RescoreService(ds, engine, lifecycle, publisher, rescoreOptions);
  rules.setRescoreTrigger(rescore);
  lifecycle.setPolicyListener(engine);
  return new Scoring(rules, engine, new ScoreReads(ds, rules), rescore, new ScoreSweeper(ds, lifecycle));
}
