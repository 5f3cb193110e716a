/** Column list and row values for raw multi-row writes of activities. */
import type { Activity } from '../../model';
import { type SqlValue } from '../../db/bulk';
import { dbDate } from '../../db/portable';

export const ACTIVITY_COLUMNS = [
  'id',
  'contact_id',
  'type',
  'occurred_at',
  'properties',
  'idempotency_key',
  'points',
  'created_at',
];

/** One activity's row; `propertiesJson`, when given, is its properties already serialised (ingestion measured them). */
export function activityRow(
  a: Activity,
  propertiesJson: string | null = a.properties === null ? null : JSON.stringify(a.properties),
): SqlValue[] {
  return [
    a.id,
    a.contactId,
    a.type,
    dbDate(a.occurredAt),
    propertiesJson,
    a.idempotencyKey,
    a.points,
    dbDate(a.createdAt),
  ];
}
