/** Reads the cap state incremental scoring needs: only what the new activities' capped rules can still reach. */
import { type EntityManager } from 'typeorm';
import { type ActivityFacts, type CapState, DAY_MS, type Rule, ruleMatchesActivity } from './scorer';
import type { Activity } from '../../model';
import { MAX_PARAMS, dbDate, inList, parseDbDate } from '../../db/portable';
import { type SqlValue } from '../../db/bulk';

/** An activity as the pure scorer reads it. */
export function activityFacts(a: Activity): ActivityFacts {
  return { id: a.id, type: a.type, occurredAt: a.occurredAt.getTime(), properties: a.properties };
}

/**
 * Cap state (counted application times) of the capped rules each contact's
 * new activities match, in one statement: one index range on (contact_id,
 * rule_id, occurred_at) per such pair, windowed rules only back to where a
 * window can still reach the earliest new activity.
 */
export async function loadCapStates(
  em: EntityManager,
  byContact: Map<string, Activity[]>,
  rules: Rule[],
): Promise<Map<string, CapState>> {
  const states = new Map<string, CapState>();
  const parts: { sql: string; params: SqlValue[] }[] = [];
  for (const rule of rules) {
    if (rule.maxApplications === null) continue;
    const contactIds: string[] = [];
    let earliest = Number.MAX_SAFE_INTEGER;
    for (const [contactId, list] of byContact) {
      const matching = list.filter((a) => ruleMatchesActivity(rule, activityFacts(a)));
      if (matching.length === 0) continue;
      contactIds.push(contactId);
      earliest = Math.min(earliest, ...matching.map((a) => a.occurredAt.getTime()));
    }
    if (contactIds.length === 0) continue;
    const inContacts = `contact_id IN ${inList(contactIds.length)}`;
    const select =
      'SELECT contact_id, rule_id, occurred_at FROM score_applications WHERE rule_id = ? AND ' + inContacts;
    parts.push(
      rule.capWindowDays === null
        ? { sql: select, params: [rule.id, ...contactIds] }
        : {
            sql: `${select} AND occurred_at > ?`,
            params: [rule.id, ...contactIds, dbDate(earliest - rule.capWindowDays * DAY_MS)],
          },
    );
  }
  // One statement, unless the parameters outgrow the drivers' limit.
  const rows: { contact_id: string; rule_id: string; occurred_at: unknown }[] = [];
  for (let i = 0; i < parts.length;) {
    const group = [parts[i++]];
    let size = group[0].params.length;
    while (i < parts.length && size + parts[i].params.length <= MAX_PARAMS) {
      size += parts[i].params.length;
      group.push(parts[i++]);
    }
    for (const row of await em.query(
      group.map((p) => p.sql).join(' UNION ALL '),
      group.flatMap((p) => p.params),
    ))
      rows.push(row);
  }
  for (const row of rows) {
    let state = states.get(row.contact_id);
    if (!state) states.set(row.contact_id, (state = new Map()));
    const times = state.get(row.rule_id) ?? [];
    times.push(parseDbDate(row.occurred_at).getTime());
    state.set(row.rule_id, times);
  }
  for (const state of states.values()) for (const times of state.values()) times.sort((a, b) => a - b);
  return states;
}
