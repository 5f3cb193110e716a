/**
 * One HTTP POST of a webhook: no redirects followed (a 3xx is a failure),
 * the response read up to RESPONSE_CAP bytes, the whole exchange bounded by
 * `timeoutMs`, and connections only to addresses `target.ts` allows.
 * Keep-alive agents reuse connections to the same receiver.
 */
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { guardedLookup, isForbiddenAddress } from './target';

/** Bytes of a response read at most (kept in the attempt's error when it is not 2xx). */
export const RESPONSE_CAP = 64 * 1024;
/** Characters of a non-2xx response body kept in the attempt's error. */
const ERROR_BODY_CHARS = 200;

/** The outcome of one attempt. */
export interface AttemptResult {
  ok: boolean;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
}

/** How to send. */
export interface SendOptions {
  timeoutMs: number;
  allowPrivate: boolean;
}

const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 16 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 16 }),
};

/** A parsed endpoint URL: request options without the per-request fields. */
interface Target {
  host: string;
  https: boolean;
  options: http.RequestOptions;
}

const targets = new Map<string, Target | null>();

/** Parses an endpoint URL once (every attempt to the same endpoint reuses it); null when it is not a URL. */
function targetOf(url: string): Target | null {
  let t = targets.get(url);
  if (t !== undefined) return t;
  try {
    const u = new URL(url);
    const host = u.hostname.replace(/^\[|\]$/g, '');
    const https = u.protocol === 'https:';
    t = {
      host,
      https,
      options: {
        protocol: u.protocol,
        hostname: host,
        port: u.port || undefined,
        path: u.pathname + u.search,
        auth: u.username ? `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}` : undefined,
        agent: agents[https ? 'https:' : 'http:'],
      },
    };
  } catch {
    t = null;
  }
  if (targets.size >= 10_000) targets.clear();
  targets.set(url, t);
  return t;
}

/** POSTs `body` with `headers` to `url`; never throws. */
export function sendWebhook(
  url: string,
  body: string,
  headers: Record<string, string>,
  opts: SendOptions,
): Promise<AttemptResult> {
  const started = performance.now();
  const done = (statusCode: number | null, error: string | null): AttemptResult => ({
    ok: error === null && statusCode !== null && statusCode >= 200 && statusCode < 300,
    statusCode,
    durationMs: Math.round(performance.now() - started),
    error,
  });
  const target = targetOf(url);
  if (!target) return Promise.resolve(done(null, 'invalid URL'));
  if (!opts.allowPrivate && isIP(target.host) && isForbiddenAddress(target.host))
    return Promise.resolve(done(null, `${target.host} is a private or reserved address`));
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: AttemptResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const req = (target.https ? https : http).request(
      {
        ...target.options,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'user-agent': 'lead-qualification-webhooks/1',
          ...headers,
        },
        ...(opts.allowPrivate ? {} : { lookup: guardedLookup as never }),
      },
      (res) => {
        const status = res.statusCode ?? 0;
        const ok = status >= 200 && status < 300;
        let read = 0;
        let text = '';
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (!ok && text.length < ERROR_BODY_CHARS) text += chunk.toString('utf8', 0, ERROR_BODY_CHARS - text.length);
          if (read > RESPONSE_CAP) {
            // Enough: the status is known, the rest is not ours to buffer.
            req.destroy();
            finish(done(status, ok ? null : `HTTP ${status}: ${text}`));
          }
        });
        res.on('end', () => finish(done(status, ok ? null : `HTTP ${status}${text ? `: ${text.trim()}` : ''}`)));
        res.on('error', (err) => finish(done(status, ok ? null : `HTTP ${status}: ${err.message}`)));
      },
    );
    const timer = setTimeout(() => {
      finish(done(null, `timed out after ${opts.timeoutMs} ms`));
      req.destroy();
    }, opts.timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => finish(done(null, `${err.code ?? 'ERROR'}: ${err.message}`)));
    req.end(body);
  });
}
