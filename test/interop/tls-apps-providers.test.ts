/**
 * TLS on the app-facing side and to providers (issue 13 item 4), with peers we did not write:
 *
 *   grpcio (ssl_channel_credentials) --TLS--> gRPC listener --> grpcio server
 *   Python urllib (HTTPS)            --TLS--> HTTP/1 listener --> HTTP upstream
 *   Java Dubbo 3.3 consumer (SslConfig, client certificate) --TLS--> Dubbo listener (client certificates
 *     required: tls.caFile) --TLS (clusters[].tls)--> Java Dubbo 3.3 provider (SslConfig)
 *   the same three clients           --TLS--> one `auto` listener
 *
 * The listeners serve the certificate of one PKI (the apps'), the provider that of another,
 * so the cluster's caFile is what makes the provider trusted. Plaintext callers of the strict
 * listeners are refused and counted; a cluster given the wrong CA bundle is refused by its
 * own handshake, and the Java consumer reads why in Dubbo's own error.
 */
import { execFile } from 'node:child_process';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Running } from '../../src/main.js';
import { preparePythonPeer, runGrpcClient, startGrpcServer } from '../support/grpc-peers.js';
import { startUpstream, type TestUpstream } from '../support/http-upstream.js';
import { runDubboConsumer, startJava } from '../support/java-peers.js';
import { javaClasspath } from '../support/maven.js';
import { freePort } from '../support/ports.js';
import { stopAllPeers, type Peer } from '../support/process.js';
import { startInProcess } from '../support/sidecar.js';
import { makeTestPki, type TestPki } from '../support/tls-pki.js';

/** A cold JVM's first TLS handshakes take seconds on a busy machine; the default 1 s would fail them as connect timeouts. */
const PROVIDER_CONNECT_MS = 15_000;
/** Java consumer calls wait that long and more. */
const CALL_TIMEOUT = ['--timeout', '30000'];

let apps: TestPki;
let providers: TestPki;
let upstream: TestUpstream;
let provider: Peer;
let sidecar: Running;
/** -D options that give the Java Dubbo consumer its own TLS with a client certificate of the apps' PKI. */
let consumerTls: string[];
const port: Record<string, number> = {};

beforeAll(async () => {
  apps = makeTestPki('apps');
  providers = makeTestPki('providers');
  const listenerCert = apps.issue('listener', 'server');
  const providerCert = providers.issue('provider', 'server');
  const consumerCert = apps.issue('consumer', 'client');
  consumerTls = [`-Dpmesh.tls.cert=${consumerCert.certFile}`, `-Dpmesh.tls.key=${consumerCert.keyFile}`, `-Dpmesh.tls.trust=${apps.caFile}`];
  javaClasspath('dubbo');
  preparePythonPeer();
  const grpcServer = await startGrpcServer('python');
  upstream = await startUpstream();
  for (const name of ['admin', 'grpc', 'http', 'dubbo', 'wrongCa', 'auto', 'provider']) port[name] = await freePort();
  provider = startJava('dubbo', 'com.example.dubbo.Provider', [String(port.provider)], 'dubbo TLS provider', [`-Dpmesh.tls.cert=${providerCert.certFile}`, `-Dpmesh.tls.key=${providerCert.keyFile}`]);
  await provider.waitFor(/PROVIDER READY/, 180_000);
  const tls = `{ mode: strict, certFile: ${listenerCert.certFile}, keyFile: ${listenerCert.keyFile} }`;
  const mutualTls = `{ mode: strict, certFile: ${listenerCert.certFile}, keyFile: ${listenerCert.keyFile}, caFile: ${apps.caFile} }`;
  const grpcRoutes = `{ match: { service: helloworld.Greeter }, cluster: py }, { match: { service: examples.streaming.Streamer }, cluster: py }`;
  const dubboRoute = `{ match: { service: com.example.EchoService }, cluster: provider }`;
  sidecar = await startInProcess(`
admin: { address: 127.0.0.1:${port.admin} }
listeners:
  - { name: grpc-tls, protocol: grpc, address: 127.0.0.1:${port.grpc}, routeByRegistry: false, tls: ${tls}, routes: [${grpcRoutes}] }
  - { name: http-tls, protocol: http1, address: 127.0.0.1:${port.http}, tls: ${tls}, routes: [{ match: { pathPrefix: / }, cluster: app }] }
  - { name: dubbo-tls, protocol: dubbo, address: 127.0.0.1:${port.dubbo}, routeByRegistry: false, tls: ${mutualTls}, routes: [${dubboRoute}] }
  - { name: dubbo-wrong-ca, protocol: dubbo, address: 127.0.0.1:${port.wrongCa}, routeByRegistry: false, routes: [{ match: { service: com.example.EchoService }, cluster: provider-wrong-ca }] }
  - { name: auto-tls, protocol: auto, address: 127.0.0.1:${port.auto}, routeByRegistry: false, tls: ${tls}, auto: { protocols: [dubbo, grpc, http1] }, routes: [${dubboRoute}, ${grpcRoutes}, { match: { pathPrefix: / }, cluster: app }] }
clusters:
  - { name: py, protocol: grpc, endpoints: [127.0.0.1:${grpcServer.port}] }
  - { name: app, protocol: http1, endpoints: [${upstream.address}] }
  - { name: provider, protocol: dubbo, connectTimeoutMs: ${PROVIDER_CONNECT_MS}, endpoints: [127.0.0.1:${port.provider}], tls: { caFile: ${providers.caFile} } }
  - { name: provider-wrong-ca, protocol: dubbo, connectTimeoutMs: ${PROVIDER_CONNECT_MS}, endpoints: [127.0.0.1:${port.provider}], tls: { caFile: ${apps.caFile} } }
`);
}, 900_000);

