/**
 * graphql-js `subscribe` for graphql-ws, with one execution per event for all
 * subscriptions that ask for the same thing. 5,000 dashboards with the same
 * selection would otherwise resolve (and load the contact of) every event
 * 5,000 times. Subscriptions share a result when their operation, variables,
 * role and partner scope are equal: nothing else changes what a field
 * returns. Each shared execution gets a context (and DataLoaders) of its
 * own, so contact data is as of the event, never cached from an earlier one.
 *
 * Live delivery is a broadcast: once a subscription has caught up (its
 * replay done, nothing held), its stream hands live epochs over
 * (PromotionStream.handOver) and each event is executed once per shared
 * group and written, in one synchronous loop, to every member's socket as
 * graphql-ws's `next` frame. No promise or iterator step per subscriber and
 * event: with one, scheduling rather than writing would bound the fan-out
 * (docs/benchmarks.md has the figures).
 */
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import {
  createSourceEventStream,
  type DocumentNode,
  execute,
  type ExecutionArgs,
  type ExecutionResult,
  type FormattedExecutionResult,
  print,
} from 'graphql';
import { type Context, createContext } from '../graphql/context';
import { partnerScope } from '../modules/access';
import type { Epoch, PromotionStream, WireTransition } from '../modules/realtime';

type Subscribe = (args: ExecutionArgs) => Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult>;

function isAsyncIterable(v: unknown): v is AsyncIterable<unknown> {
  return typeof v === 'object' && v !== null && Symbol.asyncIterator in v;
}

function isPromotionStream(v: AsyncIterator<unknown>): v is PromotionStream & AsyncIterator<unknown> {
  return typeof (v as Partial<PromotionStream>).handOver === 'function';
}

/**
 * Serialises a shared result's `data` once per event instead of once per
 * subscriber. graphql-ws stringifies every `next` message itself; with
 * `replacer` as its jsonMessageReplacer a shared `data` is written as a
 * marker, and `expand`, applied to each message as the socket sends it, puts
 * the JSON made once in its place. graphql-ws stringifies a message and hands
 * it to the socket in one synchronous step, so the marker `expand` meets is
 * always the one the replacer has just written.
 */
export class SerialisedResults {
  private readonly json = new WeakMap<object, string>();
  /** Random, so no client-chosen id or user data can spell it. */
  private readonly marker = `lq-shared-data-${randomUUID()}`;
  private readonly quotedMarker = JSON.stringify(this.marker);
  private pending: string | null = null;

  /** Serialises the data of a result that subscribers share. */
  keep(result: ExecutionResult): ExecutionResult {
    if (result.data) this.json.set(result.data, JSON.stringify(result.data));
    return result;
  }

  /** A result's `next` payload as JSON, with the shared `data` serialised once; `format` as useServer's onNext. */
  payload(result: ExecutionResult, format: (result: ExecutionResult) => FormattedExecutionResult): string {
    const json = result.data ? this.json.get(result.data) : undefined;
    if (json !== undefined && !result.errors && !result.extensions) return `{"data":${json}}`;
    return JSON.stringify(format(result));
  }

  /** jsonMessageReplacer of useServer. */
  readonly replacer = (key: string, value: unknown): unknown => {
    if (key !== 'data' || typeof value !== 'object' || value === null) return value;
    const json = this.json.get(value);
    if (json === undefined) return value;
    this.pending = json;
    return this.marker;
  };

  /** The message to put on the wire for one graphql-ws wrote. */
  expand(message: string): string {
    if (this.pending === null) return message;
    const at = message.indexOf(this.quotedMarker);
    if (at < 0) return message;
    const json = this.pending;
    this.pending = null;
    return message.slice(0, at) + json + message.slice(at + this.quotedMarker.length);
  }
}

