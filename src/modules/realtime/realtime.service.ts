/**
 * leadPromoted streams. A subscription listens to the bus before it replays
 * from the store, holds live epochs while the replay runs, then continues
 * with the held epochs after the replay's head: no gap (every epoch after
 * the head reaches the listener) and no repeat (delivery is in strictly
 * increasing (seq, id) order). A subscription whose undelivered events exceed
 * `queueLimit` ends with SubscriptionOverflow, which carries its resume cursor.
 */
import { PromotionBus } from './promotion-bus';
import { LogPosition, PromotionLog, ReplayFilter, WireTransition } from './promotion-log';
import { Viewer, assertCan, partnerScope } from '../access/viewer';
import { decodeCursor, encodeCursor } from '../../graphql/pagination';
import { DomainError, badInput } from '../../graphql/errors';

/** Arguments of leadPromoted. */
export interface PromotionFilter {
  stages: string[];
  ownerId?: string | null;
  partnerId?: string | null;
  after?: string | null;
}

const REPLAY_PAGE = 500;

/** Cursor of a transition: opaque, orders events (epoch, then id). */
export function promotionCursor(t: Pick<WireTransition, 'seq' | 'id'>): string {
  return encodeCursor([t.seq, Number(t.id)]);
}

function decodePosition(cursor: string): LogPosition {
  const [seq, id] = decodeCursor(cursor, 2, 'after');
  if (!Number.isSafeInteger(seq) || !Number.isSafeInteger(id)) throw badInput('after', 'is not a cursor leadPromoted returned');
  return [seq as number, id as number];
}

function isAfter(t: WireTransition, pos: LogPosition | null): boolean {
  return pos === null || t.seq > pos[0] || (t.seq === pos[0] && Number(t.id) > pos[1]);
}

/** A subscriber fell more than the queue limit behind; the connection is closed and it resumes with `cursor`. */
export class SubscriptionOverflow extends DomainError {
  constructor(
    limit: number,
    readonly cursor: string,
  ) {
    super('RATE_LIMITED', `This subscriber fell more than ${limit} events behind: subscribe again with after to resume`, { reason: 'SUBSCRIPTION_QUEUE_OVERFLOW', cursor });
  }
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

  /** The event stream of one subscription. */
  stream(viewer: Viewer, filter: PromotionFilter): AsyncIterableIterator<WireTransition> {
    assertCan(viewer, 'read');
    const replayFilter: ReplayFilter = { stages: filter.stages, ownerId: filter.ownerId, partnerId: filter.partnerId, scope: partnerScope(viewer) };
    const stages = new Set(filter.stages);
    const matches = (t: WireTransition) =>
      stages.has(t.toStage) &&
      (filter.ownerId == null || t.ownerId === filter.ownerId) &&
      (filter.partnerId == null || t.partnerId === filter.partnerId) &&
      (replayFilter.scope === null || t.partnerId === replayFilter.scope);
    const { log, queueLimit } = this;

    let position: LogPosition | null = filter.after ? decodePosition(filter.after) : null;
    let replaying = position !== null;
    let overflow = false;
    let done = false;
    // Matching live events not delivered yet; while replaying, they wait here until the replay's head is known.
    let live: WireTransition[] = [];
    let replayed: WireTransition[] = [];
    let wake: (() => void) | null = null;

    const unlisten = this.bus.listen((epoch) => {
      for (const t of epoch.transitions) if (matches(t)) live.push(t);
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

    const iterator: AsyncIterableIterator<WireTransition> = {
      [Symbol.asyncIterator]() {
        return iterator;
      },
      async next(): Promise<IteratorResult<WireTransition>> {
        for (;;) {
          if (done) return { done: true, value: undefined };
          if (overflow) {
            // Resume point: the last event delivered, or just before the first one queued.
            const resumeAt: LogPosition = position ?? [live[0].seq, Number(live[0].id) - 1];
            finish();
            throw new SubscriptionOverflow(queueLimit, encodeCursor(resumeAt));
          }
          if (replaying && replayed.length === 0) {
            const page = await log.replay(replayFilter, position!, REPLAY_PAGE);
            if (done) continue;
            replayed = page.rows;
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
      async return(): Promise<IteratorResult<WireTransition>> {
        finish();
        wake?.();
        return { done: true, value: undefined };
      },
    };
    return iterator;
  }
}
