/**
 * Trace context on a gRPC (and Triple) pass-through call, with grpc-go at both ends
 * (test/support/grpc-peers.ts): the server echoes the trace headers it received as
 * x-got-<name>, and the client prints them. A sampled call's upstream gets the sidecar's
 * client span as its parent, the caller's trace id kept and the caller's own header
 * replaced, not repeated, and Zipkin's server (test/support/zipkin.ts) has the spans
 * linked caller -> server span -> client span -> upstream; an unsampled call's headers
 * arrive as the caller sent them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Running } from '../../src/main.js';
import { buildGoPeer, startGrpcClient, startGrpcServer } from '../support/grpc-peers.js';
import { freePort } from '../support/ports.js';
import { stopAllPeers, type Peer } from '../support/process.js';
import { startInProcess } from '../support/sidecar.js';
import { startZipkin, type Zipkin, type ZipkinSpan } from '../support/zipkin.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const B3_TRACE = '5cf92f3577b34da6a3ce929d0e0e4737';
const TRIPLE_TRACE = '6df92f3577b34da6a3ce929d0e0e4738';
const PARENT = '00f067aa0ba902b7';
const W3C = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;
const B3 = /^([0-9a-f]{32})-([0-9a-f]{16})-1$/;

let server: { peer: Peer; port: number };
let zipkin: Zipkin;
const sidecars: Running[] = [];
const ports = { sampled: 0, tripleSampled: 0, unsampled: 0 };

/** The trace headers the server received for one SayHello carrying `metadata` ("name=value,..."), as [name, value] lines. */
async function arrived(port: number, metadata: string): Promise<string[][]> {
  const client = startGrpcClient('go', `127.0.0.1:${port}`, [`trace:${metadata}`]);
  await client.waitFor(/^DONE$/m, 60_000);
  await client.stop();
  const output = client.output();
  expect(output).toContain(`ok trace:${metadata}`);
  return output.split('\n').filter((line) => line.startsWith('GOT ')).map((line) => line.split(' ').slice(1));
}

/** The one value of `name` among the arrived headers (fails if it came twice or not at all). */
/** The sidecar's one span of `kind` in a trace. */
function spanOf(spans: readonly ZipkinSpan[], kind: 'SERVER' | 'CLIENT'): ZipkinSpan {
  const found = spans.filter((span) => span.localEndpoint?.serviceName === 'pmesh-grpc' && span.kind === kind);
  expect(found, JSON.stringify(spans, null, 1)).toHaveLength(1);
  return found[0]!;
}

function only(headers: string[][], name: string): string {
  const values = headers.filter(([key]) => key === name).map(([, value]) => value!);
  expect(values, JSON.stringify(headers)).toHaveLength(1);
  return values[0]!;
}

beforeAll(async () => {
  buildGoPeer();
  [server, zipkin] = await Promise.all([startGrpcServer('go'), startZipkin()]);
  for (const key of Object.keys(ports) as (keyof typeof ports)[]) ports[key] = await freePort();
  const routes = '[{ match: { service: helloworld.Greeter }, cluster: go }]';
  const sidecar = async (sampler: number, listeners: string): Promise<Running> =>
    startInProcess(`
tracing: { sampler: ${sampler}, serviceName: pmesh-grpc, zipkin: { endpoint: "${zipkin.spansUrl}" }, flushIntervalMs: 200 }
admin: { address: 127.0.0.1:${await freePort()} }
listeners:
${listeners}
clusters:
  - { name: go, protocol: grpc, endpoints: [127.0.0.1:${server.port}] }
  - { name: go-triple, protocol: triple, endpoints: [127.0.0.1:${server.port}] }
`);
  sidecars.push(
    await sidecar(1, `  - { name: sampled, protocol: grpc, address: 127.0.0.1:${ports.sampled}, routeByRegistry: false, routes: ${routes} }
  - { name: triple, protocol: triple, address: 127.0.0.1:${ports.tripleSampled}, routeByRegistry: false, routes: [{ match: { service: helloworld.Greeter }, cluster: go-triple }] }`),
    await sidecar(0, `  - { name: unsampled, protocol: grpc, address: 127.0.0.1:${ports.unsampled}, routeByRegistry: false, routes: ${routes} }`),
  );
}, 300_000);

afterAll(async () => {
  for (const sidecar of sidecars) await sidecar.stop(500);
  await zipkin?.stop();
  await stopAllPeers();
});

describe('gRPC pass-through carries the sidecar\'s client span upstream (tracing at 100 %)', () => {
  it('a W3C caller: the upstream gets the caller\'s trace id with the sidecar\'s span as parent, in place of the caller\'s header', async () => {
    const headers = await arrived(ports.sampled, `traceparent=00-${TRACE}-${PARENT}-01`);
    const [, trace, parent] = W3C.exec(only(headers, 'traceparent'))!;
    expect(trace).toBe(TRACE);
    expect(parent).not.toBe(PARENT);
    // The upstream's parent is the sidecar's client span, a child of its server span, a child of the caller's.
    const spans = await zipkin.trace(TRACE, 2);
    const serverSpan = spanOf(spans, 'SERVER');
    const clientSpan = spanOf(spans, 'CLIENT');
    expect(serverSpan.parentId).toBe(PARENT);
    expect(clientSpan.parentId).toBe(serverSpan.id);
    expect(clientSpan.id).toBe(parent);
  }, 120_000);

  it('a B3 caller: its next hop gets B3 with the caller\'s trace id and the sidecar\'s span', async () => {
    const headers = await arrived(ports.sampled, `b3=${B3_TRACE}-${PARENT}-1`);
    const [, trace, span] = B3.exec(only(headers, 'b3'))!;
    expect(trace).toBe(B3_TRACE);
    expect(span).not.toBe(PARENT);
    // The W3C context the sidecar writes on every call names the same span.
    expect(only(headers, 'traceparent')).toBe(`00-${trace}-${span}-01`);
  }, 120_000);

  it('a caller with no context: the upstream gets a new trace', async () => {
    const headers = await arrived(ports.sampled, '');
    expect(only(headers, 'traceparent')).toMatch(W3C);
  }, 120_000);

  it('on Triple\'s wire alike (Triple listener to Triple cluster)', async () => {
    const headers = await arrived(ports.tripleSampled, `traceparent=00-${TRIPLE_TRACE}-${PARENT}-01`);
    const [, trace, parent] = W3C.exec(only(headers, 'traceparent'))!;
    expect(trace).toBe(TRIPLE_TRACE);
    expect(parent).not.toBe(PARENT);
  }, 120_000);
});

describe('an unsampled gRPC pass-through call (sampler 0) goes as it came', () => {
  it('the caller\'s context arrives untouched', async () => {
    const traceparent = `00-${TRACE}-${PARENT}-00`;
    expect(await arrived(ports.unsampled, `traceparent=${traceparent}`)).toEqual([['traceparent', traceparent]]);
  }, 120_000);

  it('no context stays no context', async () => {
    expect(await arrived(ports.unsampled, '')).toEqual([]);
  }, 120_000);
});
