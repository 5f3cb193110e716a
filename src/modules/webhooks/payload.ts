/**
 * Webhook bodies (pure). `lead.promoted` carries the fields of a
 * `PromotionEvent` as the GraphQL API returns them: the cursor, the
 * transition and its contact (id, email, stage, scores), wrapped the way
 * Standard Webhooks recommends: `{ type, timestamp, data }`.
 */
import type { WireTransition } from '../realtime';

/** The contact fields a promotion carries. */
export interface PromotedContact {
  id: string;
  email: string;
  stage: string;
  score: number;
  fitScore: number;
  engagementScore: number;
}

/** A transition with its contact (null when the contact is gone). */
export type PromotionRow = WireTransition & { contact: PromotedContact | null };

/** The event type of promotions. */
export const PROMOTED = 'lead.promoted';
/** The event type of pingWebhookEndpoint. */
export const PING = 'webhook.ping';

/** The body of a `lead.promoted` message; `cursor` is the leadPromoted cursor of the transition. */
export function promotionPayload(t: PromotionRow, cursor: string): string {
  const { seq: _seq, ...transition } = t;
  return JSON.stringify({ type: PROMOTED, timestamp: t.occurredAt, data: { cursor, transition } });
}

/** The body of a test event. */
export function pingPayload(endpointId: string, at: Date): string {
  return JSON.stringify({
    type: PING,
    timestamp: at.toISOString(),
    data: { endpointId, message: 'Test event from pingWebhookEndpoint' },
  });
}

/** The `webhook-id` of a message: stable across retries and redeliveries, so receivers dedupe by it. */
export function webhookId(kind: string, transitionId: string | null, messageId: string): string {
  return kind === PROMOTED ? `msg_promoted_${transitionId}` : `msg_ping_${messageId}`;
}
