/** GraphQL inputs and payloads of ingestion. */
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { JSONObjectScalar } from '../../graphql/scalars';
import { connectionTypes } from '../../graphql/connection';
import { Activity } from './activity.entity';
import { StageTransition } from '../lifecycle/stage-transition.entity';

export const ActivityConnection = connectionTypes('Activity', Activity);

@InputType()
export class ActivityInput {
  @Field(() => ID, { nullable: true, description: 'The contact, by id; or give contactEmail.' })
  contactId?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'The contact, by email; a new PROSPECT contact is created when none has it.',
  })
  contactEmail?: string | null;

  @Field(() => String)
  type: string;

  @Field(() => Date, { nullable: true, description: 'Defaults to now; at most 5 minutes in the future.' })
  occurredAt?: Date | null;

  @Field(() => JSONObjectScalar, { nullable: true })
  properties?: Record<string, unknown> | null;

  @Field(() => String, { nullable: true, description: 'A second activity with the same key is not recorded again.' })
  idempotencyKey?: string | null;
}

@ObjectType()
export class RecordActivitiesPayload {
  @Field(() => [Activity], {
    description: 'The recorded activities, in input order; a duplicate returns the activity first recorded.',
  })
  activities: Activity[];

  @Field(() => [StageTransition], { description: 'Transitions the batch caused, in order.' })
  transitions: StageTransition[];

  @Field(() => Int, { description: 'How many inputs were already recorded under their idempotencyKey.' })
  duplicates: number;
}
