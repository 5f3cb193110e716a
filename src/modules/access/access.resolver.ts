/** API keys, partners and the viewer. */
import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { ApiKey } from './api-key.entity';
import { Partner } from './partner.entity';
import { CreateApiKeyInput } from './access.inputs';
import { CreatedApiKey } from './access.types';
import { assertCan } from './viewer';
import type { Context } from '../../graphql/context';

@Resolver()
export class AccessResolver {
  @Query(() => ApiKey, { nullable: true, description: 'The API key making the request.' })
  viewer(@Ctx() ctx: Context) {
    return ctx.services.access.getApiKey(ctx.viewer.keyId);
  }

  @Query(() => [Partner])
  partners(@Ctx() ctx: Context) {
    assertCan(ctx.viewer, 'admin');
    return ctx.services.access.listPartners();
  }

  @Query(() => [ApiKey])
  apiKeys(@Ctx() ctx: Context) {
    assertCan(ctx.viewer, 'admin');
    return ctx.services.access.listApiKeys();
  }

  @Mutation(() => Partner)
  createPartner(@Arg('name', () => String) name: string, @Ctx() ctx: Context) {
    assertCan(ctx.viewer, 'admin');
    return ctx.services.access.createPartner(name);
  }

  @Mutation(() => CreatedApiKey)
  createApiKey(@Arg('input', () => CreateApiKeyInput) input: CreateApiKeyInput, @Ctx() ctx: Context) {
    assertCan(ctx.viewer, 'admin');
    return ctx.services.access.createApiKey(input);
  }

  @Mutation(() => ApiKey)
  revokeApiKey(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    assertCan(ctx.viewer, 'admin');
    return ctx.services.access.revokeApiKey(id);
  }
}
