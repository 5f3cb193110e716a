import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Entity, PrimaryColumn, Column } from 'typeorm';
import { DateColumn } from '../db/columns';
import { LifecycleStage, TransitionTrigger } from './stage';
import { GroupKeys } from '../db/group-keys';

/** Bigint ids come back as numbers (SQLite) or strings (MySQL); the API always sees strings. */
const idToString = { to: (v: unknown) => v, from: (v: unknown) => (v === null || v === undefined ? v : String(v)) };

/** One stage change of a contact. The table is the durable log subscriptions replay from (ordered by id). */
@ObjectType({ simpleResolvers: true })
@Entity('stage_transitions')
export class StageTransition {
  @Field(() => ID)
  @PrimaryColumn({ type: 'bigint', generated: 'increment', transformer: idToString })
  id: string;

  @Field(() => ID)
  @Column({ name: 'contact_id', type: 'varchar', length: 36 })
  contactId: string;

  @Field(() => LifecycleStage, { nullable: true })
  @Column({ name: 'from_stage', type: 'varchar', length: 16, nullable: true })
  fromStage: LifecycleStage | null;

  @Field(() => LifecycleStage)
  @Column({ name: 'to_stage', type: 'varchar', length: 16 })
  toStage: LifecycleStage;

  @Field(() => TransitionTrigger)
  @Column({ type: 'varchar', length: 16 })
  trigger: TransitionTrigger;

  @Field(() => String, { nullable: true })
  @Column({ type: 'varchar', length: 1000, nullable: true })
  reason: string | null;

  @Field(() => Int, { description: "The contact's score when the transition happened." })
  @Column({ type: 'int' })
  score: number;

  @Field(() => String, {
    nullable: true,
    description:
      'Who caused it: the owner the API key acts for (its name), else the API key name; null when ingestion ' +
      'or a rescore caused it.',
  })
  @Column({ type: 'varchar', length: 191, nullable: true })
  actor: string | null;

  /** The owner the acting API key acts for (Owner id), if any. */
  @Column({ name: 'actor_owner_id', type: 'varchar', length: 36, nullable: true })
  actorOwnerId: string | null;

  @Field(() => Date)
  @DateColumn('occurred_at')
  occurredAt: Date;

  /** Denormalised from the contact so subscription filters and partner scoping need no join. */
  @Column({ name: 'partner_id', type: 'varchar', length: 36, nullable: true })
  partnerId: string | null;

  @Column({ name: 'owner_id', type: 'varchar', length: 191, nullable: true })
  ownerId: string | null;

  /** The contact's current group keys (db/group-keys.ts), kept in step by LifecycleService.syncGroupKeys. */
  @Column(() => GroupKeys, { prefix: false })
  keys: GroupKeys;

  @DateColumn('created_at')
  createdAt: Date;

  /**
   * The epoch of the transaction that wrote it (realtime/promotion-log.ts), under the column's name `seq`: the
   * first half of a subscription cursor.
   */
  @Column({
    type: 'bigint',
    nullable: true,
    transformer: { to: (v: unknown) => v, from: (v: unknown) => (v === null || v === undefined ? null : Number(v)) },
  })
  seq: number | null;
}
