/** GraphQL inputs of webhook endpoints. */
import { Field, InputType } from 'type-graphql';
import { LifecycleStage } from '../../model';

@InputType()
export class CreateWebhookEndpointInput {
  @Field(() => String, {
    description: 'https: URL (http: only when WEBHOOK_ALLOW_HTTP=true); never a private or loopback address.',
  })
  url: string;

  @Field(() => [LifecycleStage], {
    nullable: true,
    defaultValue: [LifecycleStage.MQL, LifecycleStage.SQL],
    description: 'Transitions into these stages are sent.',
  })
  stages: LifecycleStage[];

  @Field(() => String, { nullable: true })
  description?: string | null;
}

@InputType()
export class UpdateWebhookEndpointInput {
  @Field(() => String, { nullable: true })
  url?: string | null;

  @Field(() => [LifecycleStage], { nullable: true })
  stages?: LifecycleStage[] | null;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'false stops delivery (messages keep queueing); true resumes it, retrying what waits at once.',
  })
  enabled?: boolean | null;
}
