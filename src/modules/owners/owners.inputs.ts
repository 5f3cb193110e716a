/** GraphQL inputs of owners and routing. */
import { Field, InputType, Int } from 'type-graphql';
import { LifecycleStage } from '../lifecycle/stage';

@InputType()
export class CreateOwnerInput {
  @Field(() => String)
  name: string;

  @Field(() => String, { nullable: true })
  email?: string | null;

  @Field(() => String, { nullable: true })
  team?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'Defaults to true.' })
  active?: boolean | null;
}

@InputType({ description: 'Omitted fields keep their value; null clears email or team.' })
export class UpdateOwnerInput {
  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, { nullable: true })
  email?: string | null;

  @Field(() => String, { nullable: true })
  team?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'false takes the owner out of routing; contacts it holds keep it.' })
  active?: boolean | null;
}

@InputType()
export class RoutingRuleInput {
  @Field(() => String)
  team: string;

  @Field(() => [String], { nullable: true })
  countries?: string[] | null;

  @Field(() => [String], { nullable: true })
  sources?: string[] | null;

  @Field(() => Int, { nullable: true })
  minCompanySize?: number | null;

  @Field(() => Int, { nullable: true })
  maxCompanySize?: number | null;
}

@InputType({ description: 'Omitted fields keep their value.' })
export class RoutingPolicyInput {
  @Field(() => Boolean, { nullable: true })
  enabled?: boolean | null;

  @Field(() => LifecycleStage, { nullable: true, description: 'MQL or SQL.' })
  assignAtStage?: LifecycleStage | null;

  @Field(() => String, { nullable: true, description: 'null: every active owner when no rule matches.' })
  defaultTeam?: string | null;

  @Field(() => [RoutingRuleInput], { nullable: true, description: 'Replaces the list; null or [] removes every rule.' })
  rules?: RoutingRuleInput[] | null;
}
