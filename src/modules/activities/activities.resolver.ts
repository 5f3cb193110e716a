/** Ingestion mutations and the Activity -> Contact relation. */
import { Arg, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import { Activity, Contact } from '../../model';
import { ActivityInput } from './activity.inputs';
import { RecordActivitiesPayload } from './activity.types';
import { notFound } from '../../graphql/errors';
import type { Context } from '../../graphql/context';

@Resolver(() => Activity)
export class ActivitiesResolver {
  @Mutation(() => Activity)
  recordActivity(@Arg('input', () => ActivityInput) input: ActivityInput, @Ctx() ctx: Context) {
    return ctx.services.activities.recordOne(ctx.viewer, input);
  }

  @Mutation(() => RecordActivitiesPayload, { description: 'At most 1000 inputs; all or nothing.' })
  recordActivities(@Arg('inputs', () => [ActivityInput]) inputs: ActivityInput[], @Ctx() ctx: Context) {
    return ctx.services.activities.record(ctx.viewer, inputs);
  }

  @FieldResolver(() => Contact)
  async contact(@Root() activity: Activity, @Ctx() ctx: Context) {
    return (
      (await ctx.loaders.contact.load(activity.contactId)) ?? Promise.reject(notFound('Contact', activity.contactId))
    );
  }
}
