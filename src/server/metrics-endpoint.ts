/**
 * `/metrics`, closed by default in production: on its own port when
 * METRICS_PORT is set (and then not on the API's port), behind
 * `Authorization: Bearer <METRICS_TOKEN>` when METRICS_TOKEN is set; in
 * production with neither it answers 404. Outside production it is open.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import type { Guards } from '../config/config';
import { bearerSecret } from './auth';
import { sendJson } from './http-util';

/** What the endpoint needs. */
export interface MetricsEndpointDeps {
  guards: Guards;
  production: boolean;
  /** The exposition text. */
  render: () => Promise<string>;
  logger: Logger;
}

export class MetricsEndpoint {
  private server: Server | null = null;

  constructor(private readonly deps: MetricsEndpointDeps) {}

  /** Why a scrape is refused (status and message), or null when it may proceed. */
  refusal(authorization: string | undefined, door: 'api' | 'own'): { status: number; message: string } | null {
    const { guards, production } = this.deps;
    if (door === 'api' && guards.metricsPort !== null) return { status: 404, message: 'not found' };
    if (guards.metricsToken) {
      const given = Buffer.from(bearerSecret(authorization) ?? '');
      const wanted = Buffer.from(guards.metricsToken);
      return given.length === wanted.length && timingSafeEqual(given, wanted)
        ? null
        : { status: 401, message: 'metrics need Authorization: Bearer <METRICS_TOKEN>' };
    }
    return door === 'api' && production ? { status: 404, message: 'not found' } : null;
  }

  /** Answers a scrape arriving on the API's port (`api`) or the metrics port (`own`). */
  async serve(req: IncomingMessage, res: ServerResponse, door: 'api' | 'own'): Promise<void> {
    const refusal = this.refusal(req.headers.authorization, door);
    if (refusal) return sendJson(res, refusal.status, { error: refusal.message });
    const text = await this.deps.render();
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(text);
  }

  /** Listens on METRICS_PORT when set; returns the port (null when none). */
  async start(): Promise<number | null> {
    const { metricsPort } = this.deps.guards;
    if (metricsPort === null) return null;
    const server = (this.server = createServer((req, res) => {
      if (new URL(req.url ?? '/', 'http://localhost').pathname !== '/metrics')
        return sendJson(res, 404, { error: 'not found' });
      this.serve(req, res, 'own').catch((err) => {
        this.deps.logger.error({ err }, 'metrics failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'metrics failed' });
      });
    }));
    await new Promise<void>((resolve) => server.listen(metricsPort, resolve));
    const address = server.address();
    return typeof address === 'object' && address ? address.port : metricsPort;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
