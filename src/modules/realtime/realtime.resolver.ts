/** Subscription.leadPromoted. */
import { Arg, Ctx, Field, FieldResolver, ID, ObjectType, Resolver, Root, Subscription } from 'type-graphql';
import { StageTransition, LifecycleStage, TransitionTrigger, Contact, ContactFilter, matchesFilter } from '../../model';
import { PromotionFilter, promotionCursor } from './realtime.service';
import type { WireTransition } from './promotion-log';
import type { Context } from '../../graphql/context';
import { ContactChangeKind } from './contact-changes';
import type { WireChange } from './contact-changes';

/** A promotion streamed to subscribers; pass its cursor back as `after` to resume. */
@ObjectType({ description: 'A promotion streamed to subscribers; pass its cursor back as `after` to resume.' })
export class PromotionEvent {
  @Field(() => String)
  cursor: string;

  @Field(() => StageTransition)
  transition: StageTransition;
}

@Resolver()
export class RealtimeResolver {
  @Subscription(() => PromotionEvent, {
    description:
      'Transitions into the given stages as they happen; with `after`, first replays those since that cursor.',
    subscribe: ({ args, context }) => {
      const ctx = context as Context;
      return ctx.services.realtime.stream(ctx.viewer, {
        ...(args as PromotionFilter),
        after: ctx.resumeAfter ?? (args as PromotionFilter).after,
      });
    },
  })
  leadPromoted(
    @Root() t: WireTransition,
    @Arg('stages', () => [LifecycleStage], { nullable: true, defaultValue: [LifecycleStage.MQL, LifecycleStage.SQL] })
    _stages: LifecycleStage[],
    @Arg('ownerId', () => String, { nullable: true }) _ownerId?: string,
    @Arg('partnerId', () => ID, { nullable: true }) _partnerId?: string,
    @Arg('after', () => String, { nullable: true }) _after?: string,
  ): PromotionEvent {
    // Contact data comes from loaders of a context built for this event (see src/server/shared-execution.ts),
    // so it is never stale.
    const { seq: _seq, ...fields } = t;
    const transition = Object.assign(new StageTransition(), {
      ...fields,
      fromStage: t.fromStage as LifecycleStage | null,
      toStage: t.toStage as LifecycleStage,
      trigger: t.trigger as TransitionTrigger,
      occurredAt: new Date(t.occurredAt),
    });
    return { cursor: promotionCursor(t), transition };
  }
}

/** A change of a contact streamed to contactChanged subscribers; pass its cursor back as `after` to resume. */
@ObjectType({
  description:
    'A change of a contact streamed to contactChanged subscribers; pass its cursor back as `after` to resume.',
})
export class ContactChangedEvent {
  @Field(() => String, { description: 'Pass it back as `after` to resume after this event.' })
  cursor: string;

  @Field(() => [ContactChangeKind], { description: 'What changed, in alphabetical order.' })
  changes: ContactChangeKind[];

  @Field(() => ID, { description: 'The changed contact (still set once it is deleted).' })
  contactId: string;

  @Field(() => Date, { description: 'When the change was committed.' })
  at: Date;

  @Field(() => Boolean, {
    description:
      'Whether the contact matches the subscription filter after the change; false: it has just left the ' +
      'filter (or was deleted).',
  })
  matchesFilter: boolean;
}

@Resolver(() => ContactChangedEvent)
export class ContactChangedResolver {
  @Subscription(() => ContactChangedEvent, {
    description:
      'Changes of contacts (score, stage, temperature, owner, fields, creation, deletion) that match the ' +
      'filter before or after the change, scoped like `contacts`; with `after`, first replays those since ' +
      'that cursor.',
    subscribe: ({ args, context }) => {
      const { filter, after } = args as { filter?: ContactFilter | null; after?: string | null };
      return (context as Context).services.realtime.changes((context as Context).viewer, filter ?? {}, after);
    },
  })
  contactChanged(
    @Root() c: WireChange,
    @Arg('filter', () => ContactFilter, { nullable: true, description: 'The contacts list filter.' })
    filter?: ContactFilter,
    @Arg('after', () => String, {
      nullable: true,
      description: 'A cursor an earlier event carried: replays every later change first.',
    })
    _after?: string,
  ): ContactChangedEvent {
    return {
      cursor: promotionCursor(c),
      changes: c.kinds,
      contactId: c.contactId,
      at: new Date(c.occurredAt),
      matchesFilter: !c.kinds.includes(ContactChangeKind.DELETED) && matchesFilter(filter ?? {}, c.after),
    };
  }

  @FieldResolver(() => Contact, {
    nullable: true,
    description: 'The contact as it is when the event is delivered; null once deleted.',
  })
  contact(@Root() e: ContactChangedEvent, @Ctx() ctx: Context) {
    return ctx.loaders.contact.load(e.contactId);
  }
}
