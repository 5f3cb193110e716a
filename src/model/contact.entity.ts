import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Entity, PrimaryColumn, Column } from 'typeorm';
import { DateColumn, JsonColumn } from '../db/columns';
import { JSONObjectScalar } from '../graphql/scalars';
import { LifecycleStage } from './stage';
import { GroupKeys } from '../db/group-keys';

/**
 * A person marketing knows about. Scores are stored (kept current by
 * ingestion, rescore and the expiry sweep) so lists can filter and sort on them.
 */
@ObjectType({ simpleResolvers: true })
@Entity('contacts')
export class Contact {
  @Field(() => ID)
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Field(() => String, { description: 'Unique, compared case-insensitively, stored lower-cased.' })
  @Column({ type: 'varchar', length: 191 })
  email: string;

  @Field(() => String, { nullable: true })
  @Column({ name: 'first_name', type: 'varchar', length: 191, nullable: true })
  firstName: string | null;

  @Field(() => String, { nullable: true })
  @Column({ name: 'last_name', type: 'varchar', length: 191, nullable: true })
  lastName: string | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'varchar', length: 191, nullable: true })
  company: string | null;

  @Field(() => String, { nullable: true })
  @Column({ name: 'job_title', type: 'varchar', length: 191, nullable: true })
  jobTitle: string | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'varchar', length: 191, nullable: true })
  industry: string | null;

  @Field(() => Int, { nullable: true, description: 'Number of employees.' })
  @Column({ name: 'company_size', type: 'int', nullable: true })
  companySize: number | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'varchar', length: 191, nullable: true })
  country: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Acquisition source, e.g. webinar, organic, paid_search, partner.',
  })
  @Column({ type: 'varchar', length: 191, nullable: true })
  source: string | null;

  @Field(() => String, {
    nullable: true,
    description: "The sales owner (free-form id from the caller's user directory).",
  })
  @Column({ name: 'owner_id', type: 'varchar', length: 191, nullable: true })
  ownerId: string | null;

  @Field(() => ID, { nullable: true, description: 'The partner that referred the contact.' })
  @Column({ name: 'partner_id', type: 'varchar', length: 36, nullable: true })
  partnerId: string | null;

  /** Ids of source, ownerId and partnerId in group_values (db/group-keys.ts). */
  @Column(() => GroupKeys, { prefix: false })
  keys: GroupKeys;

  @Field(() => JSONObjectScalar, { nullable: true })
  @JsonColumn('attributes')
  attributes: Record<string, unknown> | null;

  @Field(() => LifecycleStage)
  @Column({ type: 'varchar', length: 16 })
  stage: LifecycleStage;

  @Field(() => Int, { description: 'fitScore + engagementScore, with expired points left out.' })
  @Column({ type: 'int', default: 0 })
  score: number;

  @Field(() => Int)
  @Column({ name: 'fit_score', type: 'int', default: 0 })
  fitScore: number;

  @Field(() => Int)
  @Column({ name: 'engagement_score', type: 'int', default: 0 })
  engagementScore: number;

  /**
   * When the contact last earned engagement points (recorded time): NURTURE contacts need new engagement to be
   * re-promoted.
   */
  @DateColumn('last_engaged_at', { nullable: true })
  lastEngagedAt: Date | null;

  @Field(() => Date, {
    nullable: true,
    description:
      "When the contact's latest activity occurred (its occurredAt); null before any. Sort with LAST_ACTIVITY.",
  })
  @DateColumn('last_activity_at', { nullable: true })
  lastActivityAt: Date | null;

  /** Lower-cased "lastName firstName" (null without either): the NAME sort's key (contact.factory.ts sortKeys). */
  @Column({ name: 'sort_name', type: 'varchar', length: 191, nullable: true })
  sortName: string | null;

  /** Lower-cased company: the COMPANY sort's key. */
  @Column({ name: 'sort_company', type: 'varchar', length: 191, nullable: true })
  sortCompany: string | null;

  /** Lower-cased first name: the search prefix's index (contact.factory.ts sortKeys). */
  @Column({ name: 'first_name_key', type: 'varchar', length: 191, nullable: true })
  firstNameKey: string | null;

  /** Lower-cased last name: the search prefix's index. */
  @Column({ name: 'last_name_key', type: 'varchar', length: 191, nullable: true })
  lastNameKey: string | null;

  /**
   * Engagement points of the contact's applications inside the policy's
   * temperature window (unexpired, occurred after now - window): kept by
   * scoring and the window sweep (docs/scoring.md, "Temperature").
   */
  @Column({ name: 'window_points', type: 'int', default: 0 })
  windowPoints: number;

  /** HOT / WARM / COLD from `windowPoints` and the policy's thresholds, stored so lists filter and sort on it. */
  @Column({ name: 'temperature', type: 'varchar', length: 8, default: 'COLD' })
  temperature: string;

  /**
   * When the latest score_events row is dated: a contact's score history never goes back in time
   * (scoring/score-history.ts).
   */
  @DateColumn('score_changed_at', { nullable: true })
  scoreChangedAt: Date | null;

  /** When the latest transition happened (null before the first): SCORE transitions are never dated before it. */
  @DateColumn('last_transition_at', { nullable: true })
  lastTransitionAt: Date | null;

  @Field(() => Date, { description: 'When the contact entered its current stage (its creation for a PROSPECT).' })
  @DateColumn('stage_changed_at')
  stageChangedAt: Date;

  @Field(() => Date)
  @DateColumn('created_at')
  createdAt: Date;

  @Field(() => Date)
  @DateColumn('updated_at')
  updatedAt: Date;
}
