import { Field, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { DateColumn, JsonColumn } from '../../db/columns';
import { JobFields, type Rule } from '../scoring';
import type { Policy } from '../../model';
import type { SimulationSummary } from './simulation';

/** What a simulation was asked: the whole proposed rule set (resolved), the policy, the window. */
export interface SimulationSpec {
  rules: (Rule & { existing: boolean })[];
  policy: Policy;
  from: number;
  to: number;
  horizonDays: number;
}

/**
 * A replay of the window's history under a proposed rule set and policy; writes nothing to scores, stages or
 * transitions.
 */
@ObjectType({
  description:
    'A scoring simulation run as a job (like RescoreJob): progress (contacts replayed of those in the store), ' +
    'then the comparison with what really happened.',
})
@Entity('simulation_jobs')
export class SimulationJob extends JobFields {
  @JsonColumn('input', { nullable: false })
  input: SimulationSpec;

  @JsonColumn('result')
  summary: SimulationSummary | null;

  @Column({ name: 'created_by', type: 'varchar', length: 191 })
  createdBy: string;

  @Field(() => Date, {
    nullable: true,
    description: 'When applySimulation made its rule set and policy the live ones.',
  })
  @DateColumn('applied_at', { nullable: true })
  appliedAt: Date | null;
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
