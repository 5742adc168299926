import type { Server, Socket } from 'node:net';
import { parseHostPort } from './endpoint.js';

/**
 * Binds a server to `host:port`; rejects with the OS error named with what was being
 * bound (`listener bolt-egress cannot bind 127.0.0.1:12220: listen EADDRINUSE ...`).
 */
export function listenOn(server: Server, address: string, what: string): Promise<void> {
  const target = parseHostPort(address);
  if (!target) return Promise.reject(new Error(`${what}: bad address ${address}`));
  if (inClusterWorker) limitOnceAccepted(server);
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(new Error(`${what} cannot bind ${address}: ${error.message}`));
    server.once('error', onError);
    server.listen(target.port, target.host, () => {
      server.off('error', onError);
      listening.add(server);
      server.once('close', () => listening.delete(server));
      resolve();
    });
  });
}

/**
 * The servers listenOn bound in this process and not closed yet. Process-wide because a
 * worker of `workers: N` shares its listening sockets with every other worker through the
 * primary (node:cluster): they all stop accepting first, together, before any drains
 * (src/workers), so a connection arriving during the drain is refused, not handed to a worker
 * that is closing and reset.
 */
const listening = new Set<Server>();

/** Stops every server listenOn bound in this process from accepting; open connections stay, for each listener's own close to drain. */
export function stopAccepting(): void {
  for (const server of listening) server.close();
  listening.clear();
}

let inClusterWorker = false;

/** Says this process is a worker of node:cluster (src/workers/worker.ts), whose listening sockets the primary holds. */
export function listenAsClusterWorker(): void {
  inClusterWorker = true;
}

/**
 * `maxConnections` in a worker of node:cluster. The primary's
 * round robin asks a worker whether it takes each connection, and a worker at its
 * `maxConnections` says no; the primary then offers the connection to the next worker, and the
 * next, for ever when every worker is full (Node 20): never closed, never counted, and IPC spent
 * on it in a loop. So in a worker the limit is checked once the connection is taken: past it,
 * the connection is closed at once and `drop` emitted, as net does in a single process.
 */
function limitOnceAccepted(server: Server): void {
  const limit = server.maxConnections;
  if (!limit) return;
  server.maxConnections = 0;
  let open = 0;
  server.prependListener('connection', (socket: Socket) => {
    if (open >= limit) {
      socket.destroy();
      server.emit('drop', { localAddress: socket.localAddress, localPort: socket.localPort, remoteAddress: socket.remoteAddress, remotePort: socket.remotePort });
      return;
    }
    open += 1;
    socket.once('close', () => (open -= 1));
  });
}
