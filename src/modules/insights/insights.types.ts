/** GraphQL output types of simulateScoring, ruleInsights and suggestScoring. */
import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { LifecycleStage, Contact } from '../../model';
import { ScoringRuleKind, type RuleKind } from '../scoring';
import { connectionTypes } from '../../graphql/connection';
import { JSONScalar } from '../../graphql/scalars';
import type { RuleSignal } from './rule-insights';

export enum RuleSignalEnum {
  PREDICTIVE = 'PREDICTIVE',
  COUNTER_PREDICTIVE = 'COUNTER_PREDICTIVE',
  NOISE = 'NOISE',
  NO_EVIDENCE = 'NO_EVIDENCE',
}
registerEnumType(RuleSignalEnum, {
  name: 'RuleSignal',
  description:
    "What a rule's lift says: PREDICTIVE (interval above 1), COUNTER_PREDICTIVE (below 1), NOISE (holds 1 and " +
    'the rule applies to 10% of contacts or more: fires a lot, predicts nothing), NO_EVIDENCE (holds 1, ' +
    'applies rarely).',
});

@ObjectType({ description: 'Contacts that entered a stage inside the window: in the simulation and in reality.' })
export class StageComparison {
  @Field(() => LifecycleStage)
  stage: LifecycleStage;

  @Field(() => Int)
  simulated: number;

  @Field(() => Int)
  actual: number;
}

@ObjectType({ description: 'MQL entries in one week of the window (weeks start at `from`).' })
export class WeeklyMqls {
  @Field(() => Date)
  weekStart: Date;

  @Field(() => Int)
  simulated: number;

  @Field(() => Int)
  actual: number;
}

@ObjectType({ description: 'How good an MQL set is against what really happened to its contacts.' })
export class OutcomeQuality {
  @Field(() => Int, { description: 'Contacts that became MQL in the window.' })
  mqls: number;

  @Field(() => Int, {
    description: 'Of them, those that really entered SQL no later than horizonDays after becoming MQL.',
  })
  reachedSql: number;

  @Field(() => Int, {
    description: 'Of them, those that really became CUSTOMER no later than horizonDays after becoming MQL.',
  })
  reachedCustomer: number;

  @Field(() => Float, { nullable: true, description: 'reachedSql / mqls: how often "MQL" meant "reached SQL".' })
  precision: number | null;

  @Field(() => Float, {
    nullable: true,
    description: 'reachedSql / contacts that really reached SQL between `from` and `to` + horizonDays.',
  })
  recall: number | null;

  @Field(() => Int, {
    description:
      'MQLs of the set that never really became MQL (up to `to` + horizonDays): sales never saw them, so ' +
      'their outcome is unknown and counts as not reaching SQL. 0 for the real set.',
  })
  unjudged: number;

  @Field(() => Float, {
    nullable: true,
    description: 'reachedSql / (mqls - unjudged): precision on the MQLs sales did see.',
  })
  judgedPrecision: number | null;
}

@ObjectType({ description: "A rule's points for one contact under the current and the simulated rules." })
export class RuleDifference {
  @Field(() => ID, { nullable: true, description: 'Null for a rule the proposal adds.' })
  ruleId: string | null;

  @Field(() => String)
  ruleName: string;

  @Field(() => Int)
  currentPoints: number;

  @Field(() => Int)
  simulatedPoints: number;
}

@ObjectType({ description: 'A contact whose MQL status in the window the simulation changes.' })
export class SimulationDifference {
  @Field(() => Contact, { nullable: true, description: 'Null when the contact was deleted since.' })
  contact: Contact | null;

  contactId: string;

  @Field(() => Boolean, { description: 'Becomes MQL in the window in the simulation.' })
  simulatedMql: boolean;

  @Field(() => Boolean, { description: 'Became MQL in the window in reality.' })
  actualMql: boolean;

  @Field(() => [RuleDifference], {
    description: 'The rules whose points for this contact differ, largest difference first.',
  })
  rules: RuleDifference[];
}

export const SimulationDifferenceConnection = connectionTypes('SimulationDifference', SimulationDifference);

@ObjectType({ description: "A finished simulation's comparison with what really happened in the same window." })
export class SimulationResult {
  jobId: string;

  @Field(() => Date)
  from: Date;

  @Field(() => Date)
  to: Date;

  @Field(() => Int)
  horizonDays: number;

  @Field(() => [StageComparison])
  stages: StageComparison[];

  @Field(() => [WeeklyMqls])
  weeklyMqls: WeeklyMqls[];

  @Field(() => Int, { description: 'Contacts whose MQL status differs (the length of changedContacts).' })
  changedContactCount: number;

  @Field(() => OutcomeQuality, { description: 'The simulated MQL set against real outcomes.' })
  simulated: OutcomeQuality;

  @Field(() => OutcomeQuality, { description: 'The real MQL set (current rules) against real outcomes, side by side.' })
  current: OutcomeQuality;
}

@ObjectType({ description: 'The ratio of two SQL rates (applied / not applied) with its 95% interval.' })
export class LiftInterval {
  @Field(() => Float, {
    nullable: true,
    description: 'appliedRate / otherRate; null when no other contact reached SQL.',
  })
  estimate: number | null;

