/**
 * A leadPromoted stream that survives dropped connections with nothing lost:
 * after a drop it subscribes again with `after` = the cursor of the last event
 * it saw, and the service replays what happened in between. Before the first
 * event there is no cursor yet, so the gap is read from stageTransitions
 * (occurredAfter the moment the stream started) and merged by transition id.
 */
import { useEffect, useRef, useState } from 'react';
import { useClient, type Client } from 'urql';
import { createStreamClient } from './client';
import { describeApiError } from './errors';

export interface Promotion {
  id: string;
  fromStage: string | null;
  toStage: string;
  occurredAt: string;
  score: number;
  trigger: string;
  actor: string | null;
  contact: {
    id: string;
    email: string;
    firstName: string | null;
    lastName: string | null;
    company: string | null;
    ownerId: string | null;
  };
}

const FIELDS =
  'id fromStage toStage occurredAt score trigger actor contact { id email firstName lastName company ownerId }';
const SUBSCRIPTION = `subscription Live($stages: [LifecycleStage!], $ownerId: String, $after: String) {
  leadPromoted(stages: $stages, ownerId: $ownerId, after: $after) { cursor transition { ${FIELDS} } }
}`;
const GAP_QUERY =
  `query LiveGap($filter: StageTransitionFilter) { stageTransitions(filter: $filter, first: 500) { edges { node ` +
  `{ ${FIELDS} } } } }`;

/** The service's clock (its Date header, whole seconds), not the browser's, which may be off; null if unknown. */
async function serviceNow(): Promise<string | null> {
  try {
    const r = await fetch('/healthz', { method: 'HEAD', cache: 'no-store' });
    const date = Date.parse(r.headers.get('date') ?? '');
    return Number.isNaN(date) ? null : new Date(date).toISOString();
  } catch {
    return null;
  }
}

/** The promotions into `stages` since `since`, for `ownerId` when set (stageTransitions has no owner filter). */
async function readGap(client: Client, stages: string[], ownerId: string, since: string): Promise<Promotion[]> {
  const r = await client.query(GAP_QUERY, { filter: { toStages: stages, occurredAfter: since } }).toPromise();
  const nodes: Promotion[] = (r.data?.stageTransitions.edges ?? []).map((e: { node: Promotion }) => e.node);
  return nodes.filter((p) => !ownerId || p.contact.ownerId === ownerId);
}

export type StreamStatus = 'connecting' | 'live' | 'reconnecting' | 'failed';

/** Close codes after which trying again cannot help (bad or revoked key, bad request). */
const FINAL_CLOSE_CODES = new Set([4400, 4401, 4403]);

/** Streams promotions into `onEvent` (each transition once) while mounted; returns the connection status. */
export function useLiveStream(
  secret: string,
  stages: string[],
  ownerId: string,
  onEvent: (p: Promotion) => void,
): { status: StreamStatus; detail: string | null } {
  const client = useClient();
  const [status, setStatus] = useState<StreamStatus>('connecting');
  const [detail, setDetail] = useState<string | null>(null);
  const emit = useRef(onEvent);
  emit.current = onEvent;
  const key = `${stages.join(',')}|${ownerId}`;

  useEffect(() => {
    if (stages.length === 0) return;
    let stopped = false;
    let cursor: string | null = null;
    let everConnected = false;
    let attempts = 0;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let unsubscribe = () => {};
    let since = new Date().toISOString();
    void serviceNow().then((now) => (since = now ?? since));
    const seen = new Set<string>();
    const deliver = (p: Promotion) => {
      if (seen.has(p.id)) return;
      seen.add(p.id);
      // Repeats can only come from the gap read, which looks back seconds: the newest ids are enough.
      if (seen.size > 2000) seen.delete(seen.values().next().value!);
      emit.current(p);
    };
    const fillGap = async () => (await readGap(client, stages, ownerId, since)).forEach(deliver);
    const ws = createStreamClient(secret, {
      connected: () => {
        if (stopped) return;
        attempts = 0;
        setStatus('live');
        setDetail(null);
        if (everConnected && cursor === null) void fillGap();
        everConnected = true;
      },
    });
    const start = () => {
      unsubscribe = ws.subscribe<{ leadPromoted: { cursor: string; transition: Promotion } }>(
        { query: SUBSCRIPTION, variables: { stages, ownerId: ownerId || null, after: cursor } },
        {
          next: (r) => {
            if (r.errors?.length) return setDetail(r.errors[0].message);
            if (!r.data) return;
            cursor = r.data.leadPromoted.cursor;
            deliver(r.data.leadPromoted.transition);
          },
          error: (err) => again(err),
          complete: () => again(null),
        },
      );
    };
    const again = (err: unknown) => {
      if (stopped) return;
      // GraphQL errors (a bad argument, a role that may not subscribe) come back the same on every try.
      if (Array.isArray(err)) {
        setStatus('failed');
        setDetail(describeApiError(err[0]).message);
        return;
      }
      const code = (err as { code?: number } | null)?.code;
      if (code !== undefined && FINAL_CLOSE_CODES.has(code)) {
        setStatus('failed');
        setDetail(code === 4403 ? 'This API key was revoked.' : 'The service refused this stream; sign in again.');
        return;
      }
      setStatus('reconnecting');
      // 0.25 s, 0.5 s, 1 s, … up to 5 s between attempts.
      retry = setTimeout(start, Math.min(5000, 250 * 2 ** attempts++));
    };
    start();
    return () => {
      stopped = true;
      clearTimeout(retry);
      unsubscribe();
      void ws.dispose();
    };
    // `key` stands for stages and ownerId; a new filter is a new stream.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [secret, key, client]);

  return { status, detail };
}
