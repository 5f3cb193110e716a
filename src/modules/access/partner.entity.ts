import { Field, ID, ObjectType } from 'type-graphql';
import { Entity, PrimaryColumn, Column } from 'typeorm';
import { DateColumn } from '../../db/columns';

/** A company that refers contacts; its PARTNER keys see only its referrals. */
@ObjectType({ simpleResolvers: true })
@Entity('partners')
export class Partner {
  @Field(() => ID)
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Field(() => String)
  @Column({ type: 'varchar', length: 191 })
  name: string;

  @Field(() => Date)
  @DateColumn('created_at')
  createdAt: Date;
}
