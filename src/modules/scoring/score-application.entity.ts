import { Entity, PrimaryColumn, Column } from 'typeorm';
import { DateColumn } from '../../db/columns';

/**
 * Points one rule gave one activity. This is what caps (counted applications
 * per rule), expiry (expires_at) and the score breakdown read, so ingestion
 * never reloads a contact's whole history.
 */
@Entity('score_applications')
export class ScoreApplication {
  @PrimaryColumn({ name: 'activity_id', type: 'varchar', length: 36 })
  activityId: string;

  @PrimaryColumn({ name: 'rule_id', type: 'varchar', length: 36 })
  ruleId: string;

  @Column({ name: 'contact_id', type: 'varchar', length: 36 })
  contactId: string;

  @Column({ type: 'int' })
  points: number;

  @DateColumn('occurred_at')
  occurredAt: Date;

  @DateColumn('expires_at', { nullable: true })
  expiresAt: Date | null;

  /** Set by the expiry sweep once its points have been taken off the contact's engagement score. */
  @Column({ type: 'boolean', default: false })
  expired: boolean;
}
