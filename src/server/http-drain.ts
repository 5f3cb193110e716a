/**
 * Shutdown of the HTTP side: every open connection is known (cut when shutdown overruns its grace), and the
 * requests in flight per connection, so shutdown ends each keep-alive connection after its last response.
 * Upgraded connections leave the count: they are WebSockets, closed with a close frame once HTTP has drained.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** The connections and in-flight requests of one HTTP server. */
export class HttpDrain {
  private readonly connections = new Set<Socket>();
  private readonly requestsPerSocket = new Map<Socket, number>();
  private draining = false;
  private inFlight = 0;
  private drained: (() => void) | null = null;

  constructor(httpServer: Server) {
    httpServer.on('connection', (socket: Socket) => {
      this.connections.add(socket);
      this.requestsPerSocket.set(socket, 0);
      socket.once('close', () => {
        this.connections.delete(socket);
        this.requestsPerSocket.delete(socket);
      });
    });
    httpServer.on('upgrade', (req: IncomingMessage) => {
      this.requestsPerSocket.delete(req.socket);
      // A keep-alive connection may still ask for an upgrade while HTTP drains: no new WebSockets then.
      if (this.draining) req.socket.destroy();
    });
    httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => this.count(req, res));
  }

  /** Stops taking requests on idle connections and resolves once none is in flight. */
  async drain(): Promise<void> {
    this.draining = true;
    for (const [socket, requests] of this.requestsPerSocket) if (requests === 0) socket.end();
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.drained = resolve));
  }

  /** Cuts every connection still open. */
  destroyAll(): void {
    this.connections.forEach((socket) => socket.destroy());
  }

  private count(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket;
    this.requestsPerSocket.set(socket, (this.requestsPerSocket.get(socket) ?? 0) + 1);
    this.inFlight++;
    if (this.draining) res.setHeader('connection', 'close');
    // 'close' also fires when the client goes away mid-response, so an aborted request never holds shutdown.
    res.once('close', () => {
      const left = (this.requestsPerSocket.get(socket) ?? 1) - 1;
      this.requestsPerSocket.set(socket, left);
      if (this.draining && left === 0) socket.end();
      if (--this.inFlight === 0) this.drained?.();
    });
  }
}
