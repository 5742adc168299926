/**
 * The OTLP export, checked in a real OpenTelemetry Collector receiver (the collector's own
 * otlpreceiver built from the Go module proxy, test/support/otlp-collector.ts) with real
 * peers at both ends of every call:
 *
 * - the Python client starts a W3C trace and calls through the sidecar, which bridges
 *   HTTP/JSON to the Java Dubbo provider; over OTLP/HTTP protobuf (the default) and over
 *   http/json (the collector records each request's Content-Type, so the encoding is
 *   checked too), the call arrives as one trace: the sidecar's server span a child of the Python span, its client span a child
 *   of the server span, each with its kind, name, resource and typed attributes;
 * - a Java SOFARPC consumer with SOFATracer calls through two sidecars (one exporting
 *   protobuf, the other JSON) to the Java SOFARPC provider: one trace of four spans
 *   linked hop by hop, under the id that stands for the SOFATracer id the provider logs;
 * - a collector killed mid-run breaks no call: the calls made while it is down all
 *   answer, the sidecar counts the failed exports on /metrics, and once a collector
 *   listens again the next call's trace reaches it.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spanIdOfSofa, traceIdOfSofa } from '../../src/tracing/sofa-context.js';
import { runJavaCli, startJava } from '../support/java-peers.js';
import { REPO_ROOT } from '../support/maven.js';
import { buildOtlpCollector, startOtlpCollector, type CollectedSpan, type OtlpCollector } from '../support/otlp-collector.js';
import { freePort } from '../support/ports.js';
import { exitCodeOf, startPeer } from '../support/process.js';
import { startInProcess } from '../support/sidecar.js';
import { startSofaTracerChain, tracerDigests } from '../support/sofatracer.js';

const SERVICE = 'com.example.EchoService';
const stops: Array<() => Promise<unknown>> = [];
let dubboPort: number;

beforeAll(async () => {
  // Built first (minutes when cold), before any process whose output would wait on the blocked event loop.
  buildOtlpCollector();
  dubboPort = await freePort();
  const dubbo = startJava('dubbo', 'com.example.dubbo.Provider', [String(dubboPort)], 'dubbo provider');
  stops.push(() => dubbo.stop());
  await dubbo.waitFor(/PROVIDER READY/, 180_000);
}, 1_200_000);

afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
});

/** The `tracing:` line of a sidecar exporting every span to `tracesUrl` over OTLP (protobuf unless `protocol` says JSON). */
function tracing(serviceName: string, tracesUrl: string, protocol?: 'http/json'): string {
  const otlp = `{ endpoint: "${tracesUrl}"${protocol ? `, protocol: ${protocol}` : ''} }`;
  return `tracing: { sampler: 1, serviceName: ${serviceName}, otlp: ${otlp}, flushIntervalMs: 200, exportTimeoutMs: 2000 }`;
}

/** A sidecar bridging HTTP/JSON to the Dubbo provider, exporting its spans to `tracesUrl` over OTLP. */
async function bridge(serviceName: string, tracesUrl: string, protocol?: 'http/json'): Promise<{ port: number; admin: number }> {
  const [port, admin] = [await freePort(), await freePort()];
  const sidecar = await startInProcess(`${tracing(serviceName, tracesUrl, protocol)}
admin: { address: 127.0.0.1:${admin} }
listeners:
  - { name: http-dubbo, protocol: http1, address: 127.0.0.1:${port}, routes: [{ match: { service: ${SERVICE} }, cluster: dubbo }] }
clusters:
  - { name: dubbo, protocol: dubbo, endpoints: [127.0.0.1:${dubboPort}] }
`);
  stops.push(() => sidecar.stop(500));
  return { port, admin };
}

/** A call the Python client made: its W3C trace id and its own span id, the sidecar's servers' parent. */
interface PythonCall {
  readonly traceId: string;
  readonly spanId: string;
}

