/** Lifecycle queries and mutations: transitions, policy, qualification, manual moves. */
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { StageTransition, LifecycleStage, Contact } from '../../model';
import { QualificationPolicy } from './qualification-policy.entity';
import { QualificationInput, QualificationPolicyInput, StageTransitionFilter } from './lifecycle.inputs';
import { StageTransitionConnection } from './lifecycle.types';
import { assertCan } from '../access';
import { notFound } from '../../graphql/errors';
import { toConnection } from '../../graphql/connection';
import type { Context } from '../../graphql/context';

@Resolver(() => StageTransition)
export class LifecycleResolver {
  @Query(() => StageTransitionConnection)
  async stageTransitions(
    @Ctx() ctx: Context,
    @Arg('filter', () => StageTransitionFilter, { nullable: true }) filter?: StageTransitionFilter,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    return toConnection(await ctx.services.lifecycle.list(ctx.viewer, filter ?? {}, first ?? 20, after));
  }

  @Query(() => QualificationPolicy)
  qualificationPolicy(@Ctx() ctx: Context) {
    assertCan(ctx.viewer, 'readConfig');
    return ctx.services.lifecycle.policyEntity();
  }

  @Mutation(() => QualificationPolicy)
  updateQualificationPolicy(
    @Arg('input', () => QualificationPolicyInput) input: QualificationPolicyInput,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.lifecycle.updatePolicy(ctx.viewer, input);
  }

  @Mutation(() => Contact)
  transitionContact(
    @Arg('id', () => ID) id: string,
    @Arg('toStage', () => LifecycleStage) toStage: LifecycleStage,
    @Arg('reason', () => String) reason: string,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.lifecycle.transition(ctx.viewer, id, toStage, reason);
  }

  @Mutation(() => Contact, {
    description: 'Sales qualification of an MQL: enough BANT criteria makes it SQL, too few sends it to NURTURE.',
  })
  qualifyContact(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => QualificationInput) input: QualificationInput,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.lifecycle.qualify(ctx.viewer, id, input);
  }

  @FieldResolver(() => Contact)
  async contact(@Root() t: StageTransition, @Ctx() ctx: Context) {
    return (await ctx.loaders.contact.load(t.contactId)) ?? Promise.reject(notFound('Contact', t.contactId));
  }
}
