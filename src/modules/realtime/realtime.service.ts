/**
 * leadPromoted streams. A subscription listens to the bus before it replays
 * from the store, holds live epochs while the replay runs, then continues
 * with the held epochs after the replay's head: no gap (every epoch after
 * the head reaches the listener) and no repeat (delivery is in strictly
 * increasing (seq, id) order). A subscription whose undelivered events exceed
 * `queueLimit` ends with SubscriptionOverflow, which carries its resume cursor.
 * Once caught up, a stream can hand its live epochs to a broadcaster
 * (`handOver`, see src/server/shared-execution.ts) instead of passing each event through
 * its iterator.
 */
import { type PromotionBus } from './promotion-bus';
import {
  type Epoch,
  type LogPosition,
  type PromotionLog,
  type ReplayFilter,
  type ReplayPage,
  type WireTransition,
} from './promotion-log';
import type { WireChange } from './contact-changes';
import { type ValuesFilter, matchesFilter } from '../../model';
import { type Viewer, assertCan, partnerScope } from '../access';
import { decodeCursor, encodeCursor } from '../../graphql/pagination';
import { DomainError, badInput } from '../../graphql/errors';

/** leadPromoted's `stages` when none are given. */
const DEFAULT_STAGES = ['MQL', 'SQL'];

/** Arguments of leadPromoted. */
export interface PromotionFilter {
  stages: string[] | null;
  ownerId?: string | null;
  partnerId?: string | null;
  after?: string | null;
}

const REPLAY_PAGE = 500;

/** Cursor of a transition: opaque, orders events (epoch, then id). */
export function promotionCursor(t: LogEvent): string {
  return encodeCursor([t.seq, Number(t.id)]);
}

function decodePosition(cursor: string): LogPosition {
  const [seq, id] = decodeCursor(cursor, ['int', 'int'], 'after');
  if (!Number.isSafeInteger(seq) || !Number.isSafeInteger(id))
    throw badInput('after', 'is not a cursor leadPromoted returned');
  return [seq as number, id as number];
}

function isAfter(t: LogEvent, pos: LogPosition | null): boolean {
  return pos === null || t.seq > pos[0] || (t.seq === pos[0] && Number(t.id) > pos[1]);
}

/** A subscriber fell more than the queue limit behind; the connection is closed and it resumes with `cursor`. */
export class SubscriptionOverflow extends DomainError {
  constructor(
    limit: number,
    readonly cursor: string,
  ) {
    super(
      'RATE_LIMITED',
      `This subscriber fell more than ${limit} events behind: subscribe again with after to resume`,
      { reason: 'SUBSCRIPTION_QUEUE_OVERFLOW', cursor },
    );
  }
}

/** An event of the log: its epoch and id order it (the cursor). */
export interface LogEvent {
  seq: number;
  id: string;
}

/** The event stream of one subscription, which can hand live delivery over to a broadcaster once caught up. */
export interface LogStream<T extends LogEvent> extends AsyncIterableIterator<T> {
  /**
   * When every event so far has been returned by `next` (the replay is done and no live event is held), calls
   * `sink` synchronously with every later epoch holding an event this subscription takes (see `takes`), and
   * returns true; `next` is not called after that. Returns false otherwise: call `next` and try again later.
   */
  handOver(sink: (epoch: Epoch) => void): boolean;
  /** Whether a live event handed over goes to this subscriber (its filter, and after its position at hand-over). */
  takes(t: T): boolean;
  /** Records that `t` was written to the subscriber (its resume position). */
  sent(t: T): void;
  /** The cursor to resume from when `unsent` (and what follows) could not be written. */
  resumeCursor(unsent: T): string;
}

/** The event stream of a leadPromoted subscription. */
export type PromotionStream = LogStream<WireTransition>;

/** Where a stream's events come from: one kind of event of the epochs, its filter and its replay. */
interface LogSource<T extends LogEvent> {
  events(epoch: Epoch): T[];
  /**
   * The epoch as the broadcaster sees it: its `transitions` are this source's events. One object per epoch and
   * source, so every subscription of a shared execution hands over the same one (src/server/shared-execution.ts).
   */
  view(epoch: Epoch): Epoch;
  /** Whether a live event goes to the subscriber. */
  matches(e: T): boolean;
  /**
   * A page of the events to replay after a position, already filtered; `last` is the last row read, filtered out or
   * not.
   */
  replay(after: LogPosition, limit: number): Promise<ReplayPage<T>>;
}

/** Epochs whose changes stand in their `transitions`, for the broadcaster of contactChanged. */
const CHANGE_VIEWS = new WeakMap<Epoch, Epoch>();
function changeView(epoch: Epoch): Epoch {
  let view = CHANGE_VIEWS.get(epoch);
  if (!view)
    CHANGE_VIEWS.set(
      epoch,
      (view = { seq: epoch.seq, transitions: epoch.changes as unknown as WireTransition[], changes: [] }),
    );
  return view;
}

export class RealtimeService {
  constructor(
    private readonly log: PromotionLog,
    private readonly bus: PromotionBus,
    private readonly queueLimit: number,
  ) {}

