/** GraphQL inputs of the lifecycle API. */
import { Field, ID, InputType, Int } from 'type-graphql';
import { LifecycleStage, TransitionTrigger } from '../../model';

@InputType()
export class QualificationPolicyInput {
  @Field(() => Int, { nullable: true })
  leadThreshold?: number;

  @Field(() => Int, { nullable: true })
  mqlThreshold?: number;

  @Field(() => Int, { nullable: true, description: 'null clears it (no automatic SQL); omitted keeps it.' })
  sqlThreshold?: number | null;

  @Field(() => Int, { nullable: true })
  requiredBantCriteria?: number;

  @Field(() => Int, { nullable: true })
  hotThreshold?: number;

  @Field(() => Int, { nullable: true })
  warmThreshold?: number;

  @Field(() => Int, { nullable: true })
  temperatureWindowDays?: number;
}

@InputType()
export class QualificationInput {
  @Field(() => Boolean)
  budget: boolean;

  @Field(() => Boolean)
  authority: boolean;

  @Field(() => Boolean)
  need: boolean;

  @Field(() => Boolean)
  timeline: boolean;

  @Field(() => String, { nullable: true })
  notes?: string | null;
}

@InputType()
export class StageTransitionFilter {
  @Field(() => ID, { nullable: true })
  contactId?: string | null;

  @Field(() => [LifecycleStage], { nullable: true })
  toStages?: LifecycleStage[] | null;

  @Field(() => [TransitionTrigger], { nullable: true })
  triggers?: TransitionTrigger[] | null;

  @Field(() => Date, { nullable: true })
  occurredAfter?: Date | null;

  @Field(() => Date, { nullable: true })
  occurredBefore?: Date | null;
}
