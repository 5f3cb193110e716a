/**
 * The API explorer at /graphql for browsers, outside production: GraphiQL
 * bundled at build time (bundle.ts) and served by this service with its
 * stylesheet, so it works offline. A request for /graphql that accepts HTML
 * (a browser's navigation) gets the page; GraphiQL's own requests are JSON
 * and reach the API as any client's do.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ExplorerAssets, bundleExplorer } from './bundle';

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Lead qualification API explorer</title>
<link rel="stylesheet" href="/graphql/explorer.css">
</head>
<body>
<div id="explorer"></div>
<noscript>The API explorer needs JavaScript. Without it, POST GraphQL requests to /graphql with Authorization:
  Bearer &lt;API key&gt;.</noscript>
<script src="/graphql/explorer.js"></script>
</body>
</html>
`;

/**
 * Everything the page loads comes from this service; GraphiQL styles elements inline and its CSS embeds fonts and
 * images as data: URLs.
 */
const CSP =
  "default-src 'self'; connect-src 'self' ws: wss:; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "font-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/** The directory holding package.json above `from`: the repository (or image) root, from the sources or from dist/. */
function packageRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** Serves the explorer's page and assets. */
export class Explorer {
  private assets: Promise<ExplorerAssets> | null = null;
  private readonly built: string;

  constructor(root = packageRoot(__dirname)) {
    this.built = join(root, 'dist', 'explorer');
  }

  /**
   * Whether the request is for the explorer: a browser's GET of /graphql (HTML accepted, no query), or one of its
   * assets.
   */
  handles(req: IncomingMessage, url: URL): boolean {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if (url.pathname === '/graphql/explorer.js' || url.pathname === '/graphql/explorer.css') return true;
    return (
      url.pathname === '/graphql' && !url.searchParams.has('query') && /\btext\/html\b/.test(req.headers.accept ?? '')
    );
  }

  async serve(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const headers = {
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-cache',
    };
    if (url.pathname === '/graphql') {
      res.writeHead(200, { ...headers, 'content-type': 'text/html; charset=utf-8' });
      res.end(req.method === 'HEAD' ? undefined : PAGE);
      return;
    }
    const assets = await this.load();
    const js = url.pathname.endsWith('.js');
    res.writeHead(200, {
      ...headers,
      'content-type': js ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8',
    });
    res.end(req.method === 'HEAD' ? undefined : js ? assets.js : assets.css);
  }

  /** The bundle npm run build wrote, else one made now (development without a build); kept for the process's life. */
  private load(): Promise<ExplorerAssets> {
    this.assets ??= (async () => {
      if (existsSync(join(this.built, 'explorer.js'))) {
        const [js, css] = await Promise.all([
          readFile(join(this.built, 'explorer.js'), 'utf8'),
          readFile(join(this.built, 'explorer.css'), 'utf8'),
        ]);
        return { js, css };
      }
      return bundleExplorer(join(packageRoot(__dirname), 'src', 'server', 'explorer', 'browser.jsx'));
    })();
    // A failed bundle is tried again on the next request.
    this.assets.catch(() => (this.assets = null));
    return this.assets;
  }
}
