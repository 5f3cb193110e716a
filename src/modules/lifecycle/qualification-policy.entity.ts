import { Field, Int, ObjectType } from 'type-graphql';
import { Entity, PrimaryColumn, Column } from 'typeorm';
import { DateColumn } from '../../db/columns';

/** The thresholds that drive promotions and temperature; one row (id 1). */
@ObjectType()
@Entity('qualification_policy')
export class QualificationPolicy {
  @PrimaryColumn({ type: 'int' })
  id: number;

  @Field(() => Int, { description: 'PROSPECT becomes LEAD when its engagementScore reaches this (interest shown).' })
  @Column({ name: 'lead_threshold', type: 'int' })
  leadThreshold: number;

  @Field(() => Int, {
    description: 'A LEAD (or PROSPECT past leadThreshold, or NURTURE with new engagement) becomes MQL at this score.',
  })
  @Column({ name: 'mql_threshold', type: 'int' })
  mqlThreshold: number;

  @Field(() => Int, {
    nullable: true,
    description: 'When set, anything below SQL (not DISQUALIFIED) becomes SQL at this score.',
  })
  @Column({ name: 'sql_threshold', type: 'int', nullable: true })
  sqlThreshold: number | null;

  @Field(() => Int, { description: 'How many of the four BANT criteria qualifyContact needs for SQL.' })
  @Column({ name: 'required_bant_criteria', type: 'int' })
  requiredBantCriteria: number;

  @Field(() => Int)
  @Column({ name: 'hot_threshold', type: 'int' })
  hotThreshold: number;

  @Field(() => Int)
  @Column({ name: 'warm_threshold', type: 'int' })
  warmThreshold: number;

  @Field(() => Int)
  @Column({ name: 'temperature_window_days', type: 'int' })
  temperatureWindowDays: number;

  @Field(() => Date)
  @DateColumn('updated_at')
  updatedAt: Date;
}
