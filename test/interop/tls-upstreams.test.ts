/**
 * `clusters[].tls` over the HTTP/1 pool and the HTTP/2 (gRPC) sessions, against servers whose
 * TLS we did not write: Node's https server requiring a client certificate, and a
 * @grpc/grpc-js server with SSL credentials (ALPN h2). A cluster whose serverName the
 * provider's certificate does not carry is refused by its handshake; the gRPC caller reads
 * why in its UNAVAILABLE status, and it is counted.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createRequire } from 'node:module';
import type { TLSSocket } from 'node:tls';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Running } from '../../src/main.js';
import { freePort } from '../support/ports.js';
import { startInProcess } from '../support/sidecar.js';
import { makeTestPki } from '../support/tls-pki.js';

const grpc = createRequire(import.meta.url)('@grpc/grpc-js') as typeof import('@grpc/grpc-js');
const identity = (value: Buffer): Buffer => value;
const SAY_HELLO = '/helloworld.Greeter/SayHello';

let https: HttpsServer;
let grpcServer: import('@grpc/grpc-js').Server;
let sidecar: Running;
const port: Record<string, number> = {};

beforeAll(async () => {
  const pki = makeTestPki('upstreams');
  const server = pki.issue('provider', 'server');
  const sidecarCert = pki.issue('sidecar', 'client');
  const [cert, key, ca] = [readFileSync(server.certFile), readFileSync(server.keyFile), readFileSync(pki.caFile)];
  // HTTPS that requires a client certificate and answers with the name it carries.
  https = createHttpsServer({ cert, key, ca, requestCert: true, rejectUnauthorized: true }, (req, res) => {
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ url: req.url, client: peer.subject?.CN }));
  });
  await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
  grpcServer = new grpc.Server();
  grpcServer.addService(
    { SayHello: { path: SAY_HELLO, requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity } },
    { SayHello: (call: { request: Buffer }, callback: (error: null, value: Buffer) => void) => callback(null, call.request) },
  );
  const grpcPort = await new Promise<number>((resolve, reject) =>
    grpcServer.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createSsl(ca, [{ private_key: key, cert_chain: cert }], false), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  for (const name of ['admin', 'http', 'grpc', 'grpcWrongName']) port[name] = await freePort();
  const httpsPort = (https.address() as { port: number }).port;
  sidecar = await startInProcess(`
admin: { address: 127.0.0.1:${port.admin} }
listeners:
  - { name: http, protocol: http1, address: 127.0.0.1:${port.http}, routes: [{ match: { pathPrefix: / }, cluster: https }] }
  - { name: grpc, protocol: grpc, address: 127.0.0.1:${port.grpc}, routeByRegistry: false, routes: [{ match: { service: helloworld.Greeter }, cluster: grpcs }] }
  - { name: grpc-wrong-name, protocol: grpc, address: 127.0.0.1:${port.grpcWrongName}, routeByRegistry: false, routes: [{ match: { service: helloworld.Greeter }, cluster: grpcs-wrong-name }] }
clusters:
  - { name: https, protocol: http1, endpoints: [127.0.0.1:${httpsPort}], tls: { caFile: ${pki.caFile}, certFile: ${sidecarCert.certFile}, keyFile: ${sidecarCert.keyFile} } }
  - { name: grpcs, protocol: grpc, endpoints: [127.0.0.1:${grpcPort}], tls: { caFile: ${pki.caFile}, serverName: localhost } }
  - { name: grpcs-wrong-name, protocol: grpc, endpoints: [127.0.0.1:${grpcPort}], tls: { caFile: ${pki.caFile}, serverName: orders.internal } }
`);
}, 120_000);

afterAll(async () => {
  await sidecar?.stop(500);
  await new Promise((resolve) => https?.close(resolve));
  grpcServer?.forceShutdown();
});

function sayHello(target: number): Promise<{ value?: Buffer; error?: { code: number; details: string } }> {
  const client = new grpc.Client(`127.0.0.1:${target}`, grpc.credentials.createInsecure());
  return new Promise((resolve) =>
    client.makeUnaryRequest(SAY_HELLO, identity, identity, Buffer.from([0x0a, 0x02, 0x68, 0x69]), (error, value) => {
      client.close();
      resolve(error ? { error: error as unknown as { code: number; details: string } } : { value: value! });
    }),
  );
}

async function metrics(): Promise<string> {
  return (await request(`http://127.0.0.1:${port.admin}/metrics`)).body.text();
}

describe('clusters[].tls', () => {
  it('HTTP/1: the pool speaks TLS to an HTTPS provider and presents the client certificate it asks for', async () => {
    const answer = await request(`http://127.0.0.1:${port.http}/orders/1`);
    expect(answer.statusCode).toBe(200);
    expect(await answer.body.json()).toEqual({ url: '/orders/1', client: 'sidecar' });
  });

  it('gRPC: the HTTP/2 session speaks TLS (ALPN h2) to a grpc-js server with SSL credentials', async () => {
    const { value, error } = await sayHello(port.grpc!);
    expect(error).toBeUndefined();
    expect(value).toEqual(Buffer.from([0x0a, 0x02, 0x68, 0x69]));
    expect(await metrics()).toMatch(/^pmesh_upstream_tls_handshakes_total\{cluster="grpcs",outcome="ok"\} [1-9]/m);
  });

  it('a serverName the provider\'s certificate does not carry: UNAVAILABLE naming the TLS failure, counted', async () => {
    const { error } = await sayHello(port.grpcWrongName!);
    expect(error?.code).toBe(grpc.status.UNAVAILABLE);
    expect(error?.details).toMatch(/TLS handshake failed: .*orders\.internal.*\(ERR_TLS_CERT_ALTNAME_INVALID\)/);
    expect(await metrics()).toMatch(/^pmesh_upstream_tls_handshakes_total\{cluster="grpcs-wrong-name",outcome="failed"\} [1-9]/m);
  });
});
