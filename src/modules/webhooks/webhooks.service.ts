/**
 * Webhook endpoints (create, update, enable/disable, delete, rotate the
 * secret, list), their deliveries, redelivery and test events. ADMIN and
 * MARKETING keys manage every endpoint; a PARTNER key manages the endpoints
 * it created, which receive only its partner's contacts.
 */
import { randomUUID } from 'node:crypto';
import { type DataSource, type EntityManager } from 'typeorm';
import { Role, type Viewer, partnerScope } from '../access';
import { badInput, forbidden, notFound } from '../../graphql/errors';
import { type Page, checkFirst, decodeCursor, encodeCursor } from '../../graphql/pagination';
import { dbDate, dialectOf, forUpdate, transaction, valuesPlaceholders } from '../../db/portable';
import { insertRows } from '../../db/bulk';
import { LifecycleStage } from '../../model';
import { promotionCursor } from '../realtime';
import {
  type AttemptRow,
  type EndpointRow,
  type MessageRow,
  type WebhookDelivery,
  WebhookDeliveryState,
  type WebhookEndpoint,
  type WebhookEndpointWithSecret,
  toAttempt,
  toDelivery,
  toEndpoint,
} from './webhook.entity';
import { type CreateWebhookEndpointInput, type UpdateWebhookEndpointInput } from './webhook.inputs';
import { type TargetPolicy, checkTarget } from './target';
import { newSecret, signHeaders } from './signer';
import { activeSecrets, type WebhookOutbox } from './outbox';
import { PING, pingPayload, promotionPayload, webhookId } from './payload';
import { type AttemptResult, sendWebhook } from './sender';
import type { Clock } from './worker';

/** How long a rotated-out secret keeps signing beside the new one. */
export const PREVIOUS_SECRET_MS = 24 * 3600_000;
const MANAGERS = new Set([Role.ADMIN, Role.MARKETING, Role.PARTNER]);

/** Settings of the service (config.webhooks). */
export interface WebhookSettings extends TargetPolicy {
  timeoutMs: number;
  /** Largest page of webhookDeliveries. */
  maxFirst: number;
}

export class WebhooksService {
  constructor(
    private readonly ds: DataSource,
    private readonly outbox: WebhookOutbox,
    private readonly settings: WebhookSettings,
    private readonly clock: Clock,
    /** Called when messages became due outside the worker's sight (an endpoint enabled again). */
    private readonly queueChanged: () => void = () => undefined,
  ) {}

  private assertManager(viewer: Viewer): void {
    if (!MANAGERS.has(viewer.role)) throw forbidden(`The ${viewer.role} role may not manage webhooks`);
  }

  private async stagesOf(em: EntityManager, ids: string[]): Promise<Map<string, string[]>> {
    const out = new Map(ids.map((id) => [id, [] as string[]]));
    if (ids.length === 0) return out;
    const rows: { endpoint_id: string; stage: string }[] = await em.query(
      `SELECT endpoint_id, stage FROM webhook_endpoint_stages WHERE endpoint_id IN ` +
        `${valuesPlaceholders(1, ids.length)}`,
      ids,
    );
    const order = Object.values(LifecycleStage) as string[];
    for (const r of rows) out.get(r.endpoint_id)!.push(r.stage);
    for (const list of out.values()) list.sort((a, b) => order.indexOf(a) - order.indexOf(b));
    return out;
  }

  /** The endpoint row if the viewer may manage it, else NOT_FOUND (a partner never learns of others' endpoints). */
  private async row(em: EntityManager, viewer: Viewer, id: string): Promise<EndpointRow> {
    this.assertManager(viewer);
    const [row]: EndpointRow[] = await em.query('SELECT * FROM webhook_endpoints WHERE id = ?', [id]);
    const scope = partnerScope(viewer);
    if (!row || (scope !== null && row.partner_id !== scope)) throw notFound('Webhook endpoint', id);
    return row;
  }

  private async endpoint(em: EntityManager, id: string): Promise<WebhookEndpoint> {
    const [row]: EndpointRow[] = await em.query('SELECT * FROM webhook_endpoints WHERE id = ?', [id]);
    return toEndpoint(row, (await this.stagesOf(em, [id])).get(id)!);
  }