/** Makes `count` calls from the Python client, each starting its own trace; every one must answer. */
async function pythonCalls(port: number, count: number): Promise<PythonCall[]> {
  const script = [
    'import pmesh',
    `client = pmesh.Client("127.0.0.1:${port}", format="json")`,
    `for i in range(${count}):`,
    '    parent = pmesh.new_traceparent()',
    '    print("TRACEPARENT", parent)',
    `    print("RESULT", client.invoke("${SERVICE}", "echo", "traced-%d" % i, version="1.0.0", traceparent=parent))`,
    'print("DONE")',
  ].join('\n');
  const python = startPeer('python client', 'python3', ['-c', script], { cwd: join(REPO_ROOT, 'clients/python') });
  await python.waitFor(/^DONE$/m, 120_000);
  expect(await exitCodeOf(python), python.output()).toBe(0);
  const results = [...python.output().matchAll(/^RESULT (.*)$/gm)].map((match) => match[1]);
  expect(results).toEqual(Array.from({ length: count }, (_, i) => `traced-${i}`));
  return [...python.output().matchAll(/^TRACEPARENT 00-([0-9a-f]{32})-([0-9a-f]{16})-01$/gm)].map(([, traceId = '', spanId = '']) => ({ traceId, spanId }));
}

function one(spans: readonly CollectedSpan[], kind: 'SERVER' | 'CLIENT'): CollectedSpan {
  const found = spans.filter((span) => span.kind === kind);
  expect(found, JSON.stringify(spans, null, 1)).toHaveLength(1);
  return found[0]!;
}

/** Checks the trace of one bridged call: Python span -> server span -> client span to Dubbo. */
async function expectBridgedTrace(collector: OtlpCollector, call: PythonCall, serviceName: string, contentType = 'application/x-protobuf'): Promise<void> {
  const spans = await collector.trace(call.traceId, 2);
  expect(spans, JSON.stringify(collector.spans(), null, 1)).toHaveLength(2);
  const server = one(spans, 'SERVER');
  const client = one(spans, 'CLIENT');
  expect(server.parentSpanId).toBe(call.spanId);
  expect(client.parentSpanId).toBe(server.spanId);
  for (const span of [server, client]) {
    expect(span.contentType).toBe(contentType);
    expect(span.serviceName).toBe(serviceName);
    expect(span.name).toBe(`${SERVICE}/echo`);
    expect(span.statusCode).not.toBe(2);
    expect(span.attributes).toMatchObject({ 'rpc.service': SERVICE, 'rpc.method': 'echo', 'pmesh.service.version': '1.0.0' });
  }
  // Each side's own protocol and status: HTTP 200 to the caller, Dubbo's OK (20) from the provider.
  expect(server.attributes).toMatchObject({ 'rpc.system': 'http1', 'pmesh.status': 200, 'pmesh.listener': 'http-dubbo' });
  expect(client.attributes).toMatchObject({ 'rpc.system': 'dubbo', 'pmesh.status': 20, 'pmesh.cluster': 'dubbo', 'pmesh.attempt': 1 });
  expect(client.attributes['pmesh.endpoint']).toBe(`127.0.0.1:${dubboPort}`);
  expect(client.attributes['pmesh.response.bytes']).toBeGreaterThan(0);
}

describe.each([
  { encoding: 'http/protobuf (the default)', protocol: undefined, contentType: 'application/x-protobuf' },
  { encoding: 'http/json', protocol: 'http/json' as const, contentType: 'application/json' },
])('Python -> sidecar (HTTP/JSON bridged to Dubbo) -> Java Dubbo provider, exported over OTLP $encoding', ({ protocol, contentType }) => {
  const serviceName = `pmesh-otlp-${protocol ? 'json' : 'protobuf'}`;
  let collector: OtlpCollector;
  let port: number;

  beforeAll(async () => {
    collector = await startOtlpCollector();
    stops.push(() => collector.stop());
    ({ port } = await bridge(serviceName, collector.tracesUrl, protocol));
  }, 120_000);

  it(`arrives in the collector as one trace with parent links and attributes, sent as ${contentType}`, async () => {
    const [call] = await pythonCalls(port, 1);
    await expectBridgedTrace(collector, call!, serviceName, contentType);
  }, 180_000);
});

