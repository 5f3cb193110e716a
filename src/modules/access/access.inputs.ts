/** GraphQL inputs of keys and partners. */
import { Field, ID, InputType } from 'type-graphql';
import { Role } from './api-key.entity';

@InputType()
export class CreateApiKeyInput {
  @Field(() => String)
  name: string;

  @Field(() => Role)
  role: Role;

  @Field(() => ID, {
    nullable: true,
    description: "Required for PARTNER keys, which then see only that partner's contacts.",
  })
  partnerId?: string | null;

  @Field(() => ID, {
    nullable: true,
    description: 'The owner the key acts for (see Owner): actor and qualifiedBy then name that owner.',
  })
  ownerId?: string | null;
}
