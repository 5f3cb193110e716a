/**
 * A planned demo contact as table rows, for benchmarks that need far more
 * data than ingestion takes in reasonable time (bench/metrics.ts).
 */
import { CONTACT_COLUMNS, contactRow, newContact } from '../../src/model/contact.factory';
import { stayMarks } from '../../src/modules/lifecycle/stays';
import { firstTransitionValue } from '../../src/modules/lifecycle/stay.rows';
import { TRANSITION_COLUMNS, transitionRow } from '../../src/modules/lifecycle/transition.rows';
import { setGroupKeys } from '../../src/db/group-keys';
import { type LifecycleStage } from '../../src/model/stage';
import { type SqlValue } from '../../src/db/bulk';
import type { PlannedContact } from './plan';

/**
 * Column order of `journeyRows().transitions`: the service's own (stay columns, stays.ts, included). Rows
 * written this way are history, not events to stream: `seq` 0, as the migration that added it stamped older
 * rows, so the promotion bus neither sweeps nor sends them.
 */
export { TRANSITION_COLUMNS };

/** Column order of `journeyRows().contact`: a contact row and when it left PROSPECT (stays.ts). */
export const JOURNEY_CONTACT_COLUMNS = [...CONTACT_COLUMNS, 'first_transition_at'];

/**
 * A planned contact as rows of `contacts` and `stage_transitions`, dated as
 * planned, with the stay columns and group keys the services would have
 * stored. `partnerIds` maps the plan's partner indexes to stored ids;
 * `groupIds` holds the group_values ids of DEMO_GROUP_VALUES and the partners.
 */
export function journeyRows(
  c: PlannedContact,
  partnerIds: string[],
  groupIds: ReadonlyMap<string, number>,
): { id: string; contact: SqlValue[]; transitions: { at: number; row: SqlValue[] }[] } {
  const createdAt = new Date(c.createdAt);
  const contact = newContact({ ...c.data, partnerId: c.partner === null ? null : partnerIds[c.partner] }, createdAt);
  const last = c.transitions[c.transitions.length - 1];
  Object.assign(contact, {
    stage: c.stage as LifecycleStage,
    fitScore: c.fitScore,
    engagementScore: c.engagementScore,
    score: c.fitScore + c.engagementScore,
    lastEngagedAt: c.lastEngagedAt === null ? null : new Date(c.lastEngagedAt),
    stageChangedAt: last ? new Date(last.at) : createdAt,
    lastTransitionAt: last ? new Date(last.at) : null,
    updatedAt: new Date(Math.max(c.createdAt, last?.at ?? 0, c.lastEngagedAt ?? 0)),
  });
  setGroupKeys(contact, groupIds);
  const stays = stayMarks(
    { latestEntry: new Map() },
    c.transitions.map((t) => ({ toStage: t.to, occurredAt: t.at })),
  );
  return {
    id: contact.id,
    contact: [...contactRow(contact), firstTransitionValue(stays.firstTransitionAt)],
    transitions: c.transitions.map((t, i) => ({
      at: t.at,
      row: transitionRow(
        {
          seq: 0,
          contactId: contact.id,
          fromStage: t.from,
          toStage: t.to,
          trigger: t.trigger,
          reason: t.reason,
          score: t.score,
          actor: t.actor,
          occurredAt: new Date(t.at),
          partnerId: contact.partnerId,
          ownerId: contact.ownerId,
          createdAt: new Date(t.at),
          keys: contact.keys,
        },
        stays.added[i],
      ),
    })),
  };
}
