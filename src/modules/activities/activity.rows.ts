/** Column list and row values for raw multi-row writes of activities. */
import { Activity } from './activity.entity';
import { SqlValue } from '../../db/bulk';
import { dbDate } from '../../db/portable';

export const ACTIVITY_COLUMNS = ['id', 'contact_id', 'type', 'occurred_at', 'properties', 'idempotency_key', 'points', 'created_at'];

export function activityRow(a: Activity): SqlValue[] {
  return [a.id, a.contactId, a.type, dbDate(a.occurredAt), a.properties === null ? null : JSON.stringify(a.properties), a.idempotencyKey, a.points, dbDate(a.createdAt)];
}
