/** simulateScoring, simulationJob, applySimulation, ruleInsights, suggestScoring. Thin: args -> one service call. */
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { SimulationJob } from './simulation-job.entity';
import { SimulateScoringInput } from './insights.inputs';
import { RuleInsights, ScoringSuggestion, SimulationDifferenceConnection, SimulationResult } from './insights.types';
import { checkFirst, decodeCursor, encodeCursor } from '../../graphql/pagination';
import type { Context } from '../../graphql/context';

const HORIZON = {
  nullable: true,
  defaultValue: 30,
  description: 'Days after entering the window within which reaching SQL counts.',
} as const;

@Resolver(() => SimulationJob)
export class SimulationJobResolver {
  @Mutation(() => SimulationJob, {
    description:
      'Replays the window under a proposed rule set and policy as a job; writes nothing to scores, stages or ' +
      'transitions. ADMIN and MARKETING.',
  })
  simulateScoring(@Arg('input', () => SimulateScoringInput) input: SimulateScoringInput, @Ctx() ctx: Context) {
    return ctx.services.insights.simulation.simulate(ctx.viewer, {
      ...input,
      rules: input.rules.map((r) => ({ ...r, conditions: r.conditions ?? undefined })),
    });
  }

  @Query(() => SimulationJob, {
    nullable: true,
    description: 'A simulation job: progress, then its result. ADMIN and MARKETING.',
  })
  simulationJob(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return ctx.services.insights.simulation.get(ctx.viewer, id);
  }

  @Mutation(() => SimulationJob, {
    description:
      "Makes a SUCCEEDED simulation's rule set and policy the live ones (one transaction), then the usual " +
      'rescore. ADMIN and MARKETING.',
  })
  applySimulation(@Arg('jobId', () => ID) jobId: string, @Ctx() ctx: Context) {
    return ctx.services.insights.simulation.apply(ctx.viewer, jobId);
  }

  @FieldResolver(() => SimulationResult, { nullable: true, description: 'Null until the job SUCCEEDED.' })
  result(@Root() job: SimulationJob): SimulationResult | null {
    const s = job.summary;
    if (!s) return null;
    return {
      jobId: job.id,
      from: new Date(job.input.from),
      to: new Date(job.input.to),
      horizonDays: job.input.horizonDays,
      stages: s.stages as SimulationResult['stages'],
      weeklyMqls: s.weeks.map((w) => ({ ...w, weekStart: new Date(w.weekStart) })),
      changedContactCount: s.changedContacts,
      simulated: s.simulated,
      current: s.current,
    };
  }

  @Query(() => RuleInsights, {
    description:
      'For each active rule: SQL rate of the contacts it applied to against the others, lift with a 95% ' +
      'interval (Wilson, MOVER-R), median days to SQL, points. ADMIN and MARKETING.',
  })
  ruleInsights(
    @Arg('from', () => Date) from: Date,
    @Arg('to', () => Date) to: Date,
    @Ctx() ctx: Context,
    @Arg('horizonDays', () => Int, HORIZON) horizonDays: number,
  ) {
    return ctx.services.insights.analysis.ruleInsights(ctx.viewer, from, to, horizonDays);
  }

  @Query(() => ScoringSuggestion, {
    description:
      'Suggested points from a logistic regression with a time-based holdout, scaled to keep the MQL volume; ' +
      'holdout AUC and calibration. ADMIN and MARKETING.',
  })
  suggestScoring(
    @Arg('from', () => Date) from: Date,
    @Arg('to', () => Date) to: Date,
    @Ctx() ctx: Context,
    @Arg('horizonDays', () => Int, HORIZON) horizonDays: number,
  ) {
    return ctx.services.insights.analysis.suggestScoring(ctx.viewer, from, to, horizonDays);
  }
}

@Resolver(() => SimulationResult)
export class SimulationResultResolver {
  @FieldResolver(() => SimulationDifferenceConnection, {
    description: 'The contacts whose MQL status would differ, with the rules that made the difference; by contact id.',
  })
  async changedContacts(
    @Root() result: SimulationResult,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ) {
    const size = checkFirst(first, ctx.services.insights.maxFirst);
    const start = after ? String(decodeCursor(after, ['key'])[0]) : null;
    const page = await ctx.services.insights.simulation.differences(result.jobId, size, start);
    const contacts = await Promise.all(page.rows.map((r) => ctx.loaders.contact.load(r.contactId)));
    return {
      edges: page.rows.map((r, i) => ({
        cursor: encodeCursor([r.contactId]),
        node: { ...r, contact: contacts[i] ?? null },
      })),
      pageInfo: {
        hasNextPage: page.hasNextPage,
        endCursor: page.rows.length ? encodeCursor([page.rows[page.rows.length - 1].contactId]) : null,
      },
      totalCount: result.changedContactCount,
    };
  }
}
