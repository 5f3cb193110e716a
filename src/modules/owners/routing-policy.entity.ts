import { Field, Int, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { DateColumn, JsonColumn } from '../../db/columns';
import { LifecycleStage } from '../../model';

/** One routing rule: contacts matching every condition set go to the team. */
@ObjectType({
  description: 'Contacts matching every condition that is set go to `team`; the first matching rule wins.',
})
export class RoutingRule {
  @Field(() => String, { description: 'The team whose active owners rotate for matching contacts.' })
  team: string;

  @Field(() => [String], {
    nullable: true,
    description: 'Matches when the contact country is one of these (case-insensitive).',
  })
  countries?: string[] | null;

  @Field(() => [String], {
    nullable: true,
    description: 'Matches when the contact source is one of these (case-insensitive).',
  })
  sources?: string[] | null;

  @Field(() => Int, { nullable: true, description: 'Matches when companySize is at least this.' })
  minCompanySize?: number | null;

  @Field(() => Int, { nullable: true, description: 'Matches when companySize is at most this.' })
  maxCompanySize?: number | null;
}

/** How contacts without an owner are assigned; one row (id 1). */
@ObjectType({
  description:
    'How a contact that reaches assignAtStage without an owner is assigned: the first matching rule names a ' +
    'team (else defaultTeam, else every active owner), and the team rotates round-robin among its active ' +
    'owners.',
})
@Entity('routing_policy')
export class RoutingPolicy {
  @PrimaryColumn({ type: 'int' })
  id: number;

  @Field(() => Boolean, { description: 'Default true. Off: nothing is assigned automatically.' })
  @Column({ type: 'boolean' })
  enabled: boolean;

  @Field(() => LifecycleStage, {
    description: 'MQL (default) or SQL: the stage at which a contact without an owner is assigned.',
  })
  @Column({ name: 'assign_at_stage', type: 'varchar', length: 16 })
  assignAtStage: LifecycleStage;

  @Field(() => String, {
    nullable: true,
    description: 'Team for contacts no rule matches; null: all active owners, whatever their team.',
  })
  @Column({ name: 'default_team', type: 'varchar', length: 191, nullable: true })
  defaultTeam: string | null;

  @Field(() => [RoutingRule], { description: 'Tried in order; default none.' })
  @JsonColumn('rules')
  rules: RoutingRule[] | null;

  @Field(() => Date, { description: 'When it last changed.' })
  @DateColumn('updated_at')
  updatedAt: Date;
}
