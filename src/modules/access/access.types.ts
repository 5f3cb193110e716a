/** GraphQL payloads of keys and partners. */
import { Field, ObjectType } from 'type-graphql';
import { ApiKey } from './api-key.entity';

@ObjectType()
export class CreatedApiKey {
  @Field(() => ApiKey)
  apiKey: ApiKey;

  @Field(() => String, { description: 'The secret, shown this once; only a hash is stored.' })
  secret: string;
}
