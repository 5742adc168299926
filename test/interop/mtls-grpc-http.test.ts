/**
 * gRPC (grpc-go client and server) and HTTP/1 through two sidecars in strict mTLS: client ->
 * egress sidecar -> (mTLS, ALPN h2 for gRPC) -> ingress sidecar -> server. A gRPC caller the
 * ingress's authorization refuses gets PERMISSION_DENIED (read from a @grpc/grpc-js client),
 * an HTTP caller 403; a plaintext caller of the strict ingress is refused and counted.
 */
import { createRequire } from 'node:module';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Running } from '../../src/main.js';
import { buildGoPeer, runGrpcClient, startGrpcServer } from '../support/grpc-peers.js';
import { startUpstream, type TestUpstream } from '../support/http-upstream.js';
import { makeTestCa } from '../support/mesh-ca.js';
import { freePort } from '../support/ports.js';
import { stopAllPeers, type Peer } from '../support/process.js';
import { startInProcess } from '../support/sidecar.js';

let goServer: { peer: Peer; port: number };
let upstream: TestUpstream;
let ingress: Running;
let egress: Running;
const port: Record<string, number> = {};

beforeAll(async () => {
  buildGoPeer();
  goServer = await startGrpcServer('go');
  upstream = await startUpstream();
  for (const name of ['grpcIn', 'httpIn', 'grpcOut', 'httpOut', 'grpcDenying', 'inAdmin', 'outAdmin']) port[name] = await freePort();
  const ca = await makeTestCa('mesh.test');
  const [provider, consumer] = [await ca.issue('provider'), await ca.issue('web')];
  const denyWeb = `[{ service: helloworld.Greeter, from: [web], action: deny }, { service: helloworld.Greeter, action: allow }]`;
  ingress = await startInProcess(`
admin: { address: 127.0.0.1:${port.inAdmin} }
identity: { certFile: ${provider.certFile}, keyFile: ${provider.keyFile}, caFile: ${ca.caFile} }
listeners:
  - { name: grpc-in, protocol: grpc, address: 127.0.0.1:${port.grpcIn}, routeByRegistry: false, tls: { mode: strict }, routes: [{ match: { service: examples.streaming.Streamer }, cluster: go }, { match: { service: helloworld.Greeter }, cluster: go }] }
  - { name: grpc-denying, protocol: grpc, address: 127.0.0.1:${port.grpcDenying}, routeByRegistry: false, tls: { mode: strict }, authorization: ${denyWeb}, routes: [{ match: { service: helloworld.Greeter }, cluster: go }] }
  - { name: http-in, protocol: http1, address: 127.0.0.1:${port.httpIn}, tls: { mode: strict }, routes: [{ match: { pathPrefix: / }, cluster: app }] }
clusters:
  - { name: go, protocol: grpc, endpoints: [127.0.0.1:${goServer.port}] }
  - { name: app, protocol: http1, endpoints: [${upstream.address}] }
`);
  egress = await startInProcess(`
admin: { address: 127.0.0.1:${port.outAdmin} }
identity: { certFile: ${consumer.certFile}, keyFile: ${consumer.keyFile}, caFile: ${ca.caFile} }
listeners:
  - { name: grpc-out, protocol: grpc, address: 127.0.0.1:${port.grpcOut}, routeByRegistry: false, routes: [{ match: { service: helloworld.Greeter }, cluster: grpc-in }, { match: { service: examples.streaming.Streamer }, cluster: grpc-in }] }
  - { name: http-out, protocol: http1, address: 127.0.0.1:${port.httpOut}, routes: [{ match: { pathPrefix: /api/ }, cluster: http-in }] }
clusters:
  - { name: grpc-in, protocol: grpc, mtls: on, endpoints: [127.0.0.1:${port.grpcIn}] }
  - { name: http-in, protocol: http1, mtls: on, endpoints: [127.0.0.1:${port.httpIn}] }
`);
}, 900_000);

afterAll(async () => {
  await egress?.stop(500);
  await ingress?.stop(500);
  await upstream?.close();
  await stopAllPeers();
});

