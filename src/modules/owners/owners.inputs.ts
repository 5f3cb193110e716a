/** GraphQL inputs of owners and routing. */
import { Field, InputType, Int } from 'type-graphql';
import { LifecycleStage } from '../../model';

@InputType({ description: 'A new owner.' })
export class CreateOwnerInput {
  @Field(() => String, { description: 'Display name, 1 to 191 characters.' })
  name: string;

  @Field(() => String, { nullable: true, description: 'Unique among owners when set.' })
  email?: string | null;

  @Field(() => String, { nullable: true, description: 'The routing team the owner rotates in.' })
  team?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'Defaults to true.' })
  active?: boolean | null;
}

@InputType({ description: 'Omitted fields keep their value; null clears email or team.' })
export class UpdateOwnerInput {
  @Field(() => String, { nullable: true, description: 'Display name; cannot be cleared.' })
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'Unique among owners; null clears it.' })
  email?: string | null;

  @Field(() => String, { nullable: true, description: 'The routing team; null takes the owner out of every team.' })
  team?: string | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'false takes the owner out of routing; contacts it holds keep it.',
  })
  active?: boolean | null;
}

@InputType({ description: 'A routing rule: conditions not set always hold; the first matching rule names the team.' })
export class RoutingRuleInput {
  @Field(() => String, { description: 'The team whose active owners rotate for matching contacts.' })
  team: string;

  @Field(() => [String], { nullable: true, description: 'Contact countries, case-insensitive.' })
  countries?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Contact sources, case-insensitive.' })
  sources?: string[] | null;

  @Field(() => Int, { nullable: true, description: 'Smallest companySize that matches.' })
  minCompanySize?: number | null;

  @Field(() => Int, { nullable: true, description: 'Largest companySize that matches.' })
  maxCompanySize?: number | null;
}

@InputType({ description: 'Omitted fields keep their value.' })
export class RoutingPolicyInput {
  @Field(() => Boolean, { nullable: true, description: 'false: nothing is assigned automatically.' })
  enabled?: boolean | null;

  @Field(() => LifecycleStage, { nullable: true, description: 'MQL or SQL.' })
  assignAtStage?: LifecycleStage | null;

  @Field(() => String, { nullable: true, description: 'null: every active owner when no rule matches.' })
  defaultTeam?: string | null;

  @Field(() => [RoutingRuleInput], { nullable: true, description: 'Replaces the list; null or [] removes every rule.' })
  rules?: RoutingRuleInput[] | null;
}
