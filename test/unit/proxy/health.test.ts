/**
 * Outlier detection (consecutive failures, success rate, back-off, max ejected share)
 * and active health checks (HTTP path, the codec heartbeat), as /clusters and the
 * balancer see them.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, MeshError, NOOP_METRICS, makeEndpoint, type Endpoint, type HealthEvent, type Invocation, type MeshMetrics, type Result } from '../../../src/core/index.js';
import { getCodec, setupProtocols } from '../../../src/codecs/index.js';
import { Cluster, createBalancer, setupBalancers, type CallContext, type Upstream } from '../../../src/proxy/index.js';
import { DEFAULT_OUTLIER, OutlierDetector, type OutlierSpec } from '../../../src/proxy/health/outlier.js';
import { Cancel, createRootLogger } from '../../../src/core/index.js';

const log = createRootLogger('silent');

class FakeUpstream implements Upstream {
  readonly calls: string[] = [];
  refuse = new Set<string>();
  call(endpoint: Endpoint, _invocation: Invocation, _ctx: CallContext): Promise<Result> {
    this.calls.push(endpoint.address);
    if (this.refuse.has(endpoint.address)) return Promise.reject(new MeshError('PMESH_UPSTREAM_CONNECT_FAILED', `cannot connect to ${endpoint.address}`));
    return Promise.resolve({ status: 'ok', protocolStatus: 0, attachments: {}, body: { kind: 'empty' } });
  }
  release(): void {}
  connections(): Record<string, number> {
    return {};
  }
  async close(): Promise<void> {}
}

class HealthCounts {
  readonly events: Partial<Record<HealthEvent, number>> = {};
  readonly metrics: MeshMetrics = { ...NOOP_METRICS, endpointHealth: (_cluster, event) => void (this.events[event] = (this.events[event] ?? 0) + 1) };
}

const invocation = { protocol: 'fake', service: { interface: 'svc.Echo' }, method: 'm', attachments: {}, oneway: false, body: { kind: 'empty' } } as const;
const ctx = (): CallContext => ({ listener: 'in', startedAt: performance.now(), log, cancel: new Cancel() });
const clusters: Cluster[] = [];

function cluster(protocol: string, addresses: string[]): Cluster {
  const made = new Cluster('svc', protocol, 'round_robin', createBalancer('round_robin'), new FakeUpstream());
  made.setEndpoints(addresses.map((a) => makeEndpoint(a)));
  clusters.push(made);
  return made;
}

const spec = (overrides: Partial<OutlierSpec>): OutlierSpec => ({ ...DEFAULT_OUTLIER, ...overrides });

beforeAll(() => {
  setupBalancers();
  setupProtocols();
});
afterEach(async () => {
  await Promise.all(clusters.splice(0).map((c) => c.close()));
});

describe('outlier detection', () => {
  it('ejects after the configured consecutive failures, says why in /clusters, counts it, and the balancer skips the endpoint', async () => {
    const c = cluster('fake', ['127.0.0.1:1', '127.0.0.1:2', '127.0.0.1:3']);
    const counts = new HealthCounts();
    c.setHealth(spec({ consecutiveFailures: 2, maxEjectionPercent: 50 }), undefined, counts.metrics);
    (c.upstream as FakeUpstream).refuse.add('127.0.0.1:1');
    for (let i = 0; i < 6; i++) await c.call(invocation, ctx()).catch(() => undefined);
    const bad = c.snapshot().endpoints.find((e) => e.address === '127.0.0.1:1');
    expect(bad).toMatchObject({ health: 'ejected', why: '2 failures in a row; ejected for 30 s' });
    expect(c.snapshot().healthy).toBe(2);
    expect(counts.events.ejected_consecutive_failures).toBe(1);
    const upstream = c.upstream as FakeUpstream;
    upstream.calls.length = 0;
    for (let i = 0; i < 10; i++) await c.call(invocation, ctx());
    expect(upstream.calls).not.toContain('127.0.0.1:1');
  });

  it('doubles the ejection with each ejection in a row, capped at maxEjectionMs, and decays after healthy intervals', () => {
    const ejected: string[] = [];
    const detector = new OutlierDetector(0, (address) => ejected.push(address));
    detector.setSpec(spec({ consecutiveFailures: 1, baseEjectionMs: 1_000, maxEjectionMs: 3_000, maxEjectionPercent: 100, interval: 500 }));
    detector.recordFailure('a', 0, 2);
    expect(detector.ejectedUntil('a')).toBe(1_000);
    detector.recordFailure('a', 1_000, 2);
    expect(detector.ejectedUntil('a')).toBe(3_000);
    detector.recordFailure('a', 3_000, 2);
    expect(detector.ejectedUntil('a')).toBe(6_000); // 4 s capped at 3 s
    // The interval holding the last failure does not count; three quiet ones after it bring the back-off down to its base.
    for (const now of [6_500, 7_000, 7_500, 8_000]) detector.sweep(now, ['a', 'b']);
    detector.recordFailure('a', 8_000, 2);
    expect(detector.ejectedUntil('a')).toBe(9_000);
    expect(ejected).toEqual(['a', 'a', 'a', 'a']);
  });

  it('ejects no more than maxEjectionPercent of the endpoints, but at least one', () => {
    const detector = new OutlierDetector(0, () => {});
    detector.setSpec(spec({ consecutiveFailures: 1, maxEjectionPercent: 10 }));
    expect(detector.recordFailure('a', 0, 3)).toBe(true);
    expect(detector.recordFailure('b', 0, 3)).toBe(false);
    expect(detector.ejectedUntil('b')).toBe(0);
  });

  it('ejects an endpoint whose success rate is stdevFactor deviations below the mean of the others', () => {
    const causes: string[] = [];
    const detector = new OutlierDetector(0, (address, cause) => causes.push(`${address}:${cause}`));
    detector.setSpec(spec({ consecutiveFailures: 1_000, interval: 1_000, maxEjectionPercent: 50, successRate: { minRequests: 20, minHosts: 5, stdevFactor: 1.9 } }));
    const hosts = ['a', 'b', 'c', 'd', 'e', 'f'];
    for (const host of hosts) {
      for (let i = 0; i < 20; i++) {
        if (host === 'f' && i % 2 === 0) detector.recordFailure(host, 10, hosts.length);
        else detector.recordSuccess(host);
      }
    }
    expect(detector.sweep(1_000, hosts)).toBe(true);
    expect(causes).toEqual(['f:success_rate']);
    expect(detector.why('f', 1_001)).toMatch(/^success rate 50.0 % below the cluster's/);
  });
});

describe('active health checks', () => {
  let http: HttpServer | undefined;
  let steady: HttpServer | undefined;
  let tcp: TcpServer | undefined;
  afterEach(async () => {
    await new Promise((r) => (http ? http.close(r) : r(undefined)));
    await new Promise((r) => (steady ? steady.close(r) : r(undefined)));
    await new Promise((r) => (tcp ? tcp.close(r) : r(undefined)));
    http = tcp = undefined;
  });

  it('HTTP/1: GET path answering 503 three times makes the endpoint unhealthy (shown and skipped); one 200 brings it back', async () => {
    let status = 200;
    const paths: string[] = [];
    http = createHttpServer((req, res) => {
      paths.push(req.url ?? '');
      res.statusCode = status;
      res.end();
    });
    await new Promise<void>((r) => http!.listen(0, '127.0.0.1', r));
    const checked = `127.0.0.1:${(http.address() as AddressInfo).port}`;
    steady = createHttpServer((_req, res) => res.end());
    await new Promise<void>((r) => steady!.listen(0, '127.0.0.1', r));
    const fine = `127.0.0.1:${(steady.address() as AddressInfo).port}`;
    const c = cluster('http1', [checked, fine]);
    const counts = new HealthCounts();
    c.setHealth(DEFAULT_OUTLIER, { intervalMs: 60_000, timeoutMs: 1_000, healthyThreshold: 1, unhealthyThreshold: 3, path: '/healthz' }, counts.metrics);
    status = 503;
    for (let i = 0; i < 3; i++) await c.checkHealth();
    const shown = c.snapshot().endpoints.find((e) => e.address === checked);
    expect(shown).toMatchObject({ health: 'unhealthy', why: 'health check failed 3 times: GET /healthz answered 503' });
    expect(paths).toEqual(['/healthz', '/healthz', '/healthz']);
    const upstream = c.upstream as FakeUpstream;
    for (let i = 0; i < 4; i++) await c.call(invocation, ctx());
    expect(upstream.calls).toEqual(Array(4).fill(fine));
    status = 200;
    await c.checkHealth();
    expect(c.snapshot().endpoints.find((e) => e.address === checked)?.health).toBe('healthy');
    expect(counts.events).toEqual({ unhealthy: 1, healthy: 1 });
  });

  it('Dubbo: the heartbeat event is the probe; a port that refuses is unhealthy, one that answers heartbeats is healthy', async () => {
    const dubbo = getCodec('dubbo')!;
    tcp = createTcpServer((socket) => {
      const decoder = dubbo.newDecoder(DEFAULT_LIMITS);
      socket.on('data', (chunk: Buffer) => {
        for (const frame of decoder.push(chunk)) if (dubbo.kind(frame) === 'heartbeat') for (const b of dubbo.encode(dubbo.heartbeatReply(frame))) socket.write(b);
      });
    });
    await new Promise<void>((r) => tcp!.listen(0, '127.0.0.1', r));
    const answering = `127.0.0.1:${(tcp.address() as AddressInfo).port}`;
    const closed = createTcpServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const refusing = `127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((r) => closed.close(r));
    const c = cluster('dubbo', [answering, refusing]);
    c.setHealth(DEFAULT_OUTLIER, { intervalMs: 60_000, timeoutMs: 2_000, healthyThreshold: 1, unhealthyThreshold: 1 }, NOOP_METRICS);
    await c.checkHealth();
    const byAddress = Object.fromEntries(c.snapshot().endpoints.map((e) => [e.address, e]));
    expect(byAddress[answering]).toMatchObject({ health: 'healthy' });
    expect(byAddress[refusing]).toMatchObject({ health: 'unhealthy' });
    expect(byAddress[refusing]?.why).toMatch(/^health check failed 1 times: connect failed: .*ECONNREFUSED/);
  });
});
