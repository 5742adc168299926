/**
 * Workarounds for two faults of node-zookeeper-client 1.1.3, which parses each reply inside
 * the socket's 'data' handler:
 * - the bytes of a reply cut short by a dying connection are kept and glued to the next
 *   connection's first bytes, which then read as garbage;
 * - a reply it cannot parse (a truncated header, an error code missing from its table, as
 *   seen in CI: "Unknown code: 584712194") throws there: an uncaught exception that would
 *   end the sidecar.
 * Each new connection now starts with no leftover bytes, and a reply that throws drops the
 * connection, as the library itself does for the faults it recognises (a reply nobody waits
 * for, an xid out of order); it then reconnects. This reaches into the library's internal
 * `connectionManager`, like the handshake watchdog in session.ts.
 */
import type { Socket } from 'node:net';
import type { Client } from 'node-zookeeper-client';

interface ConnectionManager {
  connect(): void;
  onSocketData(buffer: Buffer): void;
  socket?: Socket;
  pendingBuffer?: Buffer | null;
}

/** Makes the client's reply parsing drop the connection on bad bytes instead of throwing; `onBadReply` is told why. */
export function guardSocketData(client: Client, onBadReply: (error: Error) => void): void {
  const manager = (client as unknown as { connectionManager?: ConnectionManager }).connectionManager;
  if (!manager || typeof manager.onSocketData !== 'function' || typeof manager.connect !== 'function') return;
  const connect = manager.connect;
  manager.connect = function freshConnect(this: ConnectionManager): void {
    this.pendingBuffer = null;
    connect.call(this);
  };
  const parse = manager.onSocketData;
  // An own property: the library binds `this.onSocketData` when it opens each socket, and
  // calls it again for the bytes left over, so both reach the guarded one.
  manager.onSocketData = function guarded(this: ConnectionManager, buffer: Buffer): void {
    try {
      parse.call(this, buffer);
    } catch (error) {
      this.pendingBuffer = null;
      this.socket?.destroy();
      onBadReply(error instanceof Error ? error : new Error(String(error)));
    }
  };
}
