/**
 * Stay bookkeeping, as pure functions: what is stored with each transition
 * (and with the contact) when it is written, so that conversion metrics read
 * one range of an index per stage instead of searching every counted
 * contact's later history.
 *
 * For each transition, the contact's:
 * - `previousEntryAt`: latest earlier entry into the same stage (null for the
 *   first). The first entry into a stage inside [from, to) is the one entry
 *   there whose previous entry is null or before `from`.
 * - `leftAt`: time of its next transition, i.e. when this stay ended (null
 *   while the contact is still in the stage).
 * - `convertedAt`: time of its first later transition into the funnel stage
 *   after this one (null until then; never set for PROSPECT, CUSTOMER,
 *   NURTURE or DISQUALIFIED).
 * And for the contact, `firstTransitionAt`: when it left PROSPECT, where
 * every contact starts.
 *
 * A contact's transitions are written in id order with times that never go
 * back, by writers holding the contact's row lock, so these values only ever
 * go from null to a time, set by the first later transition that qualifies.
 * No GraphQL or ORM imports: unit-tested without a database.
 */
import { FUNNEL, type Stage } from '../../model';

/**
 * The funnel stage a contact in `stage` converts to, or null where no conversion is reported (PROSPECT, CUSTOMER and
 * the stages outside the funnel).
 */
export function convertsTo(stage: string): Stage | null {
  const i = FUNNEL.indexOf(stage as Stage);
  return i >= 1 && i < FUNNEL.length - 1 ? FUNNEL[i + 1] : null;
}

/** What is stored about a contact's transitions before new ones are added. */
export interface StayHistory {
  /** Latest entry time (ms) into each stage, of the contact's stored transitions. */
  latestEntry: ReadonlyMap<string, number>;
}

/** A transition being added: its stage and time (ms). */
export interface AddedTransition {
  toStage: string;
  occurredAt: number;
}

/** The stay columns of one added transition (times in ms). */
export interface StayColumns {
  previousEntryAt: number | null;
  leftAt: number | null;
  convertedAt: number | null;
}

/** What adding transitions stores: their own columns and what changes on the stored ones and on the contact. */
export interface StayMarks {
  /** One per added transition, in order. */
  added: StayColumns[];
  /** `leftAt` for the contact's stored transition still open (null when nothing is stored). */
  storedLeftAt: number | null;
  /** `convertedAt` for the stored, not yet converted entries into each stage (only stages with stored entries). */
  storedConvertedAt: Map<string, number>;
  /** The contact's `firstTransitionAt` when the added ones are its first transitions, else null. */
  firstTransitionAt: number | null;
}

/** When a stay in `stage` converts among `later` transitions (the first into the stage it converts to), or null. */
function conversionAt(stage: string, later: readonly AddedTransition[]): number | null {
  const target = convertsTo(stage);
  return later.find((n) => n.toStage === target)?.occurredAt ?? null;
}

/** The stay columns that adding `added` (in order, one contact's) to `history` stores. */
export function stayMarks(history: StayHistory, added: readonly AddedTransition[]): StayMarks {
  const stored = history.latestEntry.size > 0;
  const latest = new Map(history.latestEntry);
  const columns = added.map((t, i): StayColumns => {
    const previousEntryAt = latest.get(t.toStage) ?? null;
    latest.set(t.toStage, t.occurredAt);
    return {
      previousEntryAt,
      leftAt: added[i + 1]?.occurredAt ?? null,
      convertedAt: conversionAt(t.toStage, added.slice(i + 1)),
    };
  });
  const storedConvertedAt = new Map<string, number>();
  for (const stage of history.latestEntry.keys()) {
    const at = conversionAt(stage, added);
    if (at !== null) storedConvertedAt.set(stage, at);
  }
  const first = added[0]?.occurredAt ?? null;
  return {
    added: columns,
    storedLeftAt: stored ? first : null,
    storedConvertedAt,
    firstTransitionAt: stored ? null : first,
  };
}
