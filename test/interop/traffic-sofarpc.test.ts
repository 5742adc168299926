/**
 * Traffic management against three real Java SOFARPC 5.13 servers, one made slow
 * (300 ms per echo): peak_ewma against round_robin, active health checks by Bolt
 * heartbeat, and the breaker overflow and rate limit as the Java SOFARPC client reads
 * them (Bolt SERVER_THREADPOOL_BUSY). Load comes in as HTTP/JSON through the bridge;
 * which server served each call is read from `/clusters`.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import type { Running } from '../../src/main.js';
import { runJavaCli, startJava } from '../support/java-peers.js';
import { freePort } from '../support/ports.js';
import type { Peer } from '../support/process.js';
import { startInProcess } from '../support/sidecar.js';

const SLOW_MS = 300;
let servers: Peer[] = [];
let ports: number[] = [];
let silent: Server;
let silentPort: number;
const silentSockets = new Set<Socket>();
let sidecar: Running;
let adminPort: number;
let httpPort: number;
const bolt: Record<string, number> = {};

const addr = (port: number): string => `127.0.0.1:${port}`;

beforeAll(async () => {
  ports = [await freePort(), await freePort(), await freePort()];
  servers = ports.map((port, i) => startJava('sofarpc', 'com.example.Server', [String(port)], `sofarpc server ${i}`, i === 1 ? [`-Dpmesh.echo.delayMs=${SLOW_MS}`] : []));
  // Accepts connections and never answers: a heartbeat to it goes unanswered.
  silent = createServer((socket) => {
    silentSockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => silentSockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentPort = (silent.address() as AddressInfo).port;
  await Promise.all(servers.map((s) => s.waitFor(/READY \d+/, 180_000)));
  adminPort = await freePort();
  httpPort = await freePort();
  for (const name of ['tight', 'limited']) bolt[name] = await freePort();
  const all = `[${ports.map(addr).join(', ')}]`;
  const route = (name: string, rest: string): string => `      - { name: ${name}, match: { service: com.example.EchoService, attachments: { case: ${name} } }, ${rest} }`;
  sidecar = await startInProcess(`
admin: { address: 127.0.0.1:${adminPort} }
listeners:
  - name: http
    protocol: http1
    address: 127.0.0.1:${httpPort}
    routes:
${route('ewma', 'cluster: ewma')}
${route('rr', 'cluster: rr')}
${route('hold', 'cluster: tight')}
  - name: tight
    protocol: bolt
    address: 127.0.0.1:${bolt.tight}
    routes: [{ name: tight, match: { service: com.example.EchoService:1.0 }, cluster: tight }]
  - name: limited
    protocol: bolt
    address: 127.0.0.1:${bolt.limited}
    routes: [{ name: limited, match: { service: com.example.EchoService:1.0 }, cluster: ewma, rateLimit: { perSecond: 0.001, burst: 1 } }]
clusters:
  - { name: ewma, protocol: bolt, balancer: peak_ewma, endpoints: ${all} }
  - { name: rr, protocol: bolt, balancer: round_robin, endpoints: ${all} }
  - { name: tight, protocol: bolt, endpoints: [${addr(ports[0]!)}], circuitBreaker: { maxRequests: 1 } }
  - name: checked
    protocol: bolt
    endpoints: [${ports.map(addr).join(', ')}, ${addr(silentPort)}]
    healthCheck: { intervalMs: 300, timeoutMs: 1000, unhealthyThreshold: 2 }
`);
}, 900_000);

afterAll(async () => {
  await sidecar?.stop(500);
  for (const socket of silentSockets) socket.destroy();
  await new Promise((resolve) => silent?.close(resolve));
  await Promise.all(servers.map((s) => s.stop()));
});

interface EndpointView {
  address: string;
  completed: number;
  inFlight: number;
  health: string;
  why?: string;
}

async function cluster(name: string): Promise<{ endpoints: EndpointView[]; healthy: number }> {
  const res = await request(`http://127.0.0.1:${adminPort}/clusters`);
  const body = (await res.body.json()) as { clusters: Array<{ name: string; endpoints: EndpointView[]; healthy: number }> };
  return body.clusters.find((c) => c.name === name)!;
}

async function completed(name: string): Promise<Record<string, number>> {
  return Object.fromEntries((await cluster(name)).endpoints.map((e) => [e.address, e.completed]));
}

function echo(text: string, route: string, method = 'echo', type = 'java.lang.String', signal?: AbortSignal): Promise<{ status: number; body: unknown }> {
  return request(`http://127.0.0.1:${httpPort}/com.example.EchoService/${method}`, {
    method: 'POST',
    signal,
    headers: { 'content-type': 'application/json', 'x-pmesh-version': '1.0', 'x-pmesh-param-types': JSON.stringify([type]), 'x-pmesh-attachment-case': route },
    body: JSON.stringify([method === 'echo' ? text : Number(text)]),
  }).then(async (res) => ({ status: res.statusCode, body: await res.body.json() }));
}

async function load(route: string, total: number, concurrency: number): Promise<void> {
  let next = 0;
  const failures: unknown[] = [];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const text = `call-${next++}`;
        const answer = await echo(text, route);
        if (answer.status !== 200 || answer.body !== text) failures.push(answer);
      }
    }),
  );
  expect(failures).toEqual([]);
}

describe('traffic management with three real SOFARPC servers, one slow', () => {
  it('peak_ewma sends at least 90 % of calls to the two fast servers; round_robin, the control, sends a third to the slow one', async () => {
    const slow = addr(ports[1]!);
    await load('ewma', 400, 8);
    const ewma = await completed('ewma');
    const total = Object.values(ewma).reduce((a, b) => a + b, 0);
    expect(total).toBe(400);
    expect(ewma[slow]! / total).toBeLessThanOrEqual(0.1);
    await load('rr', 60, 8);
    expect((await completed('rr'))[slow]).toBe(20);
  }, 300_000);

  it('active health checks: real servers answer the Bolt heartbeat and stay healthy; a port that never answers is unhealthy, shown with why', async () => {
    await expect.poll(async () => (await cluster('checked')).healthy, { timeout: 20_000 }).toBe(3);
    const view = await cluster('checked');
    expect(view.endpoints.find((e) => e.address === addr(silentPort))).toMatchObject({ health: 'unhealthy', why: expect.stringMatching(/no heartbeat reply within 1000 ms/) });
    for (const port of ports) expect(view.endpoints.find((e) => e.address === addr(port))?.health).toBe('healthy');
    const metrics = await (await request(`http://127.0.0.1:${adminPort}/metrics`)).body.text();
    expect(metrics).toMatch(/pmesh_cluster_healthy_endpoints\{cluster="checked"\} 3/);
    expect(metrics).toMatch(/pmesh_endpoint_health_events_total\{cluster="checked",event="unhealthy"\} 1/);
  }, 60_000);

  it('breaker overflow and rate limit reach the Java SOFARPC client as Bolt SERVER_THREADPOOL_BUSY (its SERVER_BUSY error)', async () => {
    const stopHolding = new AbortController();
    const held = echo('40000', 'hold', 'sleep', 'int', stopHolding.signal).catch(() => undefined);
    await expect.poll(async () => (await cluster('tight')).endpoints[0]!.inFlight, { timeout: 10_000 }).toBe(1);
    const overflow = await runJavaCli('sofarpc', 'com.example.Client', [`bolt://${addr(bolt.tight!)}`, 'echo', 'x']);
    expect(overflow.results).toHaveLength(1);
    stopHolding.abort();
    await held;
    // SOFARPC's RpcErrorType.SERVER_BUSY (100), raised by bolt from the SERVER_THREADPOOL_BUSY status; bolt shows its own text for it.
    const [outcome, className, errorType, message] = overflow.results[0]!.fields;
    expect([outcome, className, errorType]).toEqual(['error', 'com.alipay.sofa.rpc.core.exception.SofaRpcException', '100']);
    expect(message).toMatch(/InvokeServerBusyException: Server thread pool busy!/);

    const limited = await runJavaCli('sofarpc', 'com.example.Client', [`bolt://${addr(bolt.limited!)}`, 'echo', 'first', '--', 'echo', 'second']);
    expect(limited.results.map((r) => r.fields.slice(0, 3))).toEqual([['ok', 'first'], ['error', 'com.alipay.sofa.rpc.core.exception.SofaRpcException', errorType]]);
  }, 300_000);
});
