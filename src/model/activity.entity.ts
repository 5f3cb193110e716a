import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Entity, PrimaryColumn, Column } from 'typeorm';
import { DateColumn, JsonColumn } from '../db/columns';
import { JSONObjectScalar } from '../graphql/scalars';

/** One thing a contact did (page view, email open, demo request, ...). */
@ObjectType({ simpleResolvers: true })
@Entity('activities')
export class Activity {
  @Field(() => ID)
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Field(() => ID)
  @Column({ name: 'contact_id', type: 'varchar', length: 36 })
  contactId: string;

  @Field(() => String, {
    description:
      'Lower snake case, e.g. page_view, email_open, email_click, form_submit, content_download, ' +
      'webinar_attended, demo_request, unsubscribe.',
  })
  @Column({ type: 'varchar', length: 64 })
  type: string;

  @Field(() => Date)
  @DateColumn('occurred_at')
  occurredAt: Date;

  @Field(() => JSONObjectScalar, { nullable: true })
  @JsonColumn('properties')
  properties: Record<string, unknown> | null;

  @Field(() => String, { nullable: true })
  @Column({ name: 'idempotency_key', type: 'varchar', length: 191, nullable: true })
  idempotencyKey: string | null;

  @Field(() => Int, { description: 'Points the activity earned when it was scored, before any expiry.' })
  @Column({ type: 'int', default: 0 })
  points: number;

  @Field(() => Date)
  @DateColumn('created_at')
  createdAt: Date;
}
