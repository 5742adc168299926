/**
 * Under an `auto` listener, HTTP/1 and gRPC calls arrive on a ReplayedSocket relaying the
 * TLS connection the sniff read from: the caller's identity (for authorization) is still the
 * one its certificate names. Real mTLS on 127.0.0.1 with the mesh's own CA.
 */
import { createServer, type Socket } from 'node:net';
import { afterAll, expect, it } from 'vitest';
import { NOOP_METRICS, rootLogger } from '../../../src/core/index.js';
import { ReplayedSocket } from '../../../src/proxy/listeners/replayed-socket.js';
import { dial, peerOf, secureConnections } from '../../../src/proxy/transport/index.js';
import { fixedMaterial, makeTestCa } from '../../support/mesh-ca.js';

const server = createServer();
const open = new Set<Socket>();

afterAll(async () => {
  for (const socket of open) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

it('peerOf a replayed socket names the caller of the TLS connection under it; a plaintext one names nobody', async () => {
  const ca = await makeTestCa('mesh.test');
  server.on('connection', (socket: Socket) => {
    open.add(socket);
    const replayed = new ReplayedSocket(socket, Buffer.alloc(0));
    replayed.once('data', () => replayed.write(peerOf(replayed)?.spiffeId ?? 'nobody'));
  });
  secureConnections(server, { mode: 'permissive', material: fixedMaterial(await ca.material('provider')), handshakeTimeoutMs: 5_000 }, { listener: 'auto', metrics: NOOP_METRICS, log: rootLogger() });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const material = await ca.material('web');
  const ask = (mtls: boolean) =>
    new Promise<string>((resolve, reject) => {
      const { socket, readyEvent } = dial({ host: '127.0.0.1', port, metadata: {} }, mtls ? { mtls: 'on', material: fixedMaterial(material) } : undefined);
      socket.once(readyEvent, () => socket.write('who'));
      socket.once('data', (chunk) => {
        resolve(chunk.toString());
        socket.destroy();
      });
      socket.once('error', reject);
    });
  expect(await ask(true)).toBe('spiffe://mesh.test/app/web');
  expect(await ask(false)).toBe('nobody');
});