async function metrics(adminPort: number): Promise<string> {
  return (await request(`http://127.0.0.1:${adminPort}/metrics`)).body.text();
}

describe('gRPC through two sidecars in strict mTLS', () => {
  it('grpc-go client -> egress -> ingress -> grpc-go server: unary, both streamings, status and trailers', async () => {
    const cases = ['unary', 'status', 'server-stream', 'client-stream', 'bidi'];
    expect(await runGrpcClient('go', `127.0.0.1:${port.grpcOut}`, cases)).toEqual(cases.map((c) => `ok ${c}`));
    expect(await metrics(port.inAdmin!)).toMatch(/^pmesh_tls_connections_total\{listener="grpc-in",outcome="mtls"\} [1-9]/m);
  }, 300_000);

  it('a plaintext grpc-go client calling the strict ingress directly is refused and counted', async () => {
    const lines = await runGrpcClient('go', `127.0.0.1:${port.grpcIn}`, ['unary']);
    expect(lines[0]).toMatch(/^FAIL unary/);
    expect(await metrics(port.inAdmin!)).toMatch(/^pmesh_tls_connections_total\{listener="grpc-in",outcome="refused_plaintext"\} [1-9]/m);
  }, 300_000);

  it('a caller the ingress policy denies gets PERMISSION_DENIED naming it', async () => {
    // A third sidecar with the egress's identity (app web), routed to the listener whose policy denies web.
    const grpc = createRequire(import.meta.url)('@grpc/grpc-js') as typeof import('@grpc/grpc-js');
    const deniedCluster = `  - { name: grpc-denying, protocol: grpc, mtls: on, endpoints: [127.0.0.1:${port.grpcDenying}] }`;
    const via = await freePort();
    const other = await startInProcess(`
admin: { address: 127.0.0.1:${await freePort()} }
identity: ${JSON.stringify(identityOf(egress))}
listeners:
  - { name: grpc-out, protocol: grpc, address: 127.0.0.1:${via}, routeByRegistry: false, routes: [{ match: { service: helloworld.Greeter }, cluster: grpc-denying }] }
clusters:
${deniedCluster}
`);
    try {
      const client = new grpc.Client(`127.0.0.1:${via}`, grpc.credentials.createInsecure());
      const error = await new Promise<{ code: number; details: string }>((resolve) =>
        client.makeUnaryRequest(
          '/helloworld.Greeter/SayHello',
          (value: Buffer) => value,
          (value: Buffer) => value,
          Buffer.from([0x0a, 0x02, 0x68, 0x69]),
          (err) => resolve(err as unknown as { code: number; details: string }),
        ),
      );
      client.close();
      expect(error.code).toBe(grpc.status.PERMISSION_DENIED);
      expect(error.details).toContain('permission denied: spiffe://mesh.test/app/web may not call helloworld.Greeter#SayHello');
    } finally {
      await other.stop(500);
    }
  }, 300_000);
});

/** The identity section a running sidecar was started with. */
function identityOf(running: Running): unknown {
  return running.sidecar.config.identity;
}

describe('HTTP/1 through two sidecars in strict mTLS', () => {
  it('a request through egress and ingress reaches the upstream; a plaintext caller of the ingress is refused', async () => {
    const through = await request(`http://127.0.0.1:${port.httpOut}/api/orders?id=1`, { method: 'POST', body: 'x'.repeat(1000) });
    expect(through.statusCode).toBe(200);
    expect(await through.body.json()).toMatchObject({ method: 'POST', url: '/api/orders?id=1', bytes: 1000 });
    await expect(request(`http://127.0.0.1:${port.httpIn}/api/orders`)).rejects.toThrow();
    const text = await metrics(port.inAdmin!);
    expect(text).toMatch(/^pmesh_tls_connections_total\{listener="http-in",outcome="mtls"\} [1-9]/m);
    expect(text).toMatch(/^pmesh_tls_connections_total\{listener="http-in",outcome="refused_plaintext"\} [1-9]/m);
  }, 120_000);
});