/** Where and how the broadcast writes live events (server.ts). */
export interface Broadcast {
  /** The socket and graphql-ws subscription id a subscription's context belongs to; none: delivered by its iterator. */
  target(context: object): { socket: WebSocket; id: string } | undefined;
  /** The `next` payload graphql-ws would send for a result (useServer's onNext formatting). */
  format(result: ExecutionResult): FormattedExecutionResult;
  /**
   * Bytes a socket may hold unsent (`bufferedAmount`), measured after a drain attempt, before its subscriber counts as
   * too slow.
   */
  maxBufferedBytes: number;
  /** How long a socket over its bound is given to drain before it counts as too slow. */
  drainWaitMs: number;
  /** Sends what the socket holds corked now (its frames otherwise leave when the fan-out is done). */
  flush(socket: WebSocket): void;
  /** Closes the connection of a subscriber too slow to keep up; it resumes with after = `cursor`. */
  tooSlow(socket: WebSocket, cursor: string): void;
  /** A delivery failed unexpectedly (a bug); later epochs are still delivered. */
  failed(err: unknown): void;
}

/** How often a socket over its bound is looked at while it drains. */
const DRAIN_POLL_MS = 10;

interface Member {
  socket: WebSocket;
  /** The `next` frame up to its payload. */
  prefix: string;
  stream: PromotionStream;
  gone: boolean;
}

/** The members of one epoch's delivery in a group, and the results of its events started so far. */
interface Batch {
  epoch: Epoch;
  members: Member[];
  results: (Promise<ExecutionResult> | null)[];
}

/**
 * Live subscriptions sharing one execution: each epoch's events are executed once and written to all, in epoch order.
 */
class Group {
  size = 0;
  private current: Batch | null = null;
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly run: (t: WireTransition) => Promise<ExecutionResult>,
    private readonly serialised: SerialisedResults,
    private readonly broadcast: Broadcast,
  ) {}

  /** Called from each member's bus listener; every member of an epoch joins within the bus's one synchronous emit. */
  join(epoch: Epoch, member: Member): void {
    let batch = this.current;
    if (batch?.epoch !== epoch) {
      const results = epoch.transitions.map((t) => (member.stream.takes(t) ? this.run(t) : null));
      batch = this.current = { epoch, members: [], results };
      const ready = batch;
      this.tail = this.tail.then(() => this.deliver(ready)).catch((err) => this.broadcast.failed(err));
    }
    batch.members.push(member);
  }

  private async deliver(batch: Batch): Promise<void> {
    if (this.current === batch) this.current = null;
    const { epoch, members, results } = batch;
    for (let i = 0; i < epoch.transitions.length; i++) {
      const t = epoch.transitions[i];
      const pending = results[i] ?? (members.some((m) => m.stream.takes(t)) ? this.run(t) : null);
      if (!pending) continue;
      // A member joined because it takes one of the epoch's events: with a single event, that one.
      const payload = this.serialised.payload(await pending, this.broadcast.format);
      const full = this.write(t, payload, members, epoch.transitions.length > 1);
      if (full.length > 0) await this.drainThenWrite(t, payload, full);
    }
  }

  /**
   * One synchronous loop over the members: their sockets are corked until the
   * loop is done (server.ts). Returns the members whose socket holds more
   * than its bound unsent: they have not been written to.
   */
  private write(t: WireTransition, payload: string, members: Member[], filter: boolean): Member[] {
    const { maxBufferedBytes } = this.broadcast;
    const full: Member[] = [];
    for (const m of members) {
      const { socket } = m;
      if (m.gone || socket.readyState !== socket.OPEN || (filter && !m.stream.takes(t))) continue;
      if (socket.bufferedAmount > maxBufferedBytes) full.push(m);
      else this.send(m, t, payload);
    }
    return full;
  }

  private send(m: Member, t: WireTransition, payload: string): void {
    m.socket.send(m.prefix + payload + '}');
    m.stream.sent(t);
  }

  /**
   * A burst (one policy change promoting thousands) is written in one go,
   * before any socket had a chance to send: the bound is checked again after
   * the sockets drained for up to `drainWaitMs` (the group waits meanwhile,
   * so its order holds). Only a subscriber still over its bound then is too
   * slow; a reader that keeps up gets the event and the rest.
   */
  private async drainThenWrite(t: WireTransition, payload: string, full: Member[]): Promise<void> {
    const { maxBufferedBytes, drainWaitMs } = this.broadcast;
    const over = () =>
      full.filter(
        (m) => !m.gone && m.socket.readyState === m.socket.OPEN && m.socket.bufferedAmount > maxBufferedBytes,
      );
    for (const m of full) this.broadcast.flush(m.socket);
    const until = Date.now() + drainWaitMs;
    while (over().length > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
    const slow = new Set(over());
    for (const m of full) {
      if (m.gone || m.socket.readyState !== m.socket.OPEN) continue;
      if (slow.has(m)) {
        m.gone = true;
        this.broadcast.tooSlow(m.socket, m.stream.resumeCursor(t));
      } else this.send(m, t, payload);
    }
  }
}