  private checkStages(stages: LifecycleStage[], field: string): LifecycleStage[] {
    if (stages.length === 0) throw badInput(field, 'must name at least one stage');
    return [...new Set(stages)];
  }

  private checkDescription(description: string | null | undefined): string | null {
    if (description == null) return null;
    if (description.length > 500) throw badInput('input.description', 'must be at most 500 characters');
    return description;
  }

  /** Creates an endpoint; its secret is returned this once. */
  async create(viewer: Viewer, input: CreateWebhookEndpointInput): Promise<WebhookEndpointWithSecret> {
    this.assertManager(viewer);
    const url = (await checkTarget(input.url, this.settings, 'input.url')).toString();
    const stages = this.checkStages(input.stages ?? [LifecycleStage.MQL, LifecycleStage.SQL], 'input.stages');
    const description = this.checkDescription(input.description);
    const id = randomUUID();
    const secret = newSecret();
    const now = dbDate(this.clock.now());
    const endpoint = await transaction(this.ds, async (em) => {
      await em.query(
        'INSERT INTO webhook_endpoints (id, url, description, partner_id, secret, enabled, created_at, ' +
          'updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?)',
        [id, url, description, partnerScope(viewer), secret, now, now],
      );
      await insertRows(
        em,
        'webhook_endpoint_stages',
        ['endpoint_id', 'stage'],
        stages.map((s) => [id, s]),
      );
      return this.endpoint(em, id);
    });
    return { endpoint, secret };
  }

  /** Changes an endpoint's URL, stages, description or enabled state. */
  async update(viewer: Viewer, id: string, input: UpdateWebhookEndpointInput): Promise<WebhookEndpoint> {
    this.assertManager(viewer);
    const url = input.url != null ? (await checkTarget(input.url, this.settings, 'input.url')).toString() : null;
    const stages = input.stages != null ? this.checkStages(input.stages, 'input.stages') : null;
    const description = input.description !== undefined ? this.checkDescription(input.description) : undefined;
    const endpoint = await transaction(this.ds, async (em) => {
      const row = await this.row(em, viewer, id);
      const now = this.clock.now();
      const sets: string[] = ['updated_at = ?'];
      const params: unknown[] = [dbDate(now)];
      if (url !== null) {
        sets.push('url = ?');
        params.push(url);
      }
      if (description !== undefined) {
        sets.push('description = ?');
        params.push(description);
      }
      if (input.enabled === false) sets.push('enabled = 0');
      if (input.enabled === true && !Number(row.enabled)) {
        sets.push('enabled = 1', 'disabled_reason = NULL');
        // A new window of retries for what waited, starting now.
        await em.query(
          'UPDATE webhook_messages SET next_attempt_at = ?, first_attempt_at = NULL WHERE endpoint_id = ? AND ' +
            "state = 'PENDING'",
          [dbDate(now), id],
        );
      }
      await em.query(`UPDATE webhook_endpoints SET ${sets.join(', ')} WHERE id = ?`, [...params, id]);
      if (stages) {
        await em.query('DELETE FROM webhook_endpoint_stages WHERE endpoint_id = ?', [id]);
        await insertRows(
          em,
          'webhook_endpoint_stages',
          ['endpoint_id', 'stage'],
          stages.map((s) => [id, s]),
        );
      }
      return this.endpoint(em, id);
    });
    if (input.enabled === true) this.queueChanged();
    return endpoint;
  }

  /** Deletes an endpoint with its queue and attempts; returns it as it was. */
  async delete(viewer: Viewer, id: string): Promise<WebhookEndpoint> {
    return transaction(this.ds, async (em) => {
      await this.row(em, viewer, id);
      const endpoint = await this.endpoint(em, id);
      for (const table of ['webhook_attempts', 'webhook_messages', 'webhook_endpoint_stages'])
        await em.query(`DELETE FROM ${table} WHERE endpoint_id = ?`, [id]);
      await em.query('DELETE FROM webhook_endpoints WHERE id = ?', [id]);
      return endpoint;
    });
  }

