/**
 * GraphQL over HTTP on /graphql: the key is looked up while the body streams in, the body is held to
 * maxBodyBytes (413) and must be JSON (400), the query text is screened before Apollo parses it, then
 * Apollo executes it with the gate's admission in the context.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ApolloServer, HeaderMap } from '@apollo/server';
import type { GraphQLError } from 'graphql';
import { type Context, type Services, createContext } from '../graphql/context';
import { requestStats } from '../db/sql-counter';
import { viewerFromHeader } from './auth';
import type { ExecutionGate } from './execution';
import { screenQueryText } from './input-screen';
import { BodyTooLarge, readBody, sendJson } from './http-util';

/** What the /graphql route needs. */
export interface GraphqlHttpDeps {
  apollo: ApolloServer<Context>;
  gate: ExecutionGate;
  services: Services;
  maxBodyBytes: number;
  /** Exposes the per-request SQL statement count as the `x-sql-statements` header (tests). */
  exposeSqlCount?: boolean;
}

/** The /graphql handler. */
export function graphqlHttpHandler(deps: GraphqlHttpDeps) {
  const { gate, services } = deps;
  return async (req: IncomingMessage, res: ServerResponse, url: URL, requestId: string): Promise<void> => {
    const headers = new HeaderMap();
    for (const [k, v] of Object.entries(req.headers))
      if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
    // Once an AsyncLocalStorage is entered, every promise in the process runs async_hooks: only when the count is
    // wanted.
    const stats = deps.exposeSqlCount ? { sqlStatements: 0 } : null;
    // The key is looked up as soon as the headers are in, while the body streams in and is parsed (a batch of
    // activities is tens of KiB); its answer is awaited only by the context, so a bad body still gets its 400/413.
    const authenticate = () => viewerFromHeader(services.access, req.headers.authorization);
    const viewer = stats ? requestStats.run(stats, authenticate) : authenticate();
    viewer.catch(() => undefined);
    const body = req.method === 'POST' ? await readJsonBody(req, res, headers, deps.maxBodyBytes) : undefined;
    if (body === REFUSED) return;
    if (!screened(res, gate, queryText(body, url))) return;
    const respond = async () => {
      const result = await deps.apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
        context: async () => {
          const v = await viewer;
          await gate.admit(v);
          return createContext(v, services, requestId, gate.resolved);
        },
      });
      for (const [k, v] of result.headers) res.setHeader(k, v);
      if (stats) res.setHeader('x-sql-statements', String(stats.sqlStatements));
      res.statusCode = result.status ?? 200;
      if (result.body.kind === 'complete') res.end(result.body.string);
      else {
        for await (const chunk of result.body.asyncIterator) res.write(chunk);
        res.end();
      }
    };
    await (stats ? requestStats.run(stats, respond) : respond());
  };
}

/** A body that was answered already (413 or 400). */
const REFUSED = Symbol('refused');

/** The POST body: parsed JSON, or the raw text for other content types; REFUSED once answered with an error. */
async function readJsonBody(
  req: IncomingMessage,
  res: ServerResponse,
  headers: HeaderMap,
  maxBodyBytes: number,
): Promise<unknown> {
  let raw: string;
  try {
    raw = await readBody(req, maxBodyBytes);
  } catch (err) {
    if (!(err instanceof BodyTooLarge)) throw err;
    const tooLarge = {
      message: `Request body larger than ${maxBodyBytes} bytes`,
      extensions: { code: 'BAD_USER_INPUT', limit: maxBodyBytes },
    };
    sendJson(res, 413, { errors: [tooLarge] }, { connection: 'close' });
    return REFUSED;
  }
  if (!(headers.get('content-type') ?? '').includes('application/json')) return raw;
  try {
    return raw === '' ? {} : JSON.parse(raw);
  } catch {
    sendJson(res, 400, {
      errors: [{ message: 'Request body is not valid JSON', extensions: { code: 'BAD_USER_INPUT' } }],
    });
    return REFUSED;
  }
}

function queryText(body: unknown, url: URL): string | null {
  const query = (body as { query?: unknown } | undefined)?.query;
  return typeof query === 'string' ? query : url.searchParams.get('query');
}

/** The query text's nesting is measured before Apollo's (recursive) parser sees it; false once answered with 400. */
function screened(res: ServerResponse, gate: ExecutionGate, text: string | null): boolean {
  if (!text) return true;
  try {
    screenQueryText(text);
    return true;
  } catch (err) {
    sendJson(res, 400, { errors: gate.formatErrors([err as GraphQLError]) });
    return false;
  }
}
