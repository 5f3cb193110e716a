/** GraphQL outputs of ingestion: the activity connection and the batch payload. */
import { Field, Int, ObjectType } from 'type-graphql';
import { connectionTypes } from '../../graphql/connection';
import { Activity, StageTransition } from '../../model';

export const ActivityConnection = connectionTypes('Activity', Activity);

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
