/**
 * simulateScoring as a job: a proposed rule set and policy replayed over
 * every contact's stored history in keyset batches (memory stays that of a
 * batch), with progress on the job row, writing nothing to scores, stages
 * or transitions; the differences go to simulation_differences batch by
 * batch and the summary to the job. applySimulation then makes the
 * proposal live in one transaction (the rescore it starts does the rest).
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { type DataSource, type EntityManager } from 'typeorm';
import { type Rule, fitContributions, scoreAllActivities, JobState } from '../scoring';
import { type Policy, mergePolicy, validatePolicy, type StageTransition } from '../../model';
import type { LifecycleService } from '../lifecycle';
import type { ScoringRules } from '../scoring';
import type { PromotionPublisher } from '../realtime';
import { type Viewer, assertCan } from '../access';
import { badInput, conflict, notFound } from '../../graphql/errors';
import { type SqlValue, insertRows } from '../../db/bulk';
import { transaction } from '../../db/portable';
import { SimulationDifferenceRow, SimulationJob, type SimulationSpec } from './simulation-job.entity';
import { type ProposedRule, resolveProposal } from './proposal';
import { SimulationTally, pointsByRule, ruleDifferences } from './simulation';
import { replayContact, type ContactHistory } from './replay';
import { forEachHistoryBatch } from './history';
import { checkWindow } from './window';

/** simulateScoring's input as the service takes it. */
export interface SimulateInput {
  rules: ProposedRule[];
  policy?: Partial<Policy> | null;
  from: Date;
  to: Date;
  horizonDays?: number | null;
}

/** A RUNNING job whose heartbeat is older than this lost its process. */
const STALE_MS = 60_000;

export class SimulationService {
  private readonly runnerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly running = new Set<Promise<void>>();
  private stopping = false;

  constructor(
    private readonly ds: DataSource,
    private readonly scoring: ScoringRules,
    private readonly lifecycle: LifecycleService,
    private readonly publisher: PromotionPublisher,
    private readonly batchSize: number,
  ) {}

  /** Validates the proposal, stores the job and starts it in this process; returns it RUNNING. */
  async simulate(viewer: Viewer, input: SimulateInput): Promise<SimulationJob> {
    assertCan(viewer, 'manageScoring');
    const window = checkWindow(input.from, input.to, input.horizonDays ?? 30);
    const resolved = resolveProposal(
      input.rules,
      (await this.scoring.listRules(true)).map((r) => ({ ...r, conditions: r.conditions ?? [] })),
    );
    if ('problem' in resolved) throw badInput(resolved.problem.field, resolved.problem.message);
    const policy = mergePolicy(await this.lifecycle.policy(), input.policy ?? {});
    const problem = validatePolicy(policy);
    if (problem) throw badInput(`input.policy.${problem.field}`, problem.message);
    const now = new Date();
    const job = Object.assign(new SimulationJob(), {
      id: randomUUID(),
      state: JobState.RUNNING,
      processed: 0,
      total: await this.ds.query('SELECT COUNT(*) AS n FROM contacts').then((r) => Number(r[0].n)),
      input: { rules: resolved.rules, policy, ...window } satisfies SimulationSpec,
      summary: null,
      createdBy: viewer.name,
      runner: this.runnerId,
      heartbeatAt: now,
      startedAt: now,
      finishedAt: null,
      appliedAt: null,
      error: null,
    });
    await this.ds.getRepository(SimulationJob).save(job);
    const run = this.run(job).finally(() => this.running.delete(run));
    this.running.add(run);
    return job;
  }

  /** The job; a RUNNING one whose process stopped heartbeating is reported (and stored) FAILED. */
  async get(viewer: Viewer, id: string): Promise<SimulationJob | null> {
    assertCan(viewer, 'manageScoring');
    const job = await this.ds.getRepository(SimulationJob).findOne({ where: { id } });
    if (job?.state === JobState.RUNNING && Date.now() - (job.heartbeatAt?.getTime() ?? 0) > STALE_MS) {
      Object.assign(job, {
        state: JobState.FAILED,
        finishedAt: new Date(),
        error: 'the process running the simulation stopped; run it again',
      });
      await this.ds
        .getRepository(SimulationJob)
        .update({ id, state: JobState.RUNNING }, { state: job.state, finishedAt: job.finishedAt, error: job.error });
    }
    return job;
  }

