/**
 * The client half of graphql-ws reconnects that lose nothing: a graphql-ws
 * `Client` whose `subscribe` remembers the cursor of the last event each
 * subscription received and sends those cursors in `connectionParams` on
 * every (re)connect. The server resumes each subscription from its cursor,
 * so graphql-ws's own retry (and Apollo Client's `GraphQLWsLink` over it)
 * gets every event across a restart or a dropped connection, each once.
 * Select `cursor` in the subscription: it is what is remembered.
 *
 *   const client = createResumableClient({ url, connectionParams: { authorization: `Bearer ${key}` } });
 *   const link = new GraphQLWsLink(client);
 */
import { type Client, type ClientOptions, createClient } from 'graphql-ws';
import { RESUME_PARAM, resultCursor, resumeKey } from '../modules/realtime';

/** createClient from graphql-ws with resume state; `subscribe` is tracked (what GraphQLWsLink and urql call). */
export function createResumableClient(options: ClientOptions): Client {
  const cursors = new Map<string, { cursor: string | null; refs: number }>();
  const base = options.connectionParams;
  const client = createClient({
    ...options,
    connectionParams: async () => {
      const params = typeof base === 'function' ? await base() : base;
      const resume: Record<string, string> = {};
      for (const [key, entry] of cursors) if (entry.cursor) resume[key] = entry.cursor;
      return { ...(params ?? {}), [RESUME_PARAM]: resume };
    },
  });
  return {
    ...client,
    subscribe(payload, sink) {
      const key = resumeKey(payload);
      const entry = cursors.get(key) ?? { cursor: null, refs: 0 };
      entry.refs++;
      cursors.set(key, entry);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        if (--entry.refs === 0) cursors.delete(key);
      };
      const dispose = client.subscribe(payload, {
        next(value) {
          entry.cursor = resultCursor(value as never) ?? entry.cursor;
          sink.next(value as never);
        },
        error(err) {
          release();
          sink.error(err);
        },
        complete() {
          release();
          sink.complete();
        },
      });
      return () => {
        release();
        dispose();
      };
    },
  };
}
