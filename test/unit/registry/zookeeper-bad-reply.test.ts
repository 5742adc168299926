/**
 * A ZooKeeper reply the client library cannot parse must cost a reconnect, never the
 * process: node-zookeeper-client 1.1.3 throws from its socket 'data' handler on such a reply
 * (socket-data-guard.ts). The server here is a few lines of the ZooKeeper wire protocol: it
 * answers the handshake, then sends a reply too short for its header.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../../src/core/index.js';
import { ZkSession } from '../../../src/registry/zookeeper/session.js';

/** ConnectResponse: protocolVersion, timeOut, sessionId, passwd (length-prefixed), after the packet length. */
function connectResponse(): Buffer {
  const body = Buffer.alloc(4 + 4 + 8 + 4 + 16);
  body.writeInt32BE(0, 0);
  body.writeInt32BE(4_000, 4);
  body.writeBigInt64BE(0x1234n, 8);
  body.writeInt32BE(16, 16);
  const length = Buffer.alloc(4);
  length.writeInt32BE(body.length);
  return Buffer.concat([length, body]);
}

/** A packet of 4 bytes where a reply header needs 16: the library's parser throws on it. */
const TRUNCATED_REPLY = Buffer.from([0, 0, 0, 4, 0, 0, 0, 7]);

let server: Server | undefined;
let session: ZkSession | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  session?.close();
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

describe('ZooKeeper session on a server sending bad bytes', () => {
  it('drops the connection, says why, and reconnects instead of throwing', async () => {
    let connections = 0;
    server = createServer((socket) => {
      sockets.push(socket);
      connections += 1;
      const first = connections === 1;
      socket.once('data', () => {
        socket.write(connectResponse());
        // The first connection's next reply is unreadable; later ones behave.
        if (first) setTimeout(() => socket.write(TRUNCATED_REPLY), 50);
      });
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as { port: number }).port;
    const warnings: string[] = [];
    const logger = { warn: (_fields: unknown, message: string) => warnings.push(message), info: () => {}, debug: () => {}, error: () => {} } as unknown as Logger;
    session = new ZkSession(`127.0.0.1:${port}`, { sessionTimeoutMs: 4_000, spinDelayMs: 100, requestTimeoutMs: 1_000 }, { connected: () => {}, disconnected: () => {}, expired: () => {} }, logger);
    session.start();
    const deadline = Date.now() + 20_000;
    while (connections < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(connections).toBeGreaterThanOrEqual(2);
    expect(warnings).toContain('zookeeper sent a reply the client cannot read; reconnecting');
  });

  it('starts each connection without the bytes of a reply the previous one cut short', async () => {
    let connections = 0;
    let connected = 0;
    server = createServer((socket) => {
      sockets.push(socket);
      connections += 1;
      const first = connections === 1;
      socket.once('data', () => {
        socket.write(connectResponse());
        // The first connection dies 6 bytes into a 20-byte reply.
        if (first) setTimeout(() => socket.end(Buffer.from([0, 0, 0, 16, 0, 0])), 50);
      });
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as { port: number }).port;
    const warnings: string[] = [];
    const logger = { warn: (_fields: unknown, message: string) => warnings.push(message), info: () => {}, debug: () => {}, error: () => {} } as unknown as Logger;
    session = new ZkSession(`127.0.0.1:${port}`, { sessionTimeoutMs: 4_000, spinDelayMs: 100, requestTimeoutMs: 1_000 }, { connected: () => (connected += 1), disconnected: () => {}, expired: () => {} }, logger);
    session.start();
    const deadline = Date.now() + 20_000;
    while (connected < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    // Connected on the first connection and again on the second, whose handshake reads clean:
    // no reply had to be thrown away, and no third connection was needed.
    expect(connected).toBeGreaterThanOrEqual(2);
    expect(warnings).toEqual([]);
    expect(connections).toBe(2);
  });
});
