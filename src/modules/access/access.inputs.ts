/** GraphQL inputs and payloads of keys and partners. */
import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { ApiKey, Role } from './api-key.entity';

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

@ObjectType()
export class CreatedApiKey {
  @Field(() => ApiKey)
  apiKey: ApiKey;

  @Field(() => String, { description: 'The secret, shown this once; only a hash is stored.' })
  secret: string;
}
