/** stage_transitions rows for raw multi-row inserts: the service's writes and the demo's history. */
import { type SqlValue } from '../../db/bulk';
import { dbDate } from '../../db/portable';
import { GROUP_KEY_COLUMNS, type GroupKeys, groupKeyValues } from '../../db/group-keys';
import type { StayColumns } from './stays';
import { STAY_COLUMNS, stayValues } from './stay.rows';

/** The stage_transitions columns of `transitionRow` (id is generated; `trigger` is reserved in MySQL). */
export const TRANSITION_COLUMNS = [
  'seq',
  'contact_id',
  'from_stage',
  'to_stage',
  '`trigger`',
  'reason',
  'score',
  'actor',
  'actor_owner_id',
  'occurred_at',
  'partner_id',
  'owner_id',
  'created_at',
  ...STAY_COLUMNS,
  ...GROUP_KEY_COLUMNS,
];

/** What a transition row holds (a StageTransition is one). */
export interface TransitionRowData {
  seq: number | null;
  contactId: string;
  fromStage: string | null;
  toStage: string;
  trigger: string;
  reason: string | null;
  score: number;
  actor: string | null;
  actorOwnerId?: string | null;
  occurredAt: Date;
  partnerId: string | null;
  ownerId: string | null;
  createdAt: Date;
  keys: GroupKeys;
}

/** A transition and its stay columns as row values, in TRANSITION_COLUMNS order. */
export function transitionRow(t: TransitionRowData, stay: StayColumns): SqlValue[] {
  return [
    t.seq,
    t.contactId,
    t.fromStage,
    t.toStage,
    t.trigger,
    t.reason,
    t.score,
    t.actor,
    t.actorOwnerId ?? null,
    dbDate(t.occurredAt),
    t.partnerId,
    t.ownerId,
    dbDate(t.createdAt),
    ...stayValues(stay),
    ...groupKeyValues(t.keys),
  ];
}
