/** The scoring module's public face: what other modules and the server may use. */
export { JobFields, JobState, RescoreJob } from './rescore-job.entity';
export { RescoreService } from './rescore.service';
export { validateRule } from './rule-validation';
export type { RuleProblem } from './rule-validation';
export { ScoreApplication } from './score-application.entity';
export { ScoreHistoryReader } from './score-change';
export { ScoreChangeResolver } from './score-change.resolver';
export { conditionHolds, contactField, fitContributions, isExpired, scoreActivity, scoreAllActivities } from './scorer';
export type { ActivityFacts, Application, CapState, ContactFacts, Rule, RuleCondition, RuleKind } from './scorer';
export { ScoringRule, ScoringRuleKind } from './scoring-rule.entity';
export { ScoringRuleFields } from './scoring.inputs';
export { ScoringResolver } from './scoring.resolver';
export { ScoringService } from './scoring.service';
