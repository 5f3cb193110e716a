/** GraphQL outputs of scoring: a contact's score broken down by rule. */
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { ScoringRuleKind } from './scoring-rule.entity';
import type { RuleKind } from './scorer';

/** One rule's share of a contact's score. */
/** type-graphql's per-field wrapper is skipped: no middleware or auth checker runs on it (docs/benchmarks.md). */
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
