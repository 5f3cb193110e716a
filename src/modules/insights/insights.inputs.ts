/** GraphQL inputs of the insights: a proposed rule set and policy for simulateScoring. */
import { Field, ID, InputType, Int } from 'type-graphql';
import { ScoringRuleFields, ScoringRuleKind, type RuleKind } from '../scoring';
import { QualificationPolicyInput } from '../lifecycle';

@InputType({
  description:
    'One rule of a proposed rule set: an existing rule by id (fields given here change it; active: false ' +
    'leaves it out), or a new rule (no id; name, kind and points required).',
})
export class ProposedRuleInput extends ScoringRuleFields {
  @Field(() => ID, { nullable: true, description: 'An existing rule (active or not); omitted fields keep its values.' })
  id?: string | null;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => ScoringRuleKind, { nullable: true })
  kind?: RuleKind | null;

  @Field(() => Int, { nullable: true })
  points?: number | null;
}

@InputType()
export class SimulateScoringInput {
  @Field(() => [ProposedRuleInput], {
    description:
      'The whole proposed rule set: exactly these rules are active in the simulation (an active rule left out ' +
      'is off). suggestScoring returns one ready to pass here.',
  })
  rules: ProposedRuleInput[];

  @Field(() => QualificationPolicyInput, {
    nullable: true,
    description: 'Policy changes on top of the current policy; omitted keeps it.',
  })
  policy?: QualificationPolicyInput | null;

  @Field(() => Date)
  from: Date;

  @Field(() => Date)
  to: Date;

  @Field(() => Int, {
    nullable: true,
    defaultValue: 30,
    description: 'Days after becoming MQL within which reaching SQL (or CUSTOMER) counts.',
  })
  horizonDays?: number | null;
}
