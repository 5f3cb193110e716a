/** Contact queries, mutations and the relations a contact page walks. Thin: args -> one service call. */
import { Arg, Ctx, FieldResolver, ID, Info, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import {
  Contact,
  ContactFilter,
  ContactOrder,
  CreateContactInput,
  UpdateContactInput,
  StageTransition,
  Qualification,
  Temperature,
} from '../../model';
import { ContactConnection } from './contact.types';
import { ActivityConnection } from '../activities';
import { ScoreChangeConnection, ScoreContribution } from '../scoring';
import { toConnection } from '../../graphql/connection';
import type { ActivitiesKey } from './contact.loaders';
import { selects } from '../../graphql/selection';
import type { Context } from '../../graphql/context';
import { Owner, OwnerAssignment } from '../owners';
import { Partner } from '../access';

@Resolver(() => Contact)
export class ContactsResolver {
  @Query(() => Contact, { nullable: true })
  contact(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return ctx.services.contacts.get(ctx.viewer, id);
  }

  @Query(() => Contact, { nullable: true })
  contactByEmail(@Arg('email', () => String) email: string, @Ctx() ctx: Context) {
    return ctx.services.contacts.getByEmail(ctx.viewer, email);
  }

  @Query(() => ContactConnection)
  async contacts(
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
    @Arg('filter', () => ContactFilter, { nullable: true }) filter?: ContactFilter,
    @Arg('orderBy', () => ContactOrder, { nullable: true }) orderBy?: ContactOrder,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    // The count is a scan of every matching contact: only when asked for.
    return toConnection(
      await ctx.services.contacts.list(ctx.viewer, {
        filter,
        orderBy,
        first: first ?? 20,
        after,
        count: selects(info, 'totalCount'),
      }),
    );
  }

  @Mutation(() => Contact)
  createContact(@Arg('input', () => CreateContactInput) input: CreateContactInput, @Ctx() ctx: Context) {
    return ctx.services.contacts.create(ctx.viewer, input);
  }

  @Mutation(() => Contact)
  updateContact(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateContactInput) input: UpdateContactInput,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.contacts.update(ctx.viewer, id, input);
  }

  @Mutation(() => Boolean, { description: 'Erases the contact with its activities, transitions and qualification.' })
  deleteContact(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return ctx.services.contacts.delete(ctx.viewer, id);
  }

  @FieldResolver(() => ActivityConnection, { description: 'Newest first.' })
  async activities(
    @Root() contact: Contact,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('type', () => String, { nullable: true }) type?: string,
  ) {
    const key: ActivitiesKey = [contact.id, first ?? 20, after ?? null, type ?? null, selects(info, 'totalCount')];
    return toConnection(await ctx.loaders.activities.load(JSON.stringify(key)));
  }

  @FieldResolver(() => [StageTransition], { description: 'Oldest first.' })
  transitions(@Root() contact: Contact, @Ctx() ctx: Context) {
    return ctx.loaders.transitions.load(contact.id);
  }

  @FieldResolver(() => Qualification, {
    nullable: true,
    description: 'The latest BANT qualification by sales, if any.',
  })
  qualification(@Root() contact: Contact, @Ctx() ctx: Context) {
    return ctx.loaders.qualification.load(contact.id);
  }

  /** The stored temperature (contacts.temperature, kept by scoring and the sweeper). */
  @FieldResolver(() => Temperature)
  temperature(@Root() contact: Contact): Temperature {
    return contact.temperature as Temperature;
  }

  @FieldResolver(() => ScoreChangeConnection, {
    description: 'Every change of the score, oldest first, inside [from, to) when given.',
  })
  async scoreHistory(
    @Root() contact: Contact,
    @Ctx() ctx: Context,
    @Arg('from', () => Date, { nullable: true, description: 'Changes at or after this time.' }) from?: Date,
    @Arg('to', () => Date, { nullable: true, description: 'Changes before this time.' }) to?: Date,
    @Arg('first', () => Int, { nullable: true, defaultValue: 100, description: 'Page size, at most MAX_PAGE_SIZE.' })
    first?: number,
    @Arg('after', () => String, { nullable: true, description: 'The endCursor of the previous page.' }) after?: string,
  ) {
    const key = JSON.stringify([
      contact.id,
      from ? from.getTime() : null,
      to ? to.getTime() : null,
      first ?? 100,
      after ?? null,
    ]);
    return toConnection(await ctx.loaders.scoreHistory.load(key));
  }

  @FieldResolver(() => Owner, {
    nullable: true,
    description: 'The owner ownerId names, when it is the id of an Owner.',
  })
  owner(@Root() contact: Contact, @Ctx() ctx: Context) {
    return contact.ownerId ? ctx.loaders.owner.load(contact.ownerId) : null;
  }

  @FieldResolver(() => Partner, {
    nullable: true,
    description: 'The partner that referred the contact (a PARTNER key reads its own).',
  })
  partner(@Root() contact: Contact, @Ctx() ctx: Context) {
    return contact.partnerId ? ctx.loaders.partner.load(contact.partnerId) : null;
  }

  @FieldResolver(() => [OwnerAssignment], {
    description: 'Every change of owner (routing or manual), oldest first: who, when, why.',
  })
  assignments(@Root() contact: Contact, @Ctx() ctx: Context) {
    return ctx.loaders.assignments.load(contact.id);
  }

  @FieldResolver(() => [ScoreContribution], {
    description: 'One row per rule that contributes points now; largest absolute contribution first.',
  })
  scoreBreakdown(@Root() contact: Contact, @Ctx() ctx: Context) {
    return ctx.loaders.breakdown.load(contact);
  }
}
