import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { DateColumn, JsonColumn } from '../../db/columns';
import { JobState } from '../scoring/rescore-job.entity';
import type { Policy } from '../lifecycle/lifecycle';
import type { Rule } from '../scoring/scorer';
import type { SimulationSummary } from './simulation';

/** What a simulation was asked: the whole proposed rule set (resolved), the policy, the window. */
export interface SimulationSpec {
  rules: (Rule & { existing: boolean })[];
  policy: Policy;
  from: number;
  to: number;
  horizonDays: number;
}

/** A replay of the window's history under a proposed rule set and policy; writes nothing to scores, stages or transitions. */
@ObjectType({ description: 'A scoring simulation run as a job (like RescoreJob): progress, then the comparison with what really happened.' })
@Entity('simulation_jobs')
export class SimulationJob {
  @Field(() => ID)
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Field(() => JobState)
  @Column({ type: 'varchar', length: 16 })
  state: JobState;

  @Field(() => Int, { description: 'Contacts replayed so far.' })
  @Column({ type: 'int', default: 0 })
  processed: number;

  @Field(() => Int, { description: 'Contacts to replay (those of the store when the job started).' })
  @Column({ type: 'int', default: 0 })
  total: number;

  @JsonColumn('input', { nullable: false })
  input: SimulationSpec;

  @JsonColumn('result')
  summary: SimulationSummary | null;

  @Column({ name: 'created_by', type: 'varchar', length: 191 })
  createdBy: string;

  /** The process running the job and its last heartbeat: a RUNNING job without one for long lost its process. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  runner: string | null;

  @DateColumn('heartbeat_at', { nullable: true })
  heartbeatAt: Date | null;

  @Field(() => Date)
  @DateColumn('started_at')
  startedAt: Date;

  @Field(() => Date, { nullable: true })
  @DateColumn('finished_at', { nullable: true })
  finishedAt: Date | null;

  @Field(() => Date, { nullable: true, description: 'When applySimulation made its rule set and policy the live ones.' })
  @DateColumn('applied_at', { nullable: true })
  appliedAt: Date | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'varchar', length: 1000, nullable: true })
  error: string | null;
}

/** A contact whose MQL status the simulation changes, and the rules behind it. */
@Entity('simulation_differences')
export class SimulationDifferenceRow {
  @PrimaryColumn({ name: 'job_id', type: 'varchar', length: 36 })
  jobId: string;

  @PrimaryColumn({ name: 'contact_id', type: 'varchar', length: 36 })
  contactId: string;

  @Column({ name: 'simulated_mql', type: 'boolean' })
  simulatedMql: boolean;

  @Column({ name: 'actual_mql', type: 'boolean' })
  actualMql: boolean;

  @JsonColumn('rules', { nullable: false })
  rules: { ruleId: string | null; ruleName: string; currentPoints: number; simulatedPoints: number }[];
}
