/**
 * The HTTP routes: /healthz, /readyz, the explorer (outside production), /graphql, /graphql/stream (SSE),
 * /metrics and the web console, behind CORS; every response carries an x-request-id.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import cors from 'cors';
import type { Logger } from 'pino';
import type { Config } from '../config/config';
import { Explorer } from './explorer/explorer';
import { sendJson } from './http-util';
import type { MetricsEndpoint } from './metrics-endpoint';
import type { SseDoor } from './sse';
import { consoleHandler } from './console';

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL, requestId: string) => Promise<void>;

/** What the routes lead to. */
export interface RouteDeps {
  config: Config;
  logger: Logger;
  /** True when the database answers (for /readyz). */
  ready: () => Promise<boolean>;
  graphql: Handler;
  sse: SseDoor;
  metricsEndpoint: MetricsEndpoint;
}

/** The request listener of the API's HTTP server. */
export function routes(deps: RouteDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { config, logger } = deps;
  // The API explorer for browsers, outside production only.
  const explorer = config.production ? null : new Explorer();
  const serveConsole = consoleHandler();
  const corsMiddleware = cors({
    origin: config.corsOrigins.includes('*') ? true : config.corsOrigins,
    credentials: false,
    allowedHeaders: [
      'content-type',
      'authorization',
      'apollo-require-preflight',
      'x-apollo-operation-name',
      'last-event-id',
    ],
    maxAge: 600,
  });
  const route = async (req: IncomingMessage, res: ServerResponse, url: URL, requestId: string) => {
    if (url.pathname === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (url.pathname === '/readyz') {
      const ok = await deps.ready();
      return sendJson(res, ok ? 200 : 503, { status: ok ? 'ready' : 'database unavailable' });
    }
    if (explorer?.handles(req, url)) return await explorer.serve(req, res, url);
    if (url.pathname === '/graphql') return await deps.graphql(req, res, url, requestId);
    if (url.pathname === '/graphql/stream') return await deps.sse.handle(req, res, url, requestId);
    if (url.pathname === '/metrics') return await deps.metricsEndpoint.serve(req, res, 'api');
    if (serveConsole(req, res, url.pathname)) return;
    sendJson(res, 404, { error: 'not found' });
  };
  return (req, res) => {
    const requestId = (req.headers['x-request-id'] as string) || randomUUID();
    res.setHeader('x-request-id', requestId);
    corsMiddleware(req, res, async () => {
      try {
        await route(req, res, new URL(req.url ?? '/', 'http://localhost'), requestId);
      } catch (err) {
        logger.error({ err, requestId }, 'request failed');
        if (!res.headersSent)
          sendJson(res, 500, {
            errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
          });
        else res.end();
      }
    });
  };
}
