/**
 * Per-request DataLoaders for every relation a resolver walks from a contact,
 * so a list of N contacts costs the same number of statements as one.
 */
import DataLoader from 'dataloader';
import { type Viewer, partnerScope, type Partner } from '../access';
import type { Services } from '../../graphql/services';
import { type Contact } from './contact.entity';
import type { Activity } from '../activities/activity.entity';
import type { StageTransition } from '../lifecycle/stage-transition.entity';
import { type Qualification } from '../lifecycle/qualification.entity';
import type { Contribution, ScoreChange, ScoringRule } from '../scoring';
import type { Policy } from '../lifecycle/lifecycle';
import type { Page } from '../../graphql/pagination';
import type { Owner, OwnerAssignment } from '../owners';

/** A loader of rows by id: one statement per batch, null for ids not found. */
function byId<T extends { id: string }>(fetch: (ids: readonly string[]) => Promise<T[]>): DataLoader<string, T | null> {
  return new DataLoader(async (ids) => {
    const map = new Map((await fetch(ids)).map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  });
}

export interface ContactLoaders {
  contact: DataLoader<string, Contact | null>;
  /** Key: JSON of [contactId, first, after, type]. */
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
    assignments: new DataLoader(async (ids) => {
      const rows = await services.owners.assignmentsOf(ids);
      return ids.map((id) => rows.filter((a) => a.contactId === id));
    }),
    contact: new DataLoader(async (ids) => {
      const rows = await services.contacts.byIds(ids);
      const map = new Map(rows.filter((c) => scope === null || c.partnerId === scope).map((c) => [c.id, c]));
      return ids.map((id) => map.get(id) ?? null);
    }),
    activities: new DataLoader(async (keys) => {
      // Keys sharing (first, after, type) are fetched together: one pair of statements per distinct argument set.
      const groups = new Map<string, string[]>();
      const parsed = keys.map((k) => JSON.parse(k) as [string, number, string | null, string | null]);
      for (const [id, first, after, type] of parsed) {
        const g = JSON.stringify([first, after, type]);
        groups.set(g, [...(groups.get(g) ?? []), id]);
      }
      const results = new Map<string, Page<Activity>>();
      for (const [g, ids] of groups) {
        const [first, after, type] = JSON.parse(g) as [number, string | null, string | null];
        const pages = await services.activities.listForContacts(ids, first, after, type);
        for (const [id, page] of pages) results.set(JSON.stringify([id, first, after, type]), page);
      }
      return keys.map((k) => results.get(k)!);
    }),
    transitions: new DataLoader(async (ids) => {
      const rows = await services.lifecycle.transitionsOf(ids);
      return ids.map((id) => rows.filter((t) => t.contactId === id));
    }),
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
