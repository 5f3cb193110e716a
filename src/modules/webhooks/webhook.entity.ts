/** GraphQL types of webhooks and how their rows map to them (the tables are written with SQL: see outbox.ts). */
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { LifecycleStage } from '../../model';
import { parseDbDate } from '../../db/portable';

/** Where a message stands. */
export enum WebhookDeliveryState {
  PENDING = 'PENDING',
  DELIVERED = 'DELIVERED',
  FAILED = 'FAILED',
}
registerEnumType(WebhookDeliveryState, {
  name: 'WebhookDeliveryState',
  description:
    'PENDING: queued or being retried. DELIVERED: a 2xx answer came back. FAILED: a test event ' +
    '(pingWebhookEndpoint) that got no 2xx.',
});

/** A URL that receives signed `lead.promoted` events. */
@ObjectType({ description: 'A URL that receives signed `lead.promoted` events (Standard Webhooks).' })
export class WebhookEndpoint {
  @Field(() => ID)
  id: string;

  @Field(() => String)
  url: string;

  @Field(() => String, { nullable: true })
  description: string | null;

  @Field(() => [LifecycleStage], { description: 'Transitions into these stages are sent.' })
  stages: LifecycleStage[];

  @Field(() => ID, {
    nullable: true,
    description: "Set for endpoints of PARTNER keys: they receive only that partner's contacts.",
  })
  partnerId: string | null;

  @Field(() => Boolean)
  enabled: boolean;

  @Field(() => String, {
    nullable: true,
    description: 'Why delivery stopped, when it was disabled after failing for 3 days.',
  })
  disabledReason: string | null;

  @Field(() => Date, {
    nullable: true,
    description: 'Until then the secret replaced by rotateWebhookSecret still signs beside the new one.',
  })
  previousSecretExpiresAt: Date | null;

  @Field(() => Date)
  createdAt: Date;

  @Field(() => Date)
  updatedAt: Date;
}

/** An endpoint with its signing secret, returned once by createWebhookEndpoint and rotateWebhookSecret. */
@ObjectType()
export class WebhookEndpointWithSecret {
  @Field(() => WebhookEndpoint)
  endpoint: WebhookEndpoint;

  @Field(() => String, {
    description: 'The signing secret (whsec_...), shown this once; verify with the standardwebhooks package.',
  })
  secret: string;
}

/** One HTTP attempt. */
@ObjectType()
export class WebhookAttempt {
  @Field(() => ID)
  id: string;

  @Field(() => Date)
  attemptedAt: Date;

  @Field(() => Int, {
    nullable: true,
    description: 'HTTP status, null when no answer came (timeout, connection error).',
  })
  statusCode: number | null;

  @Field(() => Int)
  durationMs: number;

  @Field(() => String, { nullable: true })
  error: string | null;

  @Field(() => Boolean)
  ok: boolean;
}

/** One event to one endpoint, with every attempt to send it. */
@ObjectType({ description: 'One event to one endpoint, with every attempt to send it.' })
export class WebhookDelivery {
  @Field(() => ID)
  id: string;

  @Field(() => ID)
  endpointId: string;

  @Field(() => String, { description: 'The webhook-id header: the same on every retry and redelivery; dedupe by it.' })
  webhookId: string;

  @Field(() => String, { description: 'lead.promoted or webhook.ping' })
  eventType: string;

  @Field(() => WebhookDeliveryState)
  state: WebhookDeliveryState;

  @Field(() => Int)
  attemptCount: number;

  @Field(() => Date, { nullable: true, description: 'When the next attempt is due (PENDING only).' })
  nextAttemptAt: Date | null;

  @Field(() => String, { nullable: true, description: 'The JSON body, once built (at the first attempt).' })
  payload: string | null;

  @Field(() => Date)
  createdAt: Date;

  @Field(() => Date, { nullable: true })
  deliveredAt: Date | null;

  @Field(() => [WebhookAttempt], { description: 'Every attempt, oldest first.' })
  attempts: WebhookAttempt[];
}

/** A webhook_endpoints row. */
export interface EndpointRow {
  id: string;
  url: string;
  description: string | null;
  partner_id: string | null;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: unknown;
  enabled: number | boolean;
  disabled_reason: string | null;
  created_at: unknown;
  updated_at: unknown;
}

const dateOrNull = (v: unknown) => (v === null || v === undefined ? null : parseDbDate(v));

/** The API object of an endpoint row and its stages. */
export function toEndpoint(r: EndpointRow, stages: string[]): WebhookEndpoint {
  return Object.assign(new WebhookEndpoint(), {
    id: r.id,
    url: r.url,
    description: r.description,
    stages: stages as LifecycleStage[],
    partnerId: r.partner_id,
    enabled: Boolean(Number(r.enabled)),
    disabledReason: r.disabled_reason,
    previousSecretExpiresAt: dateOrNull(r.previous_secret_expires_at),
    createdAt: parseDbDate(r.created_at),
    updatedAt: parseDbDate(r.updated_at),
  });
}

/** A webhook_messages row. */
export interface MessageRow {
  id: string | number;
  endpoint_id: string;
  kind: string;
  transition_id: string | number | null;
  state: string;
  attempts: number | string;
  next_attempt_at: unknown;
  payload: string | null;
  created_at: unknown;
  delivered_at: unknown;
}

/** A webhook_attempts row. */
export interface AttemptRow {
  id: string | number;
  message_id: string | number;
  attempted_at: unknown;
  status_code: number | string | null;
  duration_ms: number | string;
  error: string | null;
  ok: number | boolean;
}

export function toAttempt(r: AttemptRow): WebhookAttempt {
  return {
    id: String(r.id),
    attemptedAt: parseDbDate(r.attempted_at),
    statusCode: r.status_code === null ? null : Number(r.status_code),
    durationMs: Number(r.duration_ms),
    error: r.error,
    ok: Boolean(Number(r.ok)),
  };
}

export function toDelivery(r: MessageRow, webhookId: string, attempts: WebhookAttempt[]): WebhookDelivery {
  return {
    id: String(r.id),
    endpointId: r.endpoint_id,
    webhookId,
    eventType: r.kind,
    state: r.state as WebhookDeliveryState,
    attemptCount: Number(r.attempts),
    nextAttemptAt: r.state === WebhookDeliveryState.PENDING ? parseDbDate(r.next_attempt_at) : null,
    payload: r.payload,
    createdAt: parseDbDate(r.created_at),
    deliveredAt: dateOrNull(r.delivered_at),
    attempts,
  };
}
