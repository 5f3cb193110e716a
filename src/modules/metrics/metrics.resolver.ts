/** conversionMetrics. Thin: args -> one service call. */
import { Arg, Ctx, Query, Resolver } from 'type-graphql';
import { MetricsGroupBy } from './metrics.inputs';
import { ConversionMetrics } from './metrics.types';
import type { Context } from '../../graphql/context';

@Resolver()
export class MetricsResolver {
  @Query(() => ConversionMetrics)
  conversionMetrics(
    @Arg('from', () => Date) from: Date,
    @Arg('to', () => Date) to: Date,
    @Ctx() ctx: Context,
    @Arg('groupBy', () => MetricsGroupBy, { nullable: true, defaultValue: MetricsGroupBy.NONE })
    groupBy?: MetricsGroupBy | null,
  ) {
    return ctx.services.metrics.conversionMetrics(ctx.viewer, from, to, groupBy ?? MetricsGroupBy.NONE);
  }
}
