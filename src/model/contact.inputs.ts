/** GraphQL inputs and enums of the contacts API. */
import { Field, ID, InputType, Int, registerEnumType } from 'type-graphql';
import { JSONObjectScalar } from '../graphql/scalars';
import { LifecycleStage, Temperature } from './stage';

export enum SortDirection {
  ASC = 'ASC',
  DESC = 'DESC',
}
registerEnumType(SortDirection, { name: 'SortDirection' });

export enum ContactSortField {
  SCORE = 'SCORE',
  CREATED_AT = 'CREATED_AT',
  UPDATED_AT = 'UPDATED_AT',
  STAGE_CHANGED_AT = 'STAGE_CHANGED_AT',
  NAME = 'NAME',
  COMPANY = 'COMPANY',
  EMAIL = 'EMAIL',
  LAST_ACTIVITY = 'LAST_ACTIVITY',
}
registerEnumType(ContactSortField, {
  name: 'ContactSortField',
  valuesConfig: {
    NAME: {
      description:
        'lastName then firstName, case-insensitive; contacts without a name come first ascending, last descending.',
    },
    COMPANY: { description: 'Case-insensitive; contacts without a company come first ascending, last descending.' },
    EMAIL: { description: 'The lower-cased email.' },
    LAST_ACTIVITY: { description: 'lastActivityAt; contacts without activity come first ascending, last descending.' },
  },
});

@InputType()
export class ContactFilter {
  @Field(() => [LifecycleStage], { nullable: true })
  stages?: LifecycleStage[] | null;

  @Field(() => Int, { nullable: true })
  minScore?: number | null;

  @Field(() => Int, { nullable: true })
  maxScore?: number | null;

  @Field(() => [Temperature], { nullable: true })
  temperatures?: Temperature[] | null;

  @Field(() => String, { nullable: true })
  ownerId?: string | null;

  @Field(() => ID, { nullable: true })
  partnerId?: string | null;

  @Field(() => String, { nullable: true })
  source?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Case-insensitive prefix of email, first name, last name or company.',
  })
  search?: string | null;

  @Field(() => Date, { nullable: true })
  createdAfter?: Date | null;

  @Field(() => Date, { nullable: true })
  createdBefore?: Date | null;

  @Field(() => Boolean, { nullable: true, description: 'true: contacts with an ownerId; false: unassigned contacts.' })
  hasOwner?: boolean | null;
}

@InputType()
export class ContactOrder {
  @Field(() => ContactSortField)
  field: ContactSortField;

  @Field(() => SortDirection)
  direction: SortDirection;
}

/** Fields shared by create and update; not referenced by any resolver, so it is not emitted on its own. */
@InputType('ContactFieldsBase')
abstract class ContactFields {
  @Field(() => String, { nullable: true })
  firstName?: string | null;

  @Field(() => String, { nullable: true })
  lastName?: string | null;

  @Field(() => String, { nullable: true })
  company?: string | null;

  @Field(() => String, { nullable: true })
  jobTitle?: string | null;

  @Field(() => String, { nullable: true })
  industry?: string | null;

  @Field(() => Int, { nullable: true })
  companySize?: number | null;

  @Field(() => String, { nullable: true })
  country?: string | null;

  @Field(() => String, { nullable: true })
  source?: string | null;

  @Field(() => String, { nullable: true })
  ownerId?: string | null;

  @Field(() => ID, { nullable: true })
  partnerId?: string | null;

  @Field(() => JSONObjectScalar, { nullable: true })
  attributes?: Record<string, unknown> | null;
}

@InputType()
export class CreateContactInput extends ContactFields {
  @Field(() => String)
  email: string;
}

@InputType()
export class UpdateContactInput extends ContactFields {
  @Field(() => String, { nullable: true })
  email?: string;
}
