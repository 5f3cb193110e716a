/**
 * Conversion metrics: the funnel, stage-to-stage conversion and velocity over
 * a window, optionally grouped, computed in the database (metrics.sql.ts) and
 * shaped by the pure definitions (metrics.definitions.ts).
 */
import { type DataSource } from 'typeorm';
import { type Viewer, assertCan, partnerScope } from '../access';
import { badInput } from '../../graphql/errors';
import { analyticQuery, dbDate, dialectOf } from '../../db/portable';
import type { Stage } from '../../model';
import {
  type ConversionMetricsValue,
  type CurrentRow,
  FUNNEL_STAGES,
  type GroupBy,
  type StageRow,
  assembleMetrics,
  rangeProblem,
} from './metrics.definitions';
import {
  type MetricsQuery,
  type RawCurrentRow,
  type RawStageRow,
  currentStatement,
  groupOf,
  stageStatement,
} from './metrics.sql';

const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

/**
 * Stage statements of one request in flight at once (the cheap current count
 * runs beside them): enough to keep a few database cores busy on MySQL, few
 * enough that concurrent metrics requests leave pooled connections to others.
 */
const PARALLEL_STATEMENTS = 3;

/** Runs `tasks` with at most `limit` in flight; results in task order. */
async function inParallel<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

export class MetricsService {
  constructor(private readonly ds: DataSource) {}

  /**
   * conversionMetrics over [from, to): BAD_USER_INPUT unless from < to and
   * the window spans at most 3 years. A PARTNER key counts its partner's
   * contacts only. The stage statements run concurrently, each on its own
   * snapshot (docs/metrics.md, Consistency).
   */
  async conversionMetrics(viewer: Viewer, from: Date, to: Date, groupBy: GroupBy): Promise<ConversionMetricsValue> {
    assertCan(viewer, 'read');
    const problem = rangeProblem(from, to);
    if (problem) throw badInput(problem.field, problem.message);
    const q: MetricsQuery = {
      dialect: dialectOf(this.ds),
      groupBy,
      from: dbDate(from),
      to: dbDate(to),
      partnerId: partnerScope(viewer),
    };
    const current = currentStatement(q);
    const [stageRaw, currentRaw] = await Promise.all([
      inParallel(
        FUNNEL_STAGES.map((stage) => () => {
          const st = stageStatement(q, stage);
          return analyticQuery<RawStageRow>(this.ds, st.sql, st.params);
        }),
        PARALLEL_STATEMENTS,
      ),
      analyticQuery<RawCurrentRow>(this.ds, current.sql, current.params),
    ]);
    const stageRows: StageRow[] = stageRaw.flatMap((rows, i) =>
      rows.map((r) => ({
        key: groupOf(q, r),
        isTotal: Number(r.is_total) === 1,
        stage: FUNNEL_STAGES[i],
        entered: Number(r.entered),
        converted: Number(r.converted),
        stayMedianMs: num(r.stay_median_ms),
        convertMedianMs: num(r.convert_median_ms),
      })),
    );
    const currentRows: CurrentRow[] = currentRaw.map((r) => ({
      key: groupOf(q, r),
      isTotal: Number(r.is_total) === 1,
      stage: r.stage as Stage,
      current: Number(r.current),
    }));
    return assembleMetrics(from, to, stageRows, currentRows);
  }
}
