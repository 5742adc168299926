/**
 * A reload applies `clusters[].maxConnectionsPerEndpoint` and `maxPendingStreamsPerEndpoint`
 * to a running gRPC cluster's pool: before, with one connection to a server taking one
 * stream and one call allowed to wait, a third call is answered RESOURCE_EXHAUSTED; after
 * the limits are raised, the waiting call gets a second connection at once and more calls
 * may wait. The server holds every stream until the test lets it answer.
 */
import { writeFileSync } from 'node:fs';
import { createServer, type Http2Server, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawCall, rawSession, stringMessage, type RawReply } from '../support/grpc-raw.js';
import { freePort } from '../support/ports.js';
import { startInProcess } from '../support/sidecar.js';

let sidecar: Awaited<ReturnType<typeof startInProcess>>;
let server: Http2Server;
let listenerPort: number;
let adminPort: number;
let serverPort: number;
let sessions = 0;
const held: ServerHttp2Stream[] = [];

function answer(stream: ServerHttp2Stream): void {
  stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
  stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
  stream.end(stringMessage('done'));
}

const config = (maxConnections: number, maxPending: number): string => `
admin: { address: 127.0.0.1:${adminPort} }
listeners:
  - { name: in, protocol: grpc, address: 127.0.0.1:${listenerPort}, routeByRegistry: false, routes: [{ match: { service: helloworld.Greeter }, cluster: held }] }
clusters:
  - { name: held, protocol: grpc, endpoints: [127.0.0.1:${serverPort}], maxConnectionsPerEndpoint: ${maxConnections}, maxPendingStreamsPerEndpoint: ${maxPending} }
`;

async function until(check: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 15_000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`not within 15 s: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeAll(async () => {
  server = createServer({ settings: { maxConcurrentStreams: 1 } });
  server.on('session', () => (sessions += 1));
  server.on('stream', (stream) => {
    stream.on('error', () => {});
    stream.resume();
    held.push(stream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  serverPort = (server.address() as AddressInfo).port;
  listenerPort = await freePort();
  adminPort = await freePort();
  sidecar = await startInProcess(config(1, 1));
});

afterAll(async () => {
  await sidecar?.stop(0);
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('reloading the pool limits of a running gRPC cluster', () => {
  it('raised maxConnectionsPerEndpoint and maxPendingStreamsPerEndpoint apply to the pool already open', async () => {
    const session = rawSession(listenerPort);
    const call = (): Promise<RawReply> => rawCall(session, '/helloworld.Greeter/SayHello', stringMessage('x'));
    try {
      const first = call();
      await until(() => held.length === 1, 'the first call reaches the server');
      const second = call();
      // The third finds the one connection full and one call already waiting.
      const refused = await call();
      expect(refused.status).toBe(8);
      expect(refused.message).toContain('maxPendingStreamsPerEndpoint');

      writeFileSync(sidecar.configPath, `logging: { level: silent }\n${config(2, 4)}`);
      // The waiting call is given a second connection, while the first still holds its stream.
      await until(() => held.length === 2, 'the waiting call reaches the server on a second connection');
      expect(sessions).toBe(2);
      // Both connections full: three more calls may now wait (the limit was one).
      const waiting = [call(), call(), call()];
      await new Promise((resolve) => setTimeout(resolve, 200));
      for (const stream of held.splice(0)) answer(stream);
      server.on('stream', answer);
      const replies = await Promise.all([first, second, ...waiting]);
      expect(replies.map((reply) => reply.status)).toEqual([0, 0, 0, 0, 0]);
    } finally {
      session.close();
    }
  }, 60_000);
});
