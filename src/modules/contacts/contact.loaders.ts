/**
 * Per-request DataLoaders for every relation a resolver walks from a contact,
 * so a list of N contacts costs the same number of statements as one.
 */
import DataLoader from 'dataloader';
import { type Viewer, partnerScope, type Partner } from '../access';
import type { Services } from '../../graphql/services';
import type { Contact, Activity, StageTransition, Qualification, Policy } from '../../model';
import type { Contribution, ScoreChange, ScoringRule } from '../scoring';
import type { Page } from '../../graphql/pagination';
import type { Owner, OwnerAssignment } from '../owners';

/** A loader of rows by id: one statement per batch, null for ids not found. */
function byId<T extends { id: string }>(fetch: (ids: readonly string[]) => Promise<T[]>): DataLoader<string, T | null> {
  return new DataLoader(async (ids) => {
    const map = new Map((await fetch(ids)).map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  });
}

/** An activities page's key: [contactId, first, after, type, whether totalCount is selected]. */
export type ActivitiesKey = [string, number, string | null, string | null, boolean];

/** Rows per contact id, in the rows' order. */
function byContact<T extends { contactId: string }>(ids: readonly string[], rows: T[]): T[][] {
  const map = new Map<string, T[]>(ids.map((id) => [id, []]));
  for (const r of rows) map.get(r.contactId)?.push(r);
  return ids.map((id) => map.get(id)!);
}

export interface ContactLoaders {
  contact: DataLoader<string, Contact | null>;
  /** Key: JSON of ActivitiesKey. */
  activities: DataLoader<string, Page<Activity>>;
  transitions: DataLoader<string, StageTransition[]>;
  qualification: DataLoader<string, Qualification | null>;
  breakdown: DataLoader<Contact, (Contribution & { id: string })[], string>;
  owner: DataLoader<string, Owner | null>;
  /** Key: JSON of [contactId, from (ms) | null, to (ms) | null, first, after]. */
  scoreHistory: DataLoader<string, Page<ScoreChange>>;
  rule: DataLoader<string, ScoringRule | null>;
  activity: DataLoader<string, Activity | null>;
  partner: DataLoader<string, Partner | null>;
  assignments: DataLoader<string, OwnerAssignment[]>;
  /** The policy, read at most once per request. */
  policy: () => Promise<Policy>;
}

export function createContactLoaders(viewer: Viewer, services: Services): ContactLoaders {
  const scope = partnerScope(viewer);
  let policy: Promise<Policy> | null = null;
  const getPolicy = () => (policy ??= services.lifecycle.policy());
  return {
    policy: getPolicy,
    owner: byId((ids) => services.owners.byIds(ids)),
    rule: byId((ids) => services.scoreHistory.rules(ids)),
    activity: byId((ids) => services.scoreHistory.activities(ids)),
    scoreHistory: new DataLoader(async (keys) => {
      // Keys sharing (from, to, first, after) are read together: two statements per distinct argument set.
      const groups = new Map<string, string[]>();
      for (const k of keys) {
        const [id, ...args] = JSON.parse(k) as [string, number | null, number | null, number, string | null];
        const g = JSON.stringify(args);
        groups.set(g, [...(groups.get(g) ?? []), id]);
      }
      const results = new Map<string, Page<ScoreChange>>();
      for (const [g, ids] of groups) {
        const [from, to, first, after] = JSON.parse(g) as [number | null, number | null, number, string | null];
        const pages = await services.scoreHistory.pages(ids, {
          from: from === null ? null : new Date(from),
          to: to === null ? null : new Date(to),
          first,
          after,
        });
        for (const [id, page] of pages) results.set(JSON.stringify([id, from, to, first, after]), page);
      }
      return keys.map((k) => results.get(k)!);
    }),
    // A PARTNER key reads only its own partner: the contacts it sees are its partner's anyway.
    partner: byId(async (ids) =>
      (await services.access.partnersByIds(ids)).filter((p) => scope === null || p.id === scope),
    ),
    assignments: new DataLoader(async (ids) => byContact(ids, await services.owners.assignmentsOf(ids))),
    contact: new DataLoader(async (ids) => {
      const rows = await services.contacts.byIds(ids);
      const map = new Map(rows.filter((c) => scope === null || c.partnerId === scope).map((c) => [c.id, c]));
      return ids.map((id) => map.get(id) ?? null);
    }),
    activities: new DataLoader(async (keys) => {
      // Keys sharing their arguments are read together: one statement per distinct argument set (one per page).
      const groups = new Map<string, string[]>();
      for (const k of keys) {
        const [id, ...args] = JSON.parse(k) as ActivitiesKey;
        const g = JSON.stringify(args);
        groups.set(g, [...(groups.get(g) ?? []), id]);
      }
      const results = new Map<string, Page<Activity>>();
      for (const [g, ids] of groups) {
        const args = JSON.parse(g) as [number, string | null, string | null, boolean];
        const [first, after, type, count] = args;
        const pages = await services.activities.listForContacts(ids, { first, after, type, count });
        for (const [id, page] of pages) results.set(JSON.stringify([id, ...args]), page);
      }
      return keys.map((k) => results.get(k)!);
    }),
    transitions: new DataLoader(async (ids) => byContact(ids, await services.lifecycle.transitionsOf(ids))),
    qualification: new DataLoader(async (ids) => {
      const rows = await services.lifecycle.qualificationsOf(ids);
      const latest = new Map<string, Qualification>();
      for (const q of rows) latest.set(q.contactId, q);
      return ids.map((id) => latest.get(id) ?? null);
    }),
    breakdown: new DataLoader(
      async (contacts) => {
        const map = await services.scoring.reads.breakdowns(contacts);
        return contacts.map((c) => (map.get(c.id) ?? []).map((x) => ({ ...x, id: `${c.id}:${x.ruleId}` })));
      },
      { cacheKeyFn: (c) => c.id },
    ),
  };
}
