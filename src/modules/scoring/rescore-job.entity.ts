import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Entity, PrimaryColumn, Column } from 'typeorm';
import { DateColumn } from '../../db/columns';

/** States of a background job. */
export enum JobState {
  QUEUED = 'QUEUED',
  RUNNING = 'RUNNING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
}
registerEnumType(JobState, { name: 'JobState' });

/**
 * What every background job shows (RescoreJob, SimulationJob) and how its runner is tracked. Not referenced by a
 * resolver, so not emitted on its own.
 */
@ObjectType('JobFieldsBase')
export abstract class JobFields {
  @Field(() => ID)
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Field(() => JobState)
  @Column({ type: 'varchar', length: 16 })
  state: JobState;

  @Field(() => Int)
  @Column({ type: 'int', default: 0 })
  processed: number;

  @Field(() => Int)
  @Column({ type: 'int', default: 0 })
  total: number;

  /** Instance running the job and its last heartbeat; a stale heartbeat means the runner died. */
  @Column({ name: 'runner', type: 'varchar', length: 64, nullable: true })
  runner: string | null;

  @DateColumn('heartbeat_at', { nullable: true })
  heartbeatAt: Date | null;

  @Field(() => Date, { description: 'When the job was queued or started.' })
  @DateColumn('started_at')
  startedAt: Date;

  @Field(() => Date, { nullable: true })
  @DateColumn('finished_at', { nullable: true })
  finishedAt: Date | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'varchar', length: 1000, nullable: true })
  error: string | null;
}

/** A recompute of every contact from its stored activities and the active rules. */
@ObjectType()
@Entity('rescore_jobs')
export class RescoreJob extends JobFields {
  /** Keyset position: the last contact id done, so a resumed job continues where it stopped. */
  @Column({ name: 'last_contact_id', type: 'varchar', length: 36, nullable: true })
  lastContactId: string | null;
}
