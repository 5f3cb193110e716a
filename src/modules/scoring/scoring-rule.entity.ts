import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Entity, PrimaryColumn, Column } from 'typeorm';
import { DateColumn, JsonColumn } from '../../db/columns';
import { JSONScalar } from '../../graphql/scalars';
import type { ConditionOperator as Op, RuleKind } from './scorer';

/** Kinds of scoring rule. */
export enum ScoringRuleKind {
  BEHAVIOR = 'BEHAVIOR',
  FIT = 'FIT',
}
registerEnumType(ScoringRuleKind, {
  name: 'ScoringRuleKind',
  valuesConfig: {
    BEHAVIOR: { description: 'Points for each matching activity (engagement).' },
    FIT: { description: 'Points for who the contact is: its attributes (fit / demographics).' },
  },
});

/** Comparison operators of rule conditions. */
export enum ConditionOperator {
  EQ = 'EQ',
  NEQ = 'NEQ',
  IN = 'IN',
  NOT_IN = 'NOT_IN',
  CONTAINS = 'CONTAINS',
  NOT_CONTAINS = 'NOT_CONTAINS',
  STARTS_WITH = 'STARTS_WITH',
  ENDS_WITH = 'ENDS_WITH',
  GT = 'GT',
  GTE = 'GTE',
  LT = 'LT',
  LTE = 'LTE',
  EXISTS = 'EXISTS',
  NOT_EXISTS = 'NOT_EXISTS',
}
registerEnumType(ConditionOperator, { name: 'ConditionOperator' });

/** One condition of a rule; all of a rule's conditions must hold. */
@ObjectType()
export class Condition {
  @Field(() => String, {
    description:
      'FIT: a contact field (email, emailDomain, freeEmail, firstName, lastName, company, jobTitle, industry, ' +
      'companySize, country, source, ownerId, partnerId, attributes.<key>). BEHAVIOR: properties.<key> of the ' +
      'activity.',
  })
  field: string;

  @Field(() => ConditionOperator)
  operator: Op;

  @Field(() => JSONScalar, { nullable: true })
  value?: unknown;
}

/** A scoring rule marketing configures. */
@ObjectType()
@Entity('scoring_rules')
export class ScoringRule {
  @Field(() => ID)
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Field(() => String)
  @Column({ type: 'varchar', length: 191 })
  name: string;

  @Field(() => ScoringRuleKind)
  @Column({ type: 'varchar', length: 16 })
  kind: RuleKind;

  @Field(() => String, { nullable: true, description: 'BEHAVIOR only: the activity type it scores.' })
  @Column({ name: 'activity_type', type: 'varchar', length: 64, nullable: true })
  activityType: string | null;

  @Field(() => [Condition], { description: 'All must hold.' })
  @JsonColumn('conditions', { nullable: false })
  conditions: Condition[];

  @Field(() => Int, { description: 'May be negative.' })
  @Column({ type: 'int' })
  points: number;

  @Field(() => Int, {
    nullable: true,
    description: 'BEHAVIOR only: at most this many scored applications per contact (inside capWindowDays when set).',
  })
  @Column({ name: 'max_applications', type: 'int', nullable: true })
  maxApplications: number | null;

  @Field(() => Int, { nullable: true })
  @Column({ name: 'cap_window_days', type: 'int', nullable: true })
  capWindowDays: number | null;

  @Field(() => Int, {
    nullable: true,
    description:
      'BEHAVIOR only: points earned from this rule stop counting this many days after the activity occurred.',
  })
  @Column({ name: 'expires_after_days', type: 'int', nullable: true })
  expiresAfterDays: number | null;

  @Field(() => Boolean)
  @Column({ type: 'boolean' })
  active: boolean;

  @Field(() => Date)
  @DateColumn('created_at')
  createdAt: Date;

  @Field(() => Date)
  @DateColumn('updated_at')
  updatedAt: Date;
}