describe('Java SOFARPC consumer (SOFATracer) -> sidecar (protobuf) -> sidecar (JSON) -> Java SOFARPC provider', () => {
  let collector: OtlpCollector;
  let egress: number;
  let providerLogs: string;

  beforeAll(async () => {
    collector = await startOtlpCollector();
    stops.push(() => collector.stop());
    ({ egress, providerLogs } = await startSofaTracerChain(SERVICE, tracing('pmesh-a', collector.tracesUrl), tracing('pmesh-b', collector.tracesUrl, 'http/json'), stops));
  }, 600_000);

  it('arrives as one trace of four spans linked hop by hop, under the id the provider\'s SOFATracer logs', async () => {
    const cli = await runJavaCli('sofarpc', 'com.example.Client', [`bolt://127.0.0.1:${egress}`, '--timeout', '10000', 'echo', 'traced'], 180_000);
    expect(cli.results[0]?.fields, cli.output).toEqual(['ok', 'traced']);

    const [digest] = await tracerDigests(join(providerLogs, 'tracelog/rpc-server-digest.log'));
    const { tracerId: sofaTraceId, spanId: rpcId } = digest!;
    expect(sofaTraceId.length).toBeGreaterThan(16);
    const spans = await collector.trace(traceIdOfSofa(sofaTraceId), 4);
    expect(spans, JSON.stringify(collector.spans(), null, 1)).toHaveLength(4);
    const of = (serviceName: string, kind: 'SERVER' | 'CLIENT'): CollectedSpan => one(spans.filter((span) => span.serviceName === serviceName), kind);
    const [aServer, aClient, bServer, bClient] = [of('pmesh-a', 'SERVER'), of('pmesh-a', 'CLIENT'), of('pmesh-b', 'SERVER'), of('pmesh-b', 'CLIENT')];
    // The first sidecar's parent is the consumer's SOFATracer span (in its log, not in the collector), whose rpcId the provider logs as it was sent on.
    expect(aServer.parentSpanId).toBe(spanIdOfSofa(sofaTraceId, rpcId));
    expect(aClient.parentSpanId).toBe(aServer.spanId);
    expect(bServer.parentSpanId).toBe(aClient.spanId);
    expect(bClient.parentSpanId).toBe(bServer.spanId);
    // The consumer's SOFATracer id reached both sidecars, each exporting in its own encoding.
    for (const server of [aServer, bServer]) expect(server.attributes['pmesh.sofa.trace_id']).toBe(sofaTraceId);
    for (const span of [aServer, aClient]) expect(span.contentType).toBe('application/x-protobuf');
    for (const span of [bServer, bClient]) expect(span.contentType).toBe('application/json');
    for (const span of [aServer, aClient, bServer, bClient]) {
      expect(span.name).toBe(`${SERVICE}/echo`);
      expect(span.attributes).toMatchObject({ 'rpc.system': 'bolt', 'rpc.service': SERVICE, 'rpc.method': 'echo', 'pmesh.status': 0 });
    }
  }, 300_000);
});

/** The value of one sample on the sidecar's /metrics page (0 when it is not there yet). */
async function metric(admin: number, sample: string): Promise<number> {
  const page = await (await request(`http://127.0.0.1:${admin}/metrics`)).body.text();
  const line = page.split('\n').find((text) => text.startsWith(`${sample} `));
  return line ? Number(line.slice(sample.length + 1)) : 0;
}

/** Waits (bounded) until `sample` reaches at least `least`, and returns it. */
async function metricReaches(admin: number, sample: string, least: number, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await metric(admin, sample);
    if (value >= least || Date.now() > deadline) return value;
    await sleep(200);
  }
}

describe('a collector killed mid-run', () => {
  const EXPORTED = 'pmesh_tracing_spans_exported_total{exporter="otlp"}';
  const FAILED = 'pmesh_tracing_spans_dropped_total{exporter="otlp",reason="export_failed"}';
  let collector: OtlpCollector;
  let sidecar: { port: number; admin: number };

  beforeAll(async () => {
    const first = await startOtlpCollector();
    stops.push(() => first.stop());
    collector = first;
    sidecar = await bridge('pmesh-otlp-outage', collector.tracesUrl);
  }, 120_000);

  it('breaks no call; the failed exports are counted, and a collector back on the port gets the next trace', async () => {
    const [before] = await pythonCalls(sidecar.port, 1);
    await expectBridgedTrace(collector, before!, 'pmesh-otlp-outage');
    expect(await metricReaches(sidecar.admin, EXPORTED, 2)).toBe(2);

    await collector.peer.kill();
    const during = await pythonCalls(sidecar.port, 20);
    expect(during).toHaveLength(20);
    // Every span of those calls was either refused at the dead port or is still queued: at least one batch has failed.
    expect(await metricReaches(sidecar.admin, FAILED, 1)).toBeGreaterThanOrEqual(1);
    expect(await metric(sidecar.admin, EXPORTED)).toBe(2);

    const again = await startOtlpCollector(collector.port);
    stops.push(() => again.stop());
    const [after] = await pythonCalls(sidecar.port, 1);
    await expectBridgedTrace(again, after!, 'pmesh-otlp-outage');
    expect(await metricReaches(sidecar.admin, EXPORTED, 4)).toBeGreaterThanOrEqual(4);
  }, 300_000);
});
