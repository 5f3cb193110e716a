/** GraphQL inputs and outputs of scoring rules. */
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { JSONScalar } from '../../graphql/scalars';
import { ConditionOperator, ScoringRuleKind } from './scoring-rule.entity';
import type { ConditionOperator as Op, RuleKind } from './scorer';

@InputType()
export class ConditionInput {
  @Field(() => String)
  field: string;

  @Field(() => ConditionOperator)
  operator: Op;

  @Field(() => JSONScalar, { nullable: true })
  value?: unknown;
}

/** Fields a rule patch may change; all optional. Not referenced by a resolver, so not emitted on its own. */
@InputType('ScoringRuleFieldsBase')
export class ScoringRuleFields {
  @Field(() => String, { nullable: true })
  activityType?: string | null;

  @Field(() => [ConditionInput], { nullable: true })
  conditions?: ConditionInput[] | null;

  @Field(() => Int, { nullable: true })
  maxApplications?: number | null;

  @Field(() => Int, { nullable: true })
  capWindowDays?: number | null;

  @Field(() => Int, { nullable: true })
  expiresAfterDays?: number | null;

  @Field(() => Boolean, { nullable: true })
  active?: boolean | null;
}

@InputType()
export class ScoringRuleInput extends ScoringRuleFields {
  @Field(() => String)
  name: string;

  @Field(() => ScoringRuleKind)
  kind: RuleKind;

  @Field(() => Int)
  points: number;
}

@InputType()
export class ScoringRulePatch extends ScoringRuleFields {
  @Field(() => String, { nullable: true })
  name?: string;

  @Field(() => Int, { nullable: true })
  points?: number;
}

@ObjectType({ simpleResolvers: true })
export class ScoreContribution {
  @Field(() => ID, {
    description: 'Stable per contact and rule ("<contactId>:<ruleId>"), so client caches keep each row apart.',
  })
  id: string;

  @Field(() => ID)
  ruleId: string;

  @Field(() => String)
  ruleName: string;

  @Field(() => ScoringRuleKind)
  kind: RuleKind;

  @Field(() => Int)
  points: number;

  @Field(() => Int, { description: 'How many activities (BEHAVIOR) or 1 (FIT) contribute.' })
  applications: number;
}
