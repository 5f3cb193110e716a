/**
 * leadPromoted streams: replay from the transition table (the durable log)
 * after a cursor, then live events from the bus, with no gap (the listener is
 * attached before the replay reads) and no repeat (ids already delivered are
 * skipped). A subscriber that falls more than `queueLimit` events behind is
 * ended with an error carrying its last cursor, so it can resume.
 */
import { DataSource } from 'typeorm';
import { GraphQLError } from 'graphql';
import { BusListener, PromotionBus, WireTransition } from './promotion-bus';
import { Viewer, assertCan, partnerScope } from '../access/viewer';
import { decodeCursor, encodeCursor } from '../../graphql/pagination';
import { parseDbDate, transaction } from '../../db/portable';

/** Arguments of leadPromoted. */
export interface PromotionFilter {
  stages: string[];
  ownerId?: string | null;
  partnerId?: string | null;
  after?: string | null;
}

const REPLAY_PAGE = 500;
const SEEN_LIMIT = 20_000;

/** Cursor of a transition: opaque, orders events. */
export function promotionCursor(id: string): string {
  return encodeCursor([Number(id)]);
}

interface Row {
  id: string | number;
  contact_id: string;
  from_stage: string | null;
  to_stage: string;
  trigger: string;
  reason: string | null;
  score: number | string;
  actor: string | null;
  occurred_at: unknown;
  partner_id: string | null;
  owner_id: string | null;
}

function fromRow(r: Row): WireTransition {
  return {
    id: String(r.id),
    contactId: r.contact_id,
    fromStage: r.from_stage,
    toStage: r.to_stage,
    trigger: r.trigger,
    reason: r.reason,
    score: Number(r.score),
    actor: r.actor,
    occurredAt: parseDbDate(r.occurred_at).toISOString(),
    partnerId: r.partner_id,
    ownerId: r.owner_id,
  };
}

export class RealtimeService {
  constructor(
    private readonly ds: DataSource,
    private readonly bus: PromotionBus,
    private readonly queueLimit: number,
  ) {}

  /** Active subscriptions on this instance. */
  get activeSubscriptions(): number {
    return this.bus.listeners;
  }

  /** The event stream of one subscription. */
  stream(viewer: Viewer, filter: PromotionFilter): AsyncIterableIterator<WireTransition> {
    assertCan(viewer, 'read');
    const scope = partnerScope(viewer);
    const queueLimit = this.queueLimit;
    const stages = new Set(filter.stages);
    const matches = (t: WireTransition) =>
      stages.has(t.toStage) &&
      (filter.ownerId == null || t.ownerId === filter.ownerId) &&
      (filter.partnerId == null || t.partnerId === filter.partnerId) &&
      (scope === null || t.partnerId === scope);

    let lastId = filter.after ? Number(decodeCursor(filter.after, 1, 'after')[0]) : null;
    let needReplay = lastId !== null;
    let overflow = false;
    let done = false;
    const live: WireTransition[] = [];
    const ready: WireTransition[] = [];
    const seen = new Set<string>();
    let wake: (() => void) | null = null;
    const signal = () => {
      wake?.();
      wake = null;
    };

    const listener: BusListener = {
      onTransitions: (batch) => {
        for (const t of batch) if (matches(t)) live.push(t);
        if (live.length > queueLimit) overflow = true;
        signal();
      },
      onResync: () => {
        if (lastId === null) lastId = 0;
        needReplay = true;
        signal();
      },
    };
    const unlisten = this.bus.listen(listener);

    const replayPage = async (): Promise<WireTransition[]> => {
      const where = ['id > ?', `to_stage IN (${[...stages].map(() => '?').join(', ') || 'NULL'})`];
      const params: unknown[] = [lastId ?? 0, ...stages];
      if (filter.ownerId != null) (where.push('owner_id = ?'), params.push(filter.ownerId));
      if (filter.partnerId != null) (where.push('partner_id = ?'), params.push(filter.partnerId));
      if (scope !== null) (where.push('partner_id = ?'), params.push(scope));
      // Inside transaction(): on SQLite that waits for open writers, so only committed rows are read.
      const rows: Row[] = await transaction(this.ds, (em) =>
        em.query(`SELECT id, contact_id, from_stage, to_stage, \`trigger\`, reason, score, actor, occurred_at, partner_id, owner_id FROM stage_transitions WHERE ${where.join(' AND ')} ORDER BY id LIMIT ${REPLAY_PAGE}`, params),
      );
      if (rows.length < REPLAY_PAGE) needReplay = false;
      return rows.map(fromRow);
    };

    const remember = (t: WireTransition) => {
      seen.add(t.id);
      if (seen.size > SEEN_LIMIT) seen.delete(seen.values().next().value as string);
      if (lastId === null || Number(t.id) > lastId) lastId = Number(t.id);
    };

    const finish = () => {
      done = true;
      unlisten();
    };

    const iterator: AsyncIterableIterator<WireTransition> = {
      [Symbol.asyncIterator]() {
        return iterator;
      },
      async next(): Promise<IteratorResult<WireTransition>> {
        for (;;) {
          if (done) return { done: true, value: undefined };
          if (overflow) {
            finish();
            // Resume point: the last event delivered, or just before the first one queued.
            const resumeAt = lastId ?? Math.min(...live.map((t) => Number(t.id))) - 1;
            throw new GraphQLError(`This subscriber fell more than ${queueLimit} events behind: subscribe again with after to resume`, {
              extensions: { code: 'RATE_LIMITED', reason: 'SUBSCRIPTION_QUEUE_OVERFLOW', cursor: promotionCursor(String(resumeAt)) },
            });
          }
          if (ready.length === 0 && needReplay) ready.push(...(await replayPage()));
          const next = ready.shift() ?? live.shift();
          if (next) {
            if (seen.has(next.id)) continue;
            remember(next);
            return { done: false, value: next };
          }
          await new Promise<void>((resolve) => (wake = resolve));
        }
      },
      async return(): Promise<IteratorResult<WireTransition>> {
        finish();
        signal();
        return { done: true, value: undefined };
      },
    };
    return iterator;
  }
}
