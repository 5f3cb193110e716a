/**
 * Scoring insight (docs/insights.md): simulateScoring / applySimulation,
 * ruleInsights and suggestScoring. The definitions (replay, tallies,
 * statistics, logistic regression) are pure modules beside the services.
 */
import { type DataSource } from 'typeorm';
import type { ScoringRules } from '../scoring';
import type { LifecycleService } from '../lifecycle';
import type { PromotionPublisher } from '../realtime';
import { SimulationService } from './simulation.service';
import { AnalysisService } from './analysis.service';

export { SimulationJob, SimulationDifferenceRow } from './simulation-job.entity';
export { SimulationJobResolver, SimulationResultResolver } from './insights.resolver';
export { SimulationService } from './simulation.service';
export { AnalysisService } from './analysis.service';

/** The insights' services, as Services.insights holds them. */
export interface InsightsServices {
  simulation: SimulationService;
  analysis: AnalysisService;
  /** Largest page of changedContacts. */
  maxFirst: number;
}

/** Builds the insights' services; `batchSize` contacts are read per batch. */
export function createInsights(
  ds: DataSource,
  deps: { scoring: ScoringRules; lifecycle: LifecycleService; publisher: PromotionPublisher },
  opts: { batchSize: number; maxFirst: number },
): InsightsServices {
  return {
    simulation: new SimulationService(ds, deps.scoring, deps.lifecycle, deps.publisher, opts.batchSize),
    analysis: new AnalysisService(ds, deps.scoring, deps.lifecycle, opts.batchSize),
    maxFirst: opts.maxFirst,
  };
}
