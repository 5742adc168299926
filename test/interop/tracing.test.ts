/**
 * Traces across protocol changes, checked in a real trace backend (Zipkin's server from
 * Maven Central, test/support/zipkin.ts) with real peers at both ends:
 *
 * - the Python client starts a W3C trace; the sidecar bridges its HTTP/JSON call to the
 *   Java Dubbo provider: one trace, the sidecar's server span a child of the Python span,
 *   its client span a child of the server span;
 * - a Java SOFARPC consumer with SOFATracer (on by default in sofa-rpc-all) calls through
 *   two sidecars to the Java SOFARPC provider: one trace of four spans linked hop by hop,
 *   whose id stands for the consumer's SOFATracer id, and the provider's SOFATracer digest
 *   log names that same id.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { traceIdOfSofa } from '../../src/tracing/sofa-context.js';
import { runJavaCli, startJava } from '../support/java-peers.js';
import { REPO_ROOT } from '../support/maven.js';
import { freePort } from '../support/ports.js';
import { exitCodeOf, startPeer, type Peer } from '../support/process.js';
import { startInProcess } from '../support/sidecar.js';
import { startSofaTracerChain, tracerIds } from '../support/sofatracer.js';
import { startZipkin, type Zipkin, type ZipkinSpan } from '../support/zipkin.js';

let zipkin: Zipkin;
const stops: Array<() => Promise<unknown>> = [];

function tracing(serviceName: string): string {
  return `tracing: { sampler: 1, serviceName: ${serviceName}, zipkin: { endpoint: "${zipkin.spansUrl}" }, flushIntervalMs: 200 }`;
}

function one(spans: readonly ZipkinSpan[], service: string, kind: 'SERVER' | 'CLIENT'): ZipkinSpan {
  const found = spans.filter((span) => span.localEndpoint?.serviceName === service && span.kind === kind);
  expect(found, JSON.stringify(spans, null, 1)).toHaveLength(1);
  return found[0]!;
}

beforeAll(async () => {
  zipkin = await startZipkin();
  stops.push(() => zipkin.stop());
}, 600_000);

afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
});

describe('Python (W3C) -> sidecar (HTTP/JSON bridged to Dubbo) -> Java Dubbo provider', () => {
  let port: number;

  beforeAll(async () => {
    const dubboPort = await freePort();
    const dubbo = startJava('dubbo', 'com.example.dubbo.Provider', [String(dubboPort)], 'dubbo provider');
    stops.push(() => dubbo.stop());
    await dubbo.waitFor(/PROVIDER READY/, 180_000);
    port = await freePort();
    const sidecar = await startInProcess(`${tracing('pmesh-bridge')}
admin: { address: 127.0.0.1:${await freePort()} }
listeners:
  - { name: http-dubbo, protocol: http1, address: 127.0.0.1:${port}, routes: [{ match: { service: com.example.EchoService }, cluster: dubbo }] }
clusters:
  - { name: dubbo, protocol: dubbo, endpoints: [127.0.0.1:${dubboPort}] }
`);
    stops.push(() => sidecar.stop(500));
  }, 600_000);

  it('arrives as one trace: Python span -> sidecar server span -> sidecar client span to Dubbo', async () => {
    const script = [
      'import pmesh',
      `client = pmesh.Client("127.0.0.1:${port}", format="json")`,
      'parent = pmesh.new_traceparent()',
      'print("TRACEPARENT", parent)',
      'print("RESULT", client.invoke("com.example.EchoService", "echo", "traced", version="1.0.0", traceparent=parent))',
      'print("DONE")',
    ].join('\n');
    const python: Peer = startPeer('python client', 'python3', ['-c', script], { cwd: join(REPO_ROOT, 'clients/python') });
    await python.waitFor(/^DONE$/m, 60_000);
    expect(await exitCodeOf(python), python.output()).toBe(0);
    expect(python.output()).toMatch(/^RESULT traced$/m);
    const [, traceId = '', pythonSpan = ''] = /TRACEPARENT 00-([0-9a-f]{32})-([0-9a-f]{16})-01/.exec(python.output()) ?? [];
    expect(traceId).toHaveLength(32);

    const spans = await zipkin.trace(traceId, 2);
    const server = one(spans, 'pmesh-bridge', 'SERVER');
    const client = one(spans, 'pmesh-bridge', 'CLIENT');
    expect(server.parentId).toBe(pythonSpan);
    expect(client.parentId).toBe(server.id);
    expect(server.tags).toMatchObject({ 'rpc.system': 'http1', 'rpc.service': 'com.example.EchoService', 'rpc.method': 'echo', 'pmesh.status': '200' });
    // Dubbo's own OK status (20), the endpoint that answered, and the request's size.
    expect(client.tags).toMatchObject({ 'rpc.system': 'dubbo', 'pmesh.status': '20', 'pmesh.cluster': 'dubbo', 'pmesh.attempt': '1' });
    expect(client.tags?.['pmesh.endpoint']).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(Number(client.tags?.['pmesh.response.bytes'])).toBeGreaterThan(0);
  }, 180_000);
});

describe('Java SOFARPC consumer (SOFATracer) -> sidecar -> sidecar -> Java SOFARPC provider', () => {
  let egress: number;
  let providerLogs: string;

  beforeAll(async () => {
    ({ egress, providerLogs } = await startSofaTracerChain('com.example.EchoService', tracing('pmesh-a'), tracing('pmesh-b'), stops));
  }, 600_000);

  it('arrives as one trace linked hop by hop, and the provider logs the consumer\'s trace id', async () => {
    const consumerLogs = mkdtempSync(join(tmpdir(), 'pmesh-sofatracer-'));
    const cli = await runJavaCli('sofarpc', 'com.example.Client', [`bolt://127.0.0.1:${egress}`, '--timeout', '10000', 'echo', 'traced'], 180_000, [`-Dlogging.path=${consumerLogs}`]);
    expect(cli.results[0]?.fields, cli.output).toEqual(['ok', 'traced']);

    const [sofaTraceId = ''] = await tracerIds(join(providerLogs, 'tracelog/rpc-server-digest.log'));
    expect(sofaTraceId.length).toBeGreaterThan(16);
    const spans = await zipkin.trace(traceIdOfSofa(sofaTraceId), 4);
    const aServer = one(spans, 'pmesh-a', 'SERVER');
    const aClient = one(spans, 'pmesh-a', 'CLIENT');
    const bServer = one(spans, 'pmesh-b', 'SERVER');
    const bClient = one(spans, 'pmesh-b', 'CLIENT');
    // The consumer's SOFATracer id reached the first sidecar, which carried it on.
    expect(aServer.tags?.['pmesh.sofa.trace_id']).toBe(sofaTraceId);
    expect(bServer.tags?.['pmesh.sofa.trace_id']).toBe(sofaTraceId);
    expect(aClient.parentId).toBe(aServer.id);
    expect(bServer.parentId).toBe(aClient.id);
    expect(bClient.parentId).toBe(bServer.id);
    for (const span of [aServer, aClient, bServer, bClient]) expect(span.tags).toMatchObject({ 'rpc.system': 'bolt', 'rpc.method': 'echo', 'pmesh.status': '0' });
    // The consumer's own digest names the same trace, when its log was written before it exited.
    const consumerLog = join(consumerLogs, 'tracelog/rpc-client-digest.log');
    if (existsSync(consumerLog)) expect(await tracerIds(consumerLog, 5_000)).toContain(sofaTraceId);
  }, 300_000);
});
