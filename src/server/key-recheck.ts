/**
 * Revoked API keys are dropped from open connections: one timer re-checks each distinct key of the open
 * WebSockets and SSE streams (not one query per socket), and a key change announced on this instance (a
 * revocation here, or one another instance published) re-checks at once.
 */
import type { WebSocket } from 'ws';
import type { Logger } from 'pino';
import type { Services } from '../graphql/context';
import type { SseDoor } from './sse';

/** The open WebSockets per API key, re-checked every `everyMs`. */
export class KeyRecheck {
  private readonly socketsByKey = new Map<string, Set<WebSocket>>();
  private readonly timer: NodeJS.Timeout;
  private readonly stopListening: () => void;

  constructor(services: Services, sse: SseDoor, logger: Logger, everyMs: number) {
    const recheck = () => {
      sse.recheck((keyId) => services.access.isActive(keyId));
      for (const [keyId, sockets] of this.socketsByKey) {
        services.access.isActive(keyId).then(
          (active) => active || [...sockets].forEach((socket) => socket.close(4403, 'API key revoked')),
          (err) => logger.warn({ err }, 'key re-check failed'),
        );
      }
    };
    this.timer = setInterval(recheck, everyMs);
    this.timer.unref();
    this.stopListening = services.access.onKeyChange(recheck);
  }

  /** Watches `socket` under `keyId` until it closes. */
  track(keyId: string, socket: WebSocket): void {
    let sockets = this.socketsByKey.get(keyId);
    if (!sockets) this.socketsByKey.set(keyId, (sockets = new Set()));
    const mine = sockets;
    mine.add(socket);
    socket.once('close', () => {
      mine.delete(socket);
      if (mine.size === 0 && this.socketsByKey.get(keyId) === mine) this.socketsByKey.delete(keyId);
    });
  }

  stop(): void {
    clearInterval(this.timer);
    this.stopListening();
  }
}
