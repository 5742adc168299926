/**
 * A TCP relay on 127.0.0.1 that a test can cut: `block()` drops every relayed connection and
 * refuses new ones (accepts and closes at once) until `unblock()`. Used to cut one client off
 * ZooKeeper for longer than its session timeout (RELIABILITY.md F6) without touching others.
 * A tap sees the bytes going each way (what travels between two sidecars).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  readonly port: number;
  readonly address: string;
  /** Connections accepted and relayed so far (a new connection from the client shows here). */
  readonly connections: number;
  block(): void;
  unblock(): void;
  close(): Promise<void>;
}

/** Sees every chunk relayed: `up` from the client towards the target, `down` back. */
export type Tap = (chunk: Buffer, direction: 'up' | 'down') => void;

export async function startTcpProxy(targetPort: number, tap?: Tap): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let blocked = false;
  let connections = 0;
  const server: Server = createServer((downstream) => {
    if (blocked) {
      downstream.destroy();
      return;
    }
    connections += 1;
    const upstream = connect({ port: targetPort, host: '127.0.0.1' });
    for (const socket of [downstream, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    downstream.on('close', () => upstream.destroy());
    upstream.on('close', () => downstream.destroy());
    if (tap) {
      downstream.on('data', (chunk: Buffer) => tap(chunk, 'up'));
      upstream.on('data', (chunk: Buffer) => tap(chunk, 'down'));
    }
    downstream.pipe(upstream);
    upstream.pipe(downstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    address: `127.0.0.1:${port}`,
    get connections() {
      return connections;
    },
    block() {
      blocked = true;
      for (const socket of sockets) socket.destroy();
    },
    unblock() {
      blocked = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