  @Field(() => Float, {
    nullable: true,
    description: '95% lower bound (MOVER-R from the Wilson intervals of both rates).',
  })
  low: number | null;

  @Field(() => Float, { nullable: true, description: '95% upper bound; null when unbounded.' })
  high: number | null;
}

@ObjectType({ description: 'What one rule says about reaching SQL within the horizon.' })
export class RuleInsight {
  @Field(() => ID)
  ruleId: string;

  @Field(() => String)
  ruleName: string;

  @Field(() => String, {
    nullable: true,
    description:
      'For a FIT rule of several conditions, a row per condition: this one alone (`field OPERATOR value`); ' +
      'null on the row of the whole rule.',
  })
  condition: string | null;

  @Field(() => ScoringRuleKind)
  kind: RuleKind;

  @Field(() => Int, {
    description: 'Contacts of the window it applied to before their outcome (FIT: whose attributes it matches).',
  })
  appliedContacts: number;

  @Field(() => Int)
  appliedReachedSql: number;

  @Field(() => Float, { description: 'Share of appliedContacts that reached SQL within the horizon.' })
  appliedRate: number;

  @Field(() => Int, { description: 'Contacts of the window it did not apply to.' })
  otherContacts: number;

  @Field(() => Int)
  otherReachedSql: number;

  @Field(() => Float)
  otherRate: number;

  @Field(() => LiftInterval)
  lift: LiftInterval;

  @Field(() => Float, { nullable: true, description: 'Median days from its first application to SQL (to the hour).' })
  medianDaysToSql: number | null;

  @Field(() => Int, { description: 'Points it earned in the window.' })
  pointsEarned: number;

  @Field(() => RuleSignalEnum)
  signal: RuleSignal;
}

@ObjectType()
export class RuleInsights {
  @Field(() => Int, {
    description: 'Contacts with activity in the window not yet sales-qualified when it started (the population).',
  })
  contacts: number;

  @Field(() => Int)
  reachedSql: number;

  @Field(() => [RuleInsight], {
    description:
      'Every active rule, and every condition of a FIT rule of several, the most predictive (lift lower bound) first.',
  })
  rules: RuleInsight[];
}

@ObjectType()
export class SuggestedRule {
  @Field(() => ID)
  ruleId: string;

  @Field(() => String)
  ruleName: string;

  @Field(() => ScoringRuleKind)
  kind: RuleKind;

  @Field(() => Int)
  currentPoints: number;

  @Field(() => Int, { description: 'Per application (BEHAVIOR) or when it holds (FIT).' })
  suggestedPoints: number;

  @Field(() => Float, { description: 'Fitted log-odds of reaching SQL per application (or when it holds).' })
  coefficient: number;
}

@ObjectType({
  description:
    'The time-based holdout: the model learns on contacts that entered the window before trainTo and is ' +
    'judged on those that entered from testFrom.',
})
export class Holdout {
  @Field(() => Date)
  trainTo: Date;

  @Field(() => Date, { description: 'trainTo + horizonDays: every training outcome was known before it.' })
  testFrom: Date;

  @Field(() => Int)
  trainContacts: number;

  @Field(() => Int)
  trainReachedSql: number;

  @Field(() => Int)
  testContacts: number;

  @Field(() => Int)
  testReachedSql: number;
}

@ObjectType({ description: 'A band of predicted SQL probability on the test part, with the real SQL rate.' })
export class CalibrationBand {
  @Field(() => Float)
  minProbability: number;

  @Field(() => Float)
  maxProbability: number;

  @Field(() => Int)
  contacts: number;

  @Field(() => Float)
  predictedRate: number;

  @Field(() => Float)
  actualRate: number;

  @Field(() => Int, { description: 'Lowest suggested score (points) in the band.' })
  minPoints: number;

  @Field(() => Int)
  maxPoints: number;
}

@ObjectType()
export class ScoringSuggestion {
  @Field(() => [SuggestedRule])
  rules: SuggestedRule[];

  @Field(() => JSONScalar, {
    description: 'The suggestion as SimulateScoringInput.rules: pass it to simulateScoring as it is.',
  })
  simulationRules: { id: string; points: number }[];

  @Field(() => Int)
  mqlThreshold: number;

  @Field(() => Float, {
    description: 'Points per unit of log-odds, chosen so the MQL threshold keeps about the same MQL volume.',
  })
  pointsPerLogOdds: number;

  @Field(() => Int, {
    description:
      'Contacts of the window at or above the MQL threshold by the current points (features over the window).',
  })
  mqlsCurrent: number;

  @Field(() => Int, { description: 'The same by the suggested points.' })
  mqlsSuggested: number;

  @Field(() => Holdout)
  holdout: Holdout;

  @Field(() => Float, { nullable: true, description: 'Holdout AUC of the current points.' })
  currentAuc: number | null;

  @Field(() => Float, { nullable: true, description: 'Holdout AUC of the suggestion.' })
  suggestedAuc: number | null;

  @Field(() => [CalibrationBand])
  calibration: CalibrationBand[];
}