  /** Open subscriptions on this instance. */
  get activeSubscriptions(): number {
    return this.bus.listeners;
  }

  /** The event stream of one leadPromoted subscription. */
  stream(viewer: Viewer, filter: PromotionFilter): PromotionStream {
    assertCan(viewer, 'read');
    // An explicit null is the argument's default (docs/api.md): MQL and SQL.
    const wanted = filter.stages ?? DEFAULT_STAGES;
    const replayFilter: ReplayFilter = {
      stages: wanted,
      ownerId: filter.ownerId,
      partnerId: filter.partnerId,
      scope: partnerScope(viewer),
    };
    const stages = new Set(wanted);
    return this.open<WireTransition>(filter.after, {
      events: (epoch) => epoch.transitions,
      view: (epoch) => epoch,
      matches: (t) =>
        stages.has(t.toStage) &&
        (filter.ownerId == null || t.ownerId === filter.ownerId) &&
        (filter.partnerId == null || t.partnerId === filter.partnerId) &&
        (replayFilter.scope === null || t.partnerId === replayFilter.scope),
      replay: (after, limit) => this.log.replay(replayFilter, after, limit),
    });
  }

  /**
   * The event stream of one contactChanged subscription: changes of contacts
   * the viewer may see that match `filter` before or after the change.
   */
  changes(viewer: Viewer, filter: ValuesFilter, after: string | null | undefined): LogStream<WireChange> {
    assertCan(viewer, 'read');
    const scope = partnerScope(viewer);
    const matches = (c: WireChange) =>
      (scope === null || c.partnerId === scope) && (matchesFilter(filter, c.after) || matchesFilter(filter, c.before));
    return this.open<WireChange>(after, {
      events: (epoch) => epoch.changes,
      view: changeView,
      matches,
      // The log filters by partner only; the rest of the filter is applied here, page by page.
      replay: async (position, limit) => {
        const page = await this.log.replayChanges(scope, position, limit);
        return { ...page, rows: page.rows.filter(matches) };
      },
    });
  }

  /** A stream over one source: replay from `after` (a cursor), then live epochs, with no gap and no repeat. */
  private open<T extends LogEvent>(after: string | null | undefined, source: LogSource<T>): LogStream<T> {
    const { bus, queueLimit } = this;
    let position: LogPosition | null = after ? decodePosition(after) : null;
    // Where the next replay page starts: past rows the filter skipped as well as those delivered.
    let replayFrom: LogPosition | null = position;
    let replaying = position !== null;
    let overflow = false;
    let done = false;
    // Matching live events not delivered yet; while replaying, they wait here until the replay's head is known.
    let live: T[] = [];
    let replayed: T[] = [];
    let wake: (() => void) | null = null;
    // Set by handOver: live epochs go there, and `last` is the last event written to the subscriber since.
    let sink: ((epoch: Epoch) => void) | null = null;
    let last: T | null = null;
    const takes = (t: T) => source.matches(t) && isAfter(t, position);

    const unlisten = bus.listen((epoch) => {
      const events = source.events(epoch);
      if (sink) {
        if (events.some(takes)) sink(source.view(epoch));
        return;
      }
      for (const t of events) if (source.matches(t)) live.push(t);
      if (live.length > queueLimit) overflow = true;
      wake?.();
      wake = null;
    });
    const finish = () => {
      done = true;
      unlisten();
      live = [];
      replayed = [];
    };

    const iterator: LogStream<T> = {
      [Symbol.asyncIterator]() {
        return iterator;
      },
      async next(): Promise<IteratorResult<T>> {
        for (;;) {
          if (done) return { done: true, value: undefined };
          if (overflow) {
            // Resume point: the last event delivered, or just before the first one queued.
            const resumeAt: LogPosition = position ?? [live[0].seq, Number(live[0].id) - 1];
            finish();
            throw new SubscriptionOverflow(queueLimit, encodeCursor(resumeAt));
          }
          if (replaying && replayed.length === 0) {
            const page = await source.replay(replayFrom!, REPLAY_PAGE);
            if (done) continue;
            replayed = page.rows;
            replayFrom = page.last ?? replayFrom;
            if (page.complete) {
              replaying = false;
              live = live.filter((t) => t.seq > page.head);
            }
          }
          const next = replayed.shift() ?? (replaying ? undefined : live.shift());
          if (next) {
            if (!isAfter(next, position)) continue;
            position = [next.seq, Number(next.id)];
            return { done: false, value: next };
          }
          if (replaying) continue;
          await new Promise<void>((resolve) => (wake = resolve));
        }
      },
      handOver(to) {
        if (done || overflow || replaying || replayed.length > 0 || live.length > 0) return false;
        sink = to;
        return true;
      },
      takes,
      sent(t) {
        last = t;
      },
      resumeCursor(unsent) {
        // The last event written, else the position at hand-over, else just before the first one not written.
        const at: LogPosition = last ? [last.seq, Number(last.id)] : (position ?? [unsent.seq, Number(unsent.id) - 1]);
        return encodeCursor(at);
      },
      async return(): Promise<IteratorResult<T>> {
        sink = null;
        finish();
        wake?.();
        return { done: true, value: undefined };
      },
    };
    return iterator;
  }
}
