/** Owners and the routing policy. Thin: args -> one service call. */
import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Owner } from './owner.entity';
import { OwnerAssignment } from './owner-assignment.entity';
import { RoutingPolicy } from './routing-policy.entity';
import { CreateOwnerInput, RoutingPolicyInput, UpdateOwnerInput } from './owners.inputs';
import { StageTransition, Qualification } from '../../model';
import { ApiKey } from '../access';
import type { Context } from '../../graphql/context';

@Resolver(() => Owner)
export class OwnersResolver {
  @Query(() => [Owner], { description: 'Owners by name. Every role but PARTNER may read them; ADMIN manages them.' })
  owners(
    @Ctx() ctx: Context,
    @Arg('includeInactive', () => Boolean, {
      nullable: true,
      defaultValue: true,
      description: 'false: active owners only.',
    })
    includeInactive?: boolean,
    @Arg('team', () => String, { nullable: true, description: 'Owners of this team only.' }) team?: string,
  ) {
    return ctx.services.owners.list(ctx.viewer, { includeInactive, team });
  }

  @Mutation(() => Owner, { description: 'ADMIN only.' })
  createOwner(
    @Arg('input', () => CreateOwnerInput, { description: 'The owner.' }) input: CreateOwnerInput,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.owners.create(ctx.viewer, input);
  }

  @Mutation(() => Owner, { description: 'ADMIN only.' })
  updateOwner(
    @Arg('id', () => ID, { description: 'Owner id.' }) id: string,
    @Arg('input', () => UpdateOwnerInput, { description: 'Fields to change.' }) input: UpdateOwnerInput,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.owners.update(ctx.viewer, id, input);
  }

  @Query(() => RoutingPolicy, { description: 'How contacts without an owner are assigned.' })
  routingPolicy(@Ctx() ctx: Context) {
    return ctx.services.owners.routingPolicy(ctx.viewer);
  }

  @Mutation(() => RoutingPolicy, { description: 'ADMIN only. Applies to contacts that reach the stage from now on.' })
  updateRoutingPolicy(
    @Arg('input', () => RoutingPolicyInput, { description: 'Settings to change.' }) input: RoutingPolicyInput,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.owners.updateRouting(ctx.viewer, input);
  }
}

@Resolver(() => OwnerAssignment)
export class OwnerAssignmentResolver {
  @FieldResolver(() => Owner, { nullable: true, description: 'The owner after the change, when ownerId names one.' })
  owner(@Root() a: OwnerAssignment, @Ctx() ctx: Context) {
    return a.ownerId ? ctx.loaders.owner.load(a.ownerId) : null;
  }

  @FieldResolver(() => Owner, { nullable: true, description: 'The owner the acting API key acts for, if any.' })
  actorOwner(@Root() a: OwnerAssignment, @Ctx() ctx: Context) {
    return a.actorOwnerId ? ctx.loaders.owner.load(a.actorOwnerId) : null;
  }
}

@Resolver(() => StageTransition)
export class TransitionActorResolver {
  @FieldResolver(() => Owner, { nullable: true, description: 'The owner the API key that caused it acts for, if any.' })
  actorOwner(@Root() t: StageTransition, @Ctx() ctx: Context) {
    return t.actorOwnerId ? ctx.loaders.owner.load(t.actorOwnerId) : null;
  }
}

@Resolver(() => Qualification)
export class QualifierResolver {
  @FieldResolver(() => Owner, { nullable: true, description: 'The owner the qualifying API key acts for, if any.' })
  qualifiedByOwner(@Root() q: Qualification, @Ctx() ctx: Context) {
    return q.qualifiedByOwnerId ? ctx.loaders.owner.load(q.qualifiedByOwnerId) : null;
  }
}

@Resolver(() => ApiKey)
export class ApiKeyOwnerResolver {
  @FieldResolver(() => Owner, { nullable: true, description: 'The owner this key acts for, if any.' })
  owner(@Root() k: ApiKey, @Ctx() ctx: Context) {
    return k.ownerId ? ctx.loaders.owner.load(k.ownerId) : null;
  }
}