  /** A new secret; the previous one keeps signing beside it for 24 hours. */
  async rotateSecret(viewer: Viewer, id: string): Promise<WebhookEndpointWithSecret> {
    const secret = newSecret();
    const endpoint = await transaction(this.ds, async (em) => {
      const row = await this.row(em, viewer, id);
      const now = this.clock.now();
      await em.query(
        'UPDATE webhook_endpoints SET secret = ?, previous_secret = ?, previous_secret_expires_at = ?, ' +
          'updated_at = ? WHERE id = ?',
        [secret, row.secret, dbDate(now + PREVIOUS_SECRET_MS), dbDate(now), id],
      );
      return this.endpoint(em, id);
    });
    return { endpoint, secret };
  }

  /** The endpoints the viewer manages, oldest first. */
  async list(viewer: Viewer): Promise<WebhookEndpoint[]> {
    this.assertManager(viewer);
    const scope = partnerScope(viewer);
    return transaction(this.ds, async (em) => {
      const rows: EndpointRow[] = await em.query(
        `SELECT * FROM webhook_endpoints${scope === null ? '' : ' WHERE partner_id = ?'} ORDER BY created_at, id`,
        scope === null ? [] : [scope],
      );
      const stages = await this.stagesOf(
        em,
        rows.map((r) => r.id),
      );
      return rows.map((r) => toEndpoint(r, stages.get(r.id)!));
    });
  }

  /** One endpoint. */
  async get(viewer: Viewer, id: string): Promise<WebhookEndpoint> {
    return transaction(this.ds, async (em) => (await this.row(em, viewer, id), this.endpoint(em, id)));
  }

  /** An endpoint's deliveries, newest first, each with every attempt. */
  async deliveries(
    viewer: Viewer,
    endpointId: string,
    first: number,
    after: string | null | undefined,
  ): Promise<Page<WebhookDelivery>> {
    checkFirst(first, this.settings.maxFirst);
    const before = after ? Number(decodeCursor(after, ['serial'])[0]) : null;
    return transaction(this.ds, async (em) => {
      await this.row(em, viewer, endpointId);
      const rows: MessageRow[] = await em.query(
        `SELECT * FROM webhook_messages WHERE endpoint_id = ?${before === null ? '' : ' AND id < ?'} ORDER BY ` +
          `id DESC LIMIT ${first + 1}`,
        before === null ? [endpointId] : [endpointId, before],
      );
      const page = rows.slice(0, first);
      const [{ n }] = await em.query('SELECT COUNT(*) AS n FROM webhook_messages WHERE endpoint_id = ?', [endpointId]);
      const nodes = await this.withAttempts(em, page);
      return {
        nodes,
        cursors: page.map((r) => encodeCursor([Number(r.id)])),
        hasNextPage: rows.length > first,
        totalCount: Number(n),
      };
    });
  }

  private async withAttempts(em: EntityManager, rows: MessageRow[]): Promise<WebhookDelivery[]> {
    const ids = rows.map((r) => String(r.id));
    const attempts: AttemptRow[] = ids.length
      ? await em.query(
          `SELECT * FROM webhook_attempts WHERE message_id IN ${valuesPlaceholders(1, ids.length)} ORDER BY id`,
          ids,
        )
      : [];
    return rows.map((r) =>
      toDelivery(
        r,
        webhookId(r.kind, r.transition_id === null ? null : String(r.transition_id), String(r.id)),
        attempts.filter((a) => String(a.message_id) === String(r.id)).map(toAttempt),
      ),
    );
  }

  private async message(em: EntityManager, id: string): Promise<WebhookDelivery> {
    const rows: MessageRow[] = await em.query('SELECT * FROM webhook_messages WHERE id = ?', [id]);
    return (await this.withAttempts(em, rows))[0];
  }