  /** Stops running jobs after their batch in flight; they end FAILED (a simulation is cheap to run again). */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.running]);
  }

  /** Resolves when this process runs no simulation (tests, benchmarks). */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.all([...this.running]);
  }

  private async run(job: SimulationJob): Promise<void> {
    const repo = this.ds.getRepository(SimulationJob);
    try {
      const spec = job.input;
      const current = await this.scoring.activeRules();
      const tally = new SimulationTally(spec);
      let processed = 0;
      await forEachHistoryBatch(this.ds, this.batchSize, spec.to, async (batch) => {
        if (this.stopping) throw new Error('the service stopped during the simulation; run it again');
        const rows = batch.flatMap((h) => this.replay(h, spec, current, tally, job.id));
        await transaction(this.ds, async (em) => {
          if (rows.length)
            await insertRows(
              em,
              'simulation_differences',
              ['job_id', 'contact_id', 'simulated_mql', 'actual_mql', 'rules'],
              rows,
            );
          processed += batch.length;
          await em
            .getRepository(SimulationJob)
            .update({ id: job.id }, { processed, total: Math.max(job.total, processed), heartbeatAt: new Date() });
        });
      });
      await repo.update(
        { id: job.id },
        {
          state: JobState.SUCCEEDED,
          summary: tally.summary(),
          processed,
          total: processed,
          finishedAt: new Date(),
          heartbeatAt: new Date(),
        },
      );
    } catch (err) {
      await repo
        .update(
          { id: job.id },
          {
            state: JobState.FAILED,
            finishedAt: new Date(),
            error: String((err as Error)?.message ?? err).slice(0, 1000),
          },
        )
        .catch(() => undefined);
    }
  }

  /** Replays one contact, tallies it, and returns its difference row when its MQL status changes. */
  private replay(
    h: ContactHistory,
    spec: SimulationSpec,
    current: Rule[],
    tally: SimulationTally,
    jobId: string,
  ): SqlValue[][] {
    const sim = replayContact(h, spec.rules, spec.policy, spec.to);
    const { simulatedMql, actualMql } = tally.add(sim.transitions, h.transitions);
    if (simulatedMql === actualMql) return [];
    const activities = h.activities.filter((a) => a.occurredAt <= spec.to);
    const before = pointsByRule(fitContributions(h.facts, current), scoreAllActivities(activities, current), spec.to);
    const after = pointsByRule(sim.fit, sim.applications, spec.to);
    const names = new Map([...current, ...spec.rules].map((r) => [r.id, r.name]));
    const newIds = new Set(spec.rules.filter((r) => !r.existing).map((r) => r.id));
    const rules = ruleDifferences(before, after, (id) => ({
      ruleId: newIds.has(id) ? null : id,
      ruleName: names.get(id) ?? id,
    }));
    return [[jobId, h.id, simulatedMql ? 1 : 0, actualMql ? 1 : 0, JSON.stringify(rules)]];
  }

  /** The contacts whose MQL status differs, by contact id after `after`. */
  async differences(
    jobId: string,
    first: number,
    after: string | null,
  ): Promise<{ rows: SimulationDifferenceRow[]; hasNextPage: boolean }> {
    const rows = await this.ds
      .getRepository(SimulationDifferenceRow)
      .createQueryBuilder('d')
      .where('d.job_id = :jobId AND d.contact_id > :after', { jobId, after: after ?? '' })
      .orderBy('d.contact_id', 'ASC')
      .limit(first + 1)
      .getMany();
    return { rows: rows.slice(0, first), hasNextPage: rows.length > first };
  }

  /** Makes a finished simulation's rule set and policy the live ones, in one transaction, then the usual rescore. */
  async apply(viewer: Viewer, jobId: string): Promise<SimulationJob> {
    assertCan(viewer, 'manageScoring');
    let transitions: StageTransition[] = [];
    const job = await transaction(this.ds, async (em: EntityManager) => {
      const repo = em.getRepository(SimulationJob);
      const found = await repo.findOne({ where: { id: jobId } });
      if (!found) throw notFound('Simulation job', jobId);
      if (found.state !== JobState.SUCCEEDED)
        throw badInput('jobId', `only a SUCCEEDED simulation can be applied; this one is ${found.state}`, {
          state: found.state,
        });
      const taken = await repo
        .createQueryBuilder()
        .update()
        .set({ appliedAt: new Date() })
        .where('id = :id AND applied_at IS NULL', { id: jobId })
        .execute();
      if (taken.affected !== 1) throw conflict('This simulation was already applied');
      await this.scoring.replaceRuleSet(em, found.input.rules);
      ({ transitions } = await this.lifecycle.changePolicy(em, found.input.policy));
      return (await repo.findOne({ where: { id: jobId } }))!;
    });
    this.publisher.publish(transitions);
    return job;
  }
}
