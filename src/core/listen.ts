import type { Server } from 'node:net';
import { parseHostPort } from './endpoint.js';

/**
 * Binds a server to `host:port`; rejects with the OS error named with what was being
 * bound (`listener bolt-egress cannot bind 127.0.0.1:12220: listen EADDRINUSE ...`).
 */
export function listenOn(server: Server, address: string, what: string): Promise<void> {
  const target = parseHostPort(address);
  if (!target) return Promise.reject(new Error(`${what}: bad address ${address}`));
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