afterAll(async () => {
  await sidecar?.stop(500);
  await upstream?.close();
  await stopAllPeers();
});

async function metrics(): Promise<string> {
  return (await request(`http://127.0.0.1:${port.admin}/metrics`)).body.text();
}

const counted = (metric: string, labels: string) => new RegExp(`^${metric}\\{${labels}\\} [1-9]`, 'm');

/** Python's own HTTPS client (urllib + ssl, verifying against `caFile`, or plaintext without one): prints the status and body, or the error. */
function pythonPost(url: string, caFile?: string): Promise<string> {
  const script = [
    'import sys, ssl, urllib.request',
    'url, ca = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else None)',
    'ctx = ssl.create_default_context(cafile=ca) if ca else None',
    'try:',
    '    r = urllib.request.urlopen(urllib.request.Request(url, data=b"x" * 1000, method="POST"), context=ctx, timeout=30)',
    '    print(r.status, r.read().decode())',
    'except Exception as e:',
    '    print("ERROR", repr(e))',
  ].join('\n');
  return new Promise((resolve, reject) =>
    execFile('python3', ['-c', script, url, ...(caFile ? [caFile] : [])], { timeout: 60_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout.trim()))),
  );
}

describe('apps calling the sidecar over TLS', () => {
  it('grpcio with ssl credentials: unary, streams and status through a strict gRPC listener; a plaintext grpcio client is refused and counted', async () => {
    const cases = ['unary', 'status', 'server-stream', 'client-stream', 'bidi'];
    expect(await runGrpcClient('python', `127.0.0.1:${port.grpc}`, cases, 180_000, apps.caFile)).toEqual(cases.map((c) => `ok ${c}`));
    const plain = await runGrpcClient('python', `127.0.0.1:${port.grpc}`, ['unary']);
    expect(plain[0]).toMatch(/^FAIL unary/);
    const text = await metrics();
    expect(text).toMatch(counted('pmesh_tls_connections_total', 'listener="grpc-tls",outcome="tls"'));
    expect(text).toMatch(counted('pmesh_tls_connections_total', 'listener="grpc-tls",outcome="refused_plaintext"'));
  }, 300_000);

  it('Python HTTPS (urllib) through a strict HTTP/1 listener; plaintext HTTP is refused and counted', async () => {
    const through = await pythonPost(`https://localhost:${port.http}/api/orders?id=1`, apps.caFile);
    expect(through).toMatch(/^200 /);
    expect(JSON.parse(through.slice(4))).toMatchObject({ method: 'POST', url: '/api/orders?id=1', bytes: 1000 });
    expect(await pythonPost(`http://127.0.0.1:${port.http}/api/orders`)).toMatch(/^ERROR /);
    // A client trusting another CA refuses the listener itself.
    expect(await pythonPost(`https://localhost:${port.http}/`, providers.caFile)).toMatch(/^ERROR .*CERTIFICATE_VERIFY_FAILED/);
    const text = await metrics();
    expect(text).toMatch(counted('pmesh_tls_connections_total', 'listener="http-tls",outcome="tls"'));
    expect(text).toMatch(counted('pmesh_tls_connections_total', 'listener="http-tls",outcome="refused_plaintext"'));
  }, 120_000);

  it('a Java Dubbo consumer with its own TLS and client certificate -> strict Dubbo listener -> TLS to a Java Dubbo provider with its own TLS: the whole suite', async () => {
    const { output } = await runDubboConsumer([...CALL_TIMEOUT, `127.0.0.1:${port.dubbo}`, 'suite'], 'dubbo', consumerTls);
    expect(output).toContain('DONE ok=10 failed=0');
    const text = await metrics();
    expect(text).toMatch(counted('pmesh_tls_connections_total', 'listener="dubbo-tls",outcome="tls"'));
    expect(text).toMatch(counted('pmesh_upstream_tls_handshakes_total', 'cluster="provider",outcome="ok"'));
  }, 300_000);

  it('the same Java consumer in plaintext, or without a client certificate, is refused by the strict Dubbo listener and counted', async () => {
    const { results, output } = await runDubboConsumer(['--timeout', '3000', `127.0.0.1:${port.dubbo}`, 'echo', 'plain']);
    expect(results[0], output).toMatchObject({ call: 'echo', outcome: expect.stringMatching(/^(error|timeout)$/) });
    expect(await metrics()).toMatch(counted('pmesh_tls_connections_total', 'listener="dubbo-tls",outcome="refused_plaintext"'));
    // Python's TLS client trusts the listener but has no client certificate: it is refused once its handshake is done.
    expect(await pythonPost(`https://localhost:${port.dubbo}/`, apps.caFile)).toMatch(/^ERROR /);
    expect(await metrics()).toMatch(counted('pmesh_tls_connections_total', 'listener="dubbo-tls",outcome="refused_handshake"'));
  }, 300_000);

  it('one auto listener serves all three over TLS: grpcio (ALPN h2), Python HTTPS and the Java Dubbo consumer', async () => {
    expect(await runGrpcClient('python', `127.0.0.1:${port.auto}`, ['unary'], 180_000, apps.caFile)).toEqual(['ok unary']);
    expect(await pythonPost(`https://localhost:${port.auto}/auto`, apps.caFile)).toMatch(/^200 /);
    const { results, output } = await runDubboConsumer([...CALL_TIMEOUT, `127.0.0.1:${port.auto}`, 'echo', 'via auto'], 'dubbo', consumerTls);
    expect(results[0], output).toMatchObject({ call: 'echo', outcome: 'ok', value: 'via auto' });
    await expect.poll(metrics, { timeout: 10_000 }).toMatch(/^pmesh_tls_connections_total\{listener="auto-tls",outcome="tls"\} ([3-9]|\d\d)/m);
  }, 300_000);
});

describe('the sidecar calling a provider over TLS', () => {
  it('a cluster whose caFile does not hold the provider\'s CA is refused by its handshake: the Java consumer reads why in Dubbo\'s error, and it is counted', async () => {
    const { results, output } = await runDubboConsumer([...CALL_TIMEOUT, `127.0.0.1:${port.wrongCa}`, 'echo', 'x']);
    expect(results[0], output).toMatchObject({ call: 'echo', outcome: 'error' });
    expect(results[0]?.message).toMatch(/TLS handshake failed: .*\((UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\)/);
    expect(await metrics()).toMatch(counted('pmesh_upstream_tls_handshakes_total', 'cluster="provider-wrong-ca",outcome="failed"'));
  }, 300_000);
});
