/**
 * Resume state carried in graphql-ws `connectionParams` (pure, no Node
 * imports: the client half in src/client/ uses it too). graphql-ws sends the
 * original `subscribe` payload again on every reconnect, so `after` cannot
 * move; but it evaluates `connectionParams` again on every connect. The
 * client puts there, under `resume`, the cursor of the last event each
 * subscription received, keyed by `resumeKey(payload)`; the server resumes
 * a subscription whose key it finds there from that cursor, replaying what
 * was missed with nothing repeated.
 */

/** The connectionParams field holding `{ [resumeKey]: cursor }`. */
export const RESUME_PARAM = 'resume';

/** What identifies a subscription across reconnects: its operation as sent. */
export interface ResumablePayload {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
}

/** JSON with object keys sorted, so equal variables give equal text whatever their order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** A short, stable key of an operation (53-bit FNV-style hash of its text, variables and name; not a secret). */
export function resumeKey(payload: ResumablePayload): string {
  const text = `${payload.operationName ?? ''}\u0000${payload.query}\u0000${canonical(payload.variables ?? {})}`;
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

/** The cursor to resume `payload` from, as the client sent it in connectionParams, or null. */
export function resumeCursor(
  connectionParams: Readonly<Record<string, unknown>> | undefined,
  payload: ResumablePayload,
): string | null {
  const map = connectionParams?.[RESUME_PARAM];
  if (!map || typeof map !== 'object') return null;
  const cursor = (map as Record<string, unknown>)[resumeKey(payload)];
  return typeof cursor === 'string' && cursor.length > 0 && cursor.length <= 200 ? cursor : null;
}

/**
 * The cursor of an execution result's first top-level field that has one (`{ data: { leadPromoted: { cursor } } }`).
 */
export function resultCursor(result: { data?: Record<string, unknown> | null } | null | undefined): string | null {
  for (const value of Object.values(result?.data ?? {})) {
    const cursor = (value as { cursor?: unknown } | null)?.cursor;
    if (typeof cursor === 'string') return cursor;
  }
  return null;
}
