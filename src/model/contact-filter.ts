/**
 * ContactFilter evaluated on a contact's values in memory, as the contacts
 * list evaluates it in SQL: contactChanged decides with it whether a change
 * concerns a subscriber. Pure: no GraphQL or ORM imports.
 */

/** The values of a contact a ContactFilter looks at. */
export interface ContactValues {
  stage: string;
  score: number;
  temperature: string;
  ownerId: string | null;
  partnerId: string | null;
  source: string | null;
  email: string;
  firstName: string | null;
  lastName: string | null;
  company: string | null;
  /** Milliseconds since the epoch. */
  createdAt: number;
}

/** The contacts list's filter (ContactFilter), dates as Date. */
export interface ValuesFilter {
  stages?: string[] | null;
  minScore?: number | null;
  maxScore?: number | null;
  temperatures?: string[] | null;
  ownerId?: string | null;
  partnerId?: string | null;
  source?: string | null;
  search?: string | null;
  createdAfter?: Date | null;
  createdBefore?: Date | null;
  hasOwner?: boolean | null;
}

const startsWith = (value: string | null, prefix: string) => value !== null && value.toLowerCase().startsWith(prefix);

/** Whether the values pass every condition the filter sets (the list's semantics, condition by condition). */
export function matchesFilter(f: ValuesFilter, v: ContactValues): boolean {
  if (f.stages && !f.stages.includes(v.stage)) return false;
  if (f.minScore != null && v.score < f.minScore) return false;
  if (f.maxScore != null && v.score > f.maxScore) return false;
  if (f.temperatures && !f.temperatures.includes(v.temperature)) return false;
  if (f.ownerId != null && v.ownerId !== f.ownerId) return false;
  if (f.partnerId != null && v.partnerId !== f.partnerId) return false;
  if (f.source != null && v.source !== f.source) return false;
  if (f.hasOwner != null && (v.ownerId !== null) !== f.hasOwner) return false;
  if (f.createdAfter && v.createdAt < f.createdAfter.getTime()) return false;
  if (f.createdBefore && v.createdAt >= f.createdBefore.getTime()) return false;
  const search = f.search?.trim().toLowerCase();
  if (search && ![v.email, v.firstName, v.lastName, v.company].some((s) => startsWith(s, search))) return false;
  return true;
}