/** Builds the `subscribe` option of graphql-ws's useServer; shared results are handed to `serialised`. */
export function sharedSubscribe(serialised: SerialisedResults, broadcast?: Broadcast): Subscribe {
  // Keyed by the event object, which the bus hands to every subscription on this instance: results go when the event
  // does.
  const results = new WeakMap<object, Map<string, Promise<ExecutionResult>>>();
  const groups = new Map<string, Group>();
  const printed = new WeakMap<DocumentNode, string>();
  return async (args) => {
    const source = await createSourceEventStream(args);
    if (!isAsyncIterable(source)) return source;
    const { viewer, services, onResolved } = args.contextValue as Context;
    let text = printed.get(args.document);
    if (text === undefined) printed.set(args.document, (text = print(args.document)));
    const key = JSON.stringify([
      viewer.role,
      partnerScope(viewer),
      args.operationName ?? null,
      text,
      args.variableValues ?? {},
    ]);
    const run = (payload: unknown): Promise<ExecutionResult> => {
      const own = () =>
        Promise.resolve(
          execute({
            ...args,
            rootValue: payload,
            contextValue: createContext(viewer, services, undefined, onResolved),
          }),
        );
      if (typeof payload !== 'object' || payload === null) return own();
      let perEvent = results.get(payload);
      if (!perEvent) results.set(payload, (perEvent = new Map()));
      let result = perEvent.get(key);
      if (!result) perEvent.set(key, (result = own().then((r) => serialised.keep(r))));
      return result;
    };
    const it = source[Symbol.asyncIterator]();
    const target = broadcast?.target(args.contextValue as object);
    const stream = target && isPromotionStream(it) ? it : null;
    const member: Member | null =
      stream && target
        ? {
            socket: target.socket,
            prefix: `{"id":${JSON.stringify(target.id)},"type":"next","payload":`,
            stream,
            gone: false,
          }
        : null;
    // Set once live delivery is the group's: next() then waits for return().
    let group: Group | null = null;
    let ended = false;
    let parked: (() => void) | null = null;
    const goLive = (): boolean => {
      if (!member || ended || !member.stream.handOver((epoch) => group!.join(epoch, member))) return false;
      group = groups.get(key) ?? new Group(run, serialised, broadcast!);
      groups.set(key, group);
      group.size++;
      return true;
    };
    const leave = () => {
      if (!ended && member && group) {
        member.gone = true;
        if (--group.size === 0 && groups.get(key) === group) groups.delete(key);
      }
      ended = true;
      parked?.();
    };
    // Not an async generator function: its return() would wait for a pending next(), i.e. for the next event.
    const generator: AsyncIterableIterator<ExecutionResult> = {
      async next() {
        if (goLive()) {
          await new Promise<void>((resolve) => (parked = resolve));
          return { done: true, value: undefined };
        }
        const r = await it.next();
        return r.done ? { done: true, value: undefined } : { done: false, value: await run(r.value) };
      },
      async return() {
        leave();
        await it.return?.();
        return { done: true, value: undefined };
      },
      async throw(err?: unknown) {
        leave();
        await it.return?.();
        throw err;
      },
      [Symbol.asyncIterator]() {
        return generator;
      },
    };
    return generator;
  };
}
