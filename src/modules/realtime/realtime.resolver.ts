/** Subscription.leadPromoted. */
import { Arg, Field, ID, ObjectType, Resolver, Root, Subscription } from 'type-graphql';
import { StageTransition } from '../lifecycle/stage-transition.entity';
import { LifecycleStage, TransitionTrigger } from '../lifecycle/stage';
import { PromotionFilter, promotionCursor } from './realtime.service';
import type { WireTransition } from './promotion-log';
import type { Context } from '../../graphql/context';

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
    description: 'Transitions into the given stages as they happen; with `after`, first replays those since that cursor.',
    subscribe: ({ args, context }) => {
      const ctx = context as Context;
      return ctx.services.realtime.stream(ctx.viewer, { ...(args as PromotionFilter), after: ctx.resumeAfter ?? (args as PromotionFilter).after });
    },
  })
  leadPromoted(
    @Root() t: WireTransition,
    @Arg('stages', () => [LifecycleStage], { nullable: true, defaultValue: [LifecycleStage.MQL, LifecycleStage.SQL] }) _stages: LifecycleStage[],
    @Arg('ownerId', () => String, { nullable: true }) _ownerId?: string,
    @Arg('partnerId', () => ID, { nullable: true }) _partnerId?: string,
    @Arg('after', () => String, { nullable: true }) _after?: string,
  ): PromotionEvent {
    // Contact data comes from loaders of a context built for this event (see shared-execution.ts), so it is never stale.
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
