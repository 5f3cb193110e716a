/** What a score change points at: its rule and activity, through per-request loaders. */
import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { ScoreChange } from './score-change';
import { ScoringRule } from './scoring-rule.entity';
import { Activity } from '../../model';
import type { Context } from '../../graphql/context';

@Resolver(() => ScoreChange)
export class ScoreChangeResolver {
  @FieldResolver(() => ScoringRule, { nullable: true, description: 'The rule behind it, even if since deactivated.' })
  rule(@Root() c: ScoreChange, @Ctx() ctx: Context) {
    return c.ruleId ? ctx.loaders.rule.load(c.ruleId) : null;
  }

  @FieldResolver(() => Activity, { nullable: true, description: 'The activity behind it.' })
  activity(@Root() c: ScoreChange, @Ctx() ctx: Context) {
    return c.activityId ? ctx.loaders.activity.load(c.activityId) : null;
  }
}
