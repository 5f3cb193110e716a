/** Scoring rules and rescore jobs. */
import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { ScoringRule } from './scoring-rule.entity';
import { RescoreJob } from './rescore-job.entity';
import { ScoringRuleInput, ScoringRulePatch } from './scoring.inputs';
import { assertCan } from '../access';
import type { Context } from '../../graphql/context';

@Resolver(() => ScoringRule)
export class ScoringResolver {
  @Query(() => [ScoringRule])
  scoringRules(
    @Ctx() ctx: Context,
    @Arg('includeInactive', () => Boolean, { nullable: true, defaultValue: false }) includeInactive?: boolean,
  ) {
    assertCan(ctx.viewer, 'readConfig');
    return ctx.services.scoring.rules.listRules(includeInactive ?? false);
  }

  @Mutation(() => ScoringRule)
  createScoringRule(@Arg('input', () => ScoringRuleInput) input: ScoringRuleInput, @Ctx() ctx: Context) {
    return ctx.services.scoring.rules.createRule(ctx.viewer, { ...input, conditions: input.conditions ?? [] });
  }

  @Mutation(() => ScoringRule)
  updateScoringRule(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => ScoringRulePatch) input: ScoringRulePatch,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.scoring.rules.updateRule(ctx.viewer, id, input);
  }

  @Mutation(() => Boolean, {
    description: 'Deactivates the rule; its points stop counting after the rescore it starts.',
  })
  deleteScoringRule(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return ctx.services.scoring.rules.deleteRule(ctx.viewer, id);
  }

  @Mutation(() => RescoreJob, {
    description: "Recomputes every contact's scores from its activities and the active rules.",
  })
  rescoreContacts(@Ctx() ctx: Context) {
    assertCan(ctx.viewer, 'manageScoring');
    return ctx.services.rescore.requestRescore();
  }

  @Query(() => RescoreJob, { nullable: true })
  rescoreJob(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    assertCan(ctx.viewer, 'readConfig');
    return ctx.services.rescore.get(id);
  }
}
