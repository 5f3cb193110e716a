/**
 * Frames written to WebSockets while one event fans out leave together: each socket is corked at its first
 * frame and uncorked once the fan-out is done (the next check phase), as a broadcast loop would write them.
 * Fewer, larger writes keep the CPU per delivery down (bench/subscriptions, docs/benchmarks.md).
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { WebSocket, WebSocketServer } from 'ws';
import type { SerialisedResults } from './shared-execution';

/** The corked sockets of a WebSocket server. */
export class SocketCorking {
  private readonly corked = new Set<Socket>();
  private readonly rawSockets = new WeakMap<WebSocket, Socket>();

  /**
   * Every message of `wsServer` leaves through here, so a shared result's JSON, made once per event, is
   * expanded into each subscriber's frame.
   */
  constructor(wsServer: WebSocketServer, serialised: SerialisedResults) {
    wsServer.on('connection', (socket: WebSocket, request: IncomingMessage) => {
      const raw = request.socket;
      this.rawSockets.set(socket, raw);
      const send = socket.send.bind(socket) as (data: unknown, ...rest: unknown[]) => void;
      socket.send = ((data: unknown, ...rest: unknown[]) => {
        if (!this.corked.has(raw)) {
          if (this.corked.size === 0) setImmediate(this.uncorkAll);
          raw.cork();
          this.corked.add(raw);
        }
        send(typeof data === 'string' ? serialised.expand(data) : data, ...rest);
      }) as WebSocket['send'];
    });
  }

  /** Sends what `socket` holds now (a subscriber over its bound gets a chance to drain). */
  readonly flush = (socket: WebSocket): void => {
    const raw = this.rawSockets.get(socket);
    if (raw && this.corked.delete(raw)) raw.uncork();
  };

  private readonly uncorkAll = (): void => {
    const sockets = [...this.corked];
    this.corked.clear();
    for (const raw of sockets) raw.uncork();
  };
}
