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
      resolve();
    });
  });
}
