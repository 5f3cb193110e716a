/** Small HTTP helpers of the server: bounded body reading and JSON responses. */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The body exceeded its limit (answered 413). */
export class BodyTooLarge extends Error {}

/** Reads a request body of at most `limit` bytes, rejecting with BodyTooLarge beyond it. */
export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        // Answer 413 now and discard the rest; the connection is closed after the response.
        reject(new BodyTooLarge());
        chunks.length = 0;
        req.removeAllListeners('data');
        req.resume();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Sends a JSON response. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}