  /** Sends once, now, with the endpoint's current secrets; records the attempt on message `messageId`. */
  private async attempt(
    endpoint: EndpointRow,
    messageId: string,
    id: string,
    payload: string,
  ): Promise<{ at: number; result: AttemptResult }> {
    const at = this.clock.now();
    const secrets = activeSecrets(endpoint.secret, endpoint.previous_secret, endpoint.previous_secret_expires_at, at);
    const result = await sendWebhook(
      endpoint.url,
      payload,
      { ...signHeaders(id, new Date(), payload, secrets) },
      this.settings,
    );
    await this.ds.query(
      'INSERT INTO webhook_attempts (message_id, endpoint_id, attempted_at, status_code, duration_ms, error, ' +
        'ok) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [messageId, endpoint.id, dbDate(at), result.statusCode, result.durationMs, result.error, result.ok ? 1 : 0],
    );
    return { at, result };
  }

  /**
   * Sends a delivery's event again now, with the same webhook-id and body,
   * and records the attempt on it; a pending delivery that gets a 2xx is
   * done (the endpoint's queue moves on).
   */
  async redeliver(viewer: Viewer, deliveryId: string): Promise<WebhookDelivery> {
    this.assertManager(viewer);
    if (!/^\d+$/.test(deliveryId)) throw notFound('Webhook delivery', deliveryId);
    const [msg]: MessageRow[] = await this.ds.query('SELECT * FROM webhook_messages WHERE id = ?', [deliveryId]);
    if (!msg) throw notFound('Webhook delivery', deliveryId);
    const endpoint = await transaction(this.ds, (em) => this.row(em, viewer, msg.endpoint_id)).catch(() => {
      throw notFound('Webhook delivery', deliveryId);
    });
    let payload = msg.payload;
    if (payload === null) {
      const t = (await transaction(this.ds, (em) => this.outbox.promotions(em, [String(msg.transition_id)]))).get(
        String(msg.transition_id),
      );
      if (!t) throw notFound('Webhook delivery', deliveryId);
      payload = promotionPayload(t, promotionCursor(t));
      await this.ds.query('UPDATE webhook_messages SET payload = ? WHERE id = ? AND payload IS NULL', [
        payload,
        deliveryId,
      ]);
    }
    const { at, result } = await this.attempt(
      endpoint,
      deliveryId,
      webhookId(msg.kind, msg.transition_id === null ? null : String(msg.transition_id), deliveryId),
      payload,
    );
    if (result.ok) {
      await this.ds.query(
        "UPDATE webhook_messages SET state = 'DELIVERED', delivered_at = ? WHERE id = ? AND state <> 'DELIVERED'",
        [dbDate(at + result.durationMs), deliveryId],
      );
    }
    return transaction(this.ds, (em) => this.message(em, deliveryId));
  }

  /** Sends a `webhook.ping` test event now and returns it with its attempt. */
  async ping(viewer: Viewer, endpointId: string): Promise<WebhookDelivery> {
    const endpoint = await transaction(this.ds, (em) => this.row(em, viewer, endpointId));
    const now = this.clock.now();
    const payload = pingPayload(endpointId, new Date(now));
    const messageId = await transaction(this.ds, async (em) => {
      // The endpoint's row lock keeps concurrent pings apart, so MAX(id) below is this one.
      await em.query(`SELECT id FROM webhook_endpoints WHERE id = ?${forUpdate(dialectOf(em))}`, [endpointId]);
      await em.query(
        'INSERT INTO webhook_messages (endpoint_id, kind, state, attempts, next_attempt_at, payload, ' +
          "created_at) VALUES (?, ?, 'FAILED', 1, ?, ?, ?)",
        [endpointId, PING, dbDate(now), payload, dbDate(now)],
      );
      const [row] = await em.query('SELECT MAX(id) AS id FROM webhook_messages WHERE endpoint_id = ? AND kind = ?', [
        endpointId,
        PING,
      ]);
      return String(row.id);
    });
    const { at, result } = await this.attempt(endpoint, messageId, webhookId(PING, null, messageId), payload);
    if (result.ok)
      await this.ds.query(
        `UPDATE webhook_messages SET state = '${WebhookDeliveryState.DELIVERED}', delivered_at = ? WHERE id = ?`,
        [dbDate(at + result.durationMs), messageId],
      );
    return transaction(this.ds, (em) => this.message(em, messageId));
  }
}
