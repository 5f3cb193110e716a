/**
 * Serves the web console (console/dist, built by `npm install`) at `/`: the
 * index with `no-cache` (a new build shows at the next load), hashed assets
 * under /assets/ cached for a year as immutable. Files are read once and kept
 * in memory with their gzip form; nothing outside console/dist is reachable.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json']);
const IMMUTABLE = 'public, max-age=31536000, immutable';

interface StaticFile {
  body: Buffer;
  gzip: Buffer | null;
  type: string;
  cache: string;
}

/** console/dist from the source tree (ts-node) or from dist/src/server (the compiled service). */
function findDist(): string | null {
  for (const root of [join(__dirname, '..', '..'), join(__dirname, '..', '..', '..')]) {
    const dir = join(root, 'console', 'dist');
    if (existsSync(join(dir, 'index.html'))) return dir;
  }
  return null;
}

function load(path: string, cache: string): StaticFile {
  const body = readFileSync(path);
  const ext = extname(path);
  return {
    body,
    gzip: COMPRESSIBLE.has(ext) && body.length > 1024 ? gzipSync(body) : null,
    type: TYPES[ext] ?? 'application/octet-stream',
    cache,
  };
}

/** The console's routes: `/` and `/assets/<file>`; a handler answers true when it served the request. */
export type ConsoleHandler = (req: IncomingMessage, res: ServerResponse, pathname: string) => boolean;

/**
 * Builds the handler from the files present now. Without a build it answers `/` with a page saying how to
 * build one, so a checkout without `npm install` still explains itself.
 */
export function consoleHandler(dist: string | null = findDist()): ConsoleHandler {
  const files = new Map<string, StaticFile>();
  if (dist) {
    files.set('/', load(join(dist, 'index.html'), 'no-cache'));
    const assets = join(dist, 'assets');
    if (existsSync(assets))
      for (const name of readdirSync(assets)) files.set(`/assets/${name}`, load(join(assets, name), IMMUTABLE));
  }
  return (req, res, pathname) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const file = files.get(pathname === '/index.html' ? '/' : pathname);
    if (!file) {
      if (pathname !== '/') return false;
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      res.end(
        'The console is not built: run `npm install` (or `npm run build:console`) in the repository, then restart.\n',
      );
      return true;
    }
    const gzip = file.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? '')) ? file.gzip : null;
    res.writeHead(200, {
      'content-type': file.type,
      'cache-control': file.cache,
      'content-length': (gzip ?? file.body).length,
      'x-content-type-options': 'nosniff',
      vary: 'accept-encoding',
      ...(gzip && { 'content-encoding': 'gzip' }),
      ...(file.type.startsWith('text/html') && { 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY' }),
    });
    res.end(req.method === 'HEAD' ? undefined : (gzip ?? file.body));
    return true;
  };
}
