/** GraphQL inputs of ingestion. */
import { Field, ID, InputType } from 'type-graphql';
import { JSONObjectScalar } from '../../graphql/scalars';

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
