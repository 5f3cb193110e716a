import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { DateColumn } from '../../db/columns';

/** A sales person contacts are assigned to; routing rotates among the active owners of a team. */
@ObjectType({ description: 'A sales person contacts are assigned to (Contact.owner); managed by ADMIN keys.' })
@Entity('owners')
export class Owner {
  @Field(() => ID, { description: 'Also the value of Contact.ownerId for contacts this owner holds.' })
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Field(() => String, { description: 'Display name; what actor and qualifiedBy show for keys acting for this owner.' })
  @Column({ type: 'varchar', length: 191 })
  name: string;

  @Field(() => String, { nullable: true, description: 'Unique when set, stored lower-cased.' })
  @Column({ type: 'varchar', length: 191, nullable: true })
  email: string | null;

  @Field(() => Boolean, { description: 'Only active owners receive routed contacts.' })
  @Column({ type: 'boolean' })
  active: boolean;

  @Field(() => String, {
    nullable: true,
    description: 'The team whose round-robin the owner takes part in (compared exactly).',
  })
  @Column({ type: 'varchar', length: 191, nullable: true })
  team: string | null;

  /** When routing last gave this owner a contact: round-robin picks the least recent. */
  @DateColumn('last_assigned_at', { nullable: true })
  lastAssignedAt: Date | null;

  @Field(() => Date, { description: 'When it was created.' })
  @DateColumn('created_at')
  createdAt: Date;

  @Field(() => Date, { description: 'When it last changed.' })
  @DateColumn('updated_at')
  updatedAt: Date;
}
