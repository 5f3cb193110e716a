import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { DateColumn } from '../../db/columns';

/** What made an owner assignment. */
export enum AssignmentTrigger {
  ROUTING = 'ROUTING',
  MANUAL = 'MANUAL',
}
registerEnumType(AssignmentTrigger, {
  name: 'AssignmentTrigger',
  description: 'What assigned a contact to an owner.',
  valuesConfig: {
    ROUTING: { description: 'The routing policy, when the contact reached its stage without an owner.' },
    MANUAL: { description: 'createContact or updateContact set ownerId.' },
  },
});

const idToString = { to: (v: unknown) => v, from: (v: unknown) => (v === null || v === undefined ? v : String(v)) };

/** One change of a contact's owner: who, when and why. */
@ObjectType({ description: "One change of a contact's owner: who, when and why." })
@Entity('owner_assignments')
export class OwnerAssignment {
  @Field(() => ID, { description: 'Stable: a cache key for clients.' })
  @PrimaryColumn({ type: 'bigint', generated: 'increment', transformer: idToString })
  id: string;

  @Column({ name: 'contact_id', type: 'varchar', length: 36 })
  contactId: string;

  @Field(() => String, {
    nullable: true,
    description: 'The ownerId after the change; null when the owner was removed.',
  })
  @Column({ name: 'owner_id', type: 'varchar', length: 191, nullable: true })
  ownerId: string | null;

  @Field(() => String, { nullable: true, description: 'The ownerId before the change.' })
  @Column({ name: 'previous_owner_id', type: 'varchar', length: 191, nullable: true })
  previousOwnerId: string | null;

  @Field(() => AssignmentTrigger, { description: 'Routing or a mutation.' })
  @Column({ type: 'varchar', length: 16 })
  trigger: AssignmentTrigger;

  @Field(() => String, {
    nullable: true,
    description: 'Why: the routing rule or team that chose the owner, or the mutation that set it.',
  })
  @Column({ type: 'varchar', length: 1000, nullable: true })
  reason: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Who: the owner the API key acts for, else the key name; null for routing.',
  })
  @Column({ type: 'varchar', length: 191, nullable: true })
  actor: string | null;

  @Column({ name: 'actor_owner_id', type: 'varchar', length: 36, nullable: true })
  actorOwnerId: string | null;

  @Field(() => Date, { description: 'When.' })
  @DateColumn('assigned_at')
  assignedAt: Date;
}
