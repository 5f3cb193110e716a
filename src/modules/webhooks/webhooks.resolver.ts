/** Webhook endpoints, deliveries, redelivery and test events. */
import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../../graphql/context';
import { connectionTypes, toConnection } from '../../graphql/connection';
import { WebhookDelivery, WebhookEndpoint, WebhookEndpointWithSecret } from './webhook.entity';
import { CreateWebhookEndpointInput, UpdateWebhookEndpointInput } from './webhook.inputs';

const WebhookDeliveryConnection = connectionTypes('WebhookDelivery', WebhookDelivery);

@Resolver()
export class WebhooksResolver {
  @Query(() => [WebhookEndpoint], { description: "Endpoints the key manages (a PARTNER key: its partner's)." })
  webhookEndpoints(@Ctx() ctx: Context) {
    return ctx.services.webhooks.list(ctx.viewer);
  }

  @Query(() => WebhookEndpoint)
  webhookEndpoint(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return ctx.services.webhooks.get(ctx.viewer, id);
  }

  @Query(() => WebhookDeliveryConnection, {
    description:
      "An endpoint's deliveries, newest first, each with every attempt (time, status code, duration, error).",
  })
  async webhookDeliveries(
    @Arg('endpointId', () => ID) endpointId: string,
    @Arg('first', () => Int, { defaultValue: 20 }) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: Context,
  ) {
    return toConnection(await ctx.services.webhooks.deliveries(ctx.viewer, endpointId, first, after));
  }

  @Mutation(() => WebhookEndpointWithSecret, {
    description: 'Creates an endpoint; the signing secret is returned this once.',
  })
  createWebhookEndpoint(
    @Arg('input', () => CreateWebhookEndpointInput) input: CreateWebhookEndpointInput,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.webhooks.create(ctx.viewer, input);
  }

  @Mutation(() => WebhookEndpoint)
  updateWebhookEndpoint(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateWebhookEndpointInput) input: UpdateWebhookEndpointInput,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.webhooks.update(ctx.viewer, id, input);
  }

  @Mutation(() => WebhookEndpoint, {
    description: 'Stops delivery; events keep queueing until the endpoint is enabled again.',
  })
  disableWebhookEndpoint(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return ctx.services.webhooks.update(ctx.viewer, id, { enabled: false });
  }

  @Mutation(() => WebhookEndpoint, { description: 'Resumes delivery, retrying what waits at once.' })
  enableWebhookEndpoint(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return ctx.services.webhooks.update(ctx.viewer, id, { enabled: true });
  }

  @Mutation(() => WebhookEndpoint, {
    description: 'Deletes the endpoint with its queue and delivery log; returns it as it was.',
  })
  deleteWebhookEndpoint(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return ctx.services.webhooks.delete(ctx.viewer, id);
  }

  @Mutation(() => WebhookEndpointWithSecret, {
    description: 'A new signing secret; the old one keeps signing beside it for 24 hours.',
  })
  rotateWebhookSecret(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return ctx.services.webhooks.rotateSecret(ctx.viewer, id);
  }

  @Mutation(() => WebhookDelivery, {
    description: 'Sends a delivery again now (same webhook-id and body) and returns it with the new attempt.',
  })
  redeliverWebhook(@Arg('deliveryId', () => ID) deliveryId: string, @Ctx() ctx: Context) {
    return ctx.services.webhooks.redeliver(ctx.viewer, deliveryId);
  }

  @Mutation(() => WebhookDelivery, {
    description: 'Sends a signed `webhook.ping` test event now and returns it with its attempt.',
  })
  pingWebhookEndpoint(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return ctx.services.webhooks.ping(ctx.viewer, id);
  }
}
