import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';

/**
 * A free TCP port on 127.0.0.1 for a test server. Chosen below the kernel's ephemeral
 * range: a port from that range, released and bound again a second later by a JVM, can
 * be taken meanwhile by any outgoing connection of a test running in parallel (seen in
 * CI as "Address already in use"). Ports handed out here are not handed out twice.
 */
const given = new Set<number>();

function ephemeralStart(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32768;
  } catch {
    return 32768;
  }
}

const LOW = 20_000;
const HIGH = Math.max(LOW + 1_000, ephemeralStart() - 1);

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    // Random start per process, so parallel test files rarely try the same port.
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (given.has(port)) continue;
    if (await bindable(port)) {
      given.add(port);
      return port;
    }
  }
  throw new Error(`no free TCP port found between ${LOW} and ${HIGH} on 127.0.0.1`);
}

/**
 * A port on 127.0.0.1 that refuses connections for as long as a test runs, for an endpoint
 * meant to be dead. A port from freePort() left unbound is not safe for that: a test file
 * running in parallel, whose freePort() does not know it was handed out, may bind it meanwhile,
 * and the dead endpoint answers. Ports below 1024 are never handed out by freePort() and no
 * peer of the suite listens on one; the first found refusing now is used.
 */
export async function refusedPort(): Promise<number> {
  for (let port = 1; port < 1024; port++) {
    if (await refuses(port)) return port;
  }
  throw new Error('no port below 1024 on 127.0.0.1 refuses connections');
}

function refuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}
