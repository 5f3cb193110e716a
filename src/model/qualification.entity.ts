import { Field, ID, ObjectType } from 'type-graphql';
import { Entity, PrimaryColumn, Column } from 'typeorm';
import { DateColumn } from '../db/columns';

/** A BANT qualification given by sales; the latest one is the contact's. */
@ObjectType({ simpleResolvers: true })
@Entity('qualifications')
export class Qualification {
  @Field(() => ID, { description: 'Stable: a cache key for clients.' })
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'contact_id', type: 'varchar', length: 36 })
  contactId: string;

  @Field(() => Boolean)
  @Column({ type: 'boolean' })
  budget: boolean;

  @Field(() => Boolean)
  @Column({ type: 'boolean' })
  authority: boolean;

  @Field(() => Boolean)
  @Column({ type: 'boolean' })
  need: boolean;

  @Field(() => Boolean)
  @Column({ type: 'boolean' })
  timeline: boolean;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  notes: string | null;

  @Field(() => Date)
  @DateColumn('qualified_at')
  qualifiedAt: Date;

  /** The owner the qualifying API key acts for (Owner id), if any. */
  @Column({ name: 'qualified_by_owner_id', type: 'varchar', length: 36, nullable: true })
  qualifiedByOwnerId: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Who qualified: the owner the API key acts for (its name), else the API key name.',
  })
  @Column({ name: 'qualified_by', type: 'varchar', length: 191, nullable: true })
  qualifiedBy: string | null;
}
