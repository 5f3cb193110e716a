/**
 * graphql-js `subscribe` for graphql-ws, with one execution per event for all
 * subscriptions that ask for the same thing. 5,000 dashboards with the same
 * selection would otherwise resolve (and load the contact of) every event
 * 5,000 times. Subscriptions share a result when their operation, variables,
 * role and partner scope are equal: nothing else changes what a field
 * returns. Each shared execution gets a context (and DataLoaders) of its
 * own, so contact data is as of the event, never cached from an earlier one.
 */
import { createSourceEventStream, execute, ExecutionArgs, ExecutionResult, print } from 'graphql';
import { Context, createContext } from '../../graphql/context';
import { partnerScope } from '../access/viewer';

type Subscribe = (args: ExecutionArgs) => Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult>;

function isAsyncIterable(v: unknown): v is AsyncIterable<unknown> {
  return typeof v === 'object' && v !== null && Symbol.asyncIterator in v;
}

/** Builds the `subscribe` option of graphql-ws's useServer. */
export function sharedSubscribe(): Subscribe {
  // Keyed by the event object, which the bus hands to every subscription on this instance: results go when the event does.
  const results = new WeakMap<object, Map<string, Promise<ExecutionResult>>>();
  return async (args) => {
    const source = await createSourceEventStream(args);
    if (!isAsyncIterable(source)) return source;
    const { viewer, services } = args.contextValue as Context;
    const key = JSON.stringify([viewer.role, partnerScope(viewer), args.operationName ?? null, print(args.document), args.variableValues ?? {}]);
    const run = (payload: unknown): Promise<ExecutionResult> => {
      const own = () => Promise.resolve(execute({ ...args, rootValue: payload, contextValue: createContext(viewer, services) }));
      if (typeof payload !== 'object' || payload === null) return own();
      let perEvent = results.get(payload);
      if (!perEvent) results.set(payload, (perEvent = new Map()));
      let result = perEvent.get(key);
      if (!result) perEvent.set(key, (result = own()));
      return result;
    };
    const it = source[Symbol.asyncIterator]();
    // Not an async generator function: its return() would wait for a pending next(), i.e. for the next event.
    const generator: AsyncIterableIterator<ExecutionResult> = {
      async next() {
        const r = await it.next();
        return r.done ? { done: true, value: undefined } : { done: false, value: await run(r.value) };
      },
      async return() {
        await it.return?.();
        return { done: true, value: undefined };
      },
      async throw(err?: unknown) {
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
