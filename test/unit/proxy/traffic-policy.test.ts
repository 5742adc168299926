/**
 * Retries, retry budget, circuit breaker, rate limit and fault injection in the
 * routing core, over the fake protocol with in-memory endpoints: no socket, and the
 * counts asserted are the calls each endpoint received.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  Cancel,
  Code,
  MeshError,
  NOOP_METRICS,
  createRootLogger,
  makeEndpoint,
  type Endpoint,
  type Invocation,
  type MeshMetrics,
  type Result,
  type TrafficEvent,
} from '../../../src/core/index.js';
import { Cluster, Router, buildStack, createBalancer, setupBalancers, type CallContext, type RouteSpec, type Upstream } from '../../../src/proxy/index.js';
import { RetryBudget } from '../../../src/proxy/filters/retry.js';
import { fakeCodec } from '../../support/fake-codec.js';

const log = createRootLogger('silent');

type Mode = 'echo' | 'refuse' | 'reset' | 'busy' | 'hang';

/** In-memory endpoints: echo, refuse the connection, lose it after the write, answer overloaded, or never answer. */
class FakeUpstream implements Upstream {
  readonly calls: string[] = [];
  modes: Record<string, Mode> = {};
  call(endpoint: Endpoint, invocation: Invocation, ctx: CallContext): Promise<Result> {
    this.calls.push(endpoint.address);
    const mode = this.modes[endpoint.address] ?? 'echo';
    if (mode === 'refuse') return Promise.reject(new MeshError('PMESH_UPSTREAM_CONNECT_FAILED', `cannot connect to ${endpoint.address}`));
    if (mode === 'reset') return Promise.reject(new MeshError('PMESH_UPSTREAM_CONNECTION_LOST', `connection to ${endpoint.address} lost`));
    if (mode === 'hang') return new Promise((_resolve, reject) => ctx.cancel.onAbort(reject));
    if (mode === 'busy') {
      return Promise.resolve({ status: 'error', code: Code.RESOURCE_EXHAUSTED, protocolStatus: 100, attachments: {}, body: { kind: 'empty' }, message: 'busy' });
    }
    return Promise.resolve({ status: 'ok', protocolStatus: 0, attachments: { from: endpoint.address }, body: { kind: 'empty' } });
  }
  release(): void {}
  connections(): Record<string, number> {
    return {};
  }
  async close(): Promise<void> {}
}

class CountingMetrics implements MeshMetrics {
  readonly events: Record<string, number> = {};
  callStarted(): void {}
  callFinished(): void {}
  upstreamCallFinished(): void {}
  connectionOpened(): void {}
  connectionClosed(): void {}
  codecError(): void {}
  limitExceeded(): void {}
  trafficEvent(event: TrafficEvent): void {
    this.events[event] = (this.events[event] ?? 0) + 1;
  }
  endpointHealth(): void {}
  mirrorDiff(): void {}
  tlsConnection(): void {}
  upstreamTlsHandshake(): void {}
  authorization(): void {}
  tlsPeerCertificate(): void {}
  tlsConnectionsRenewed(): void {}
}

const ENDPOINTS = ['127.0.0.1:1', '127.0.0.1:2', '127.0.0.1:3'];

function setup(route: Partial<RouteSpec>, breaker?: Parameters<Cluster['setCircuitBreaker']>[0]) {
  const upstream = new FakeUpstream();
  const cluster = new Cluster('svc', 'fake', 'round_robin', createBalancer('round_robin'), upstream);
  cluster.setEndpoints(ENDPOINTS.map((a) => makeEndpoint(a)));
  if (breaker) cluster.setCircuitBreaker(breaker);
  const router = new Router([{ name: 'r', match: { service: 'svc.Echo' }, cluster: 'svc', ...route }]);
  const metrics = new CountingMetrics();
  const handler = buildStack({ router: () => router, cluster: (name) => (name === 'svc' ? cluster : undefined), metrics, defaultTimeoutMs: 15_000 });
  let id = 0n;
  const call = (method = 'get'): Promise<Result | MeshError> =>
    handler(fakeCodec.toInvocation({ kind: 'REQ', id: ++id, service: 'svc.Echo', method, headers: {}, payload: 'x' }), {
      listener: 'in',
      startedAt: performance.now(),
      log,
      cancel: new Cancel(),
    }).catch((e: unknown) => e as MeshError);
  return { upstream, cluster, metrics, call };
}

const reasonOf = (answer: Result | MeshError): string => (MeshError.is(answer) ? answer.reason : answer.status);

describe('retries', () => {
  beforeAll(() => setupBalancers());

  it('a call never written (connection refused) goes to another endpoint by default, and the caller sees no error', async () => {
    const { upstream, metrics, call } = setup({});
    upstream.modes = { '127.0.0.1:1': 'refuse' };
    const answers = await Promise.all(Array.from({ length: 30 }, () => call()));
    expect(answers.map(reasonOf)).toEqual(Array(30).fill('ok'));
    expect(metrics.events.retry).toBe(upstream.calls.filter((a) => a === '127.0.0.1:1').length);
  });

  it('a written call lost with the connection is not retried unless the method is idempotent and reset is listed', async () => {
    const plain = setup({ retry: { attempts: 3, on: ['reset'], budget: { percent: 20, minPerSecond: 10 } } });
    plain.upstream.modes = Object.fromEntries(ENDPOINTS.map((a) => [a, 'reset' as Mode]));
    const first = await plain.call('delete');
    expect(reasonOf(first)).toBe('PMESH_UPSTREAM_CONNECTION_LOST');
    expect(plain.upstream.calls).toHaveLength(1);

    const marked = setup({ idempotent: ['get'], retry: { attempts: 3, on: ['reset'], budget: { percent: 20, minPerSecond: 10 } } });
    marked.upstream.modes = { '127.0.0.1:1': 'reset', '127.0.0.1:2': 'reset' };
    for (let i = 0; i < 9; i++) expect(reasonOf(await marked.call('get'))).toBe('ok');
    // Each retry went to an endpoint the call had not tried: never the same one twice in a row.
    expect(marked.upstream.calls.filter((a) => a === '127.0.0.1:3')).toHaveLength(9);
    // The non-idempotent method on the same route is still not retried.
    marked.upstream.calls.length = 0;
    marked.upstream.modes['127.0.0.1:3'] = 'reset';
    expect(reasonOf(await marked.call('delete'))).toBe('PMESH_UPSTREAM_CONNECTION_LOST');
    expect(marked.upstream.calls).toHaveLength(1);
  });

  it('an upstream answer of "overloaded" is retried only when listed', async () => {
    const { upstream, call } = setup({ idempotent: true, retry: { attempts: 2, on: ['overloaded'], budget: { percent: 20, minPerSecond: 10 } } });
    upstream.modes = { '127.0.0.1:1': 'busy', '127.0.0.1:2': 'busy', '127.0.0.1:3': 'busy' };
    const answer = await call();
    expect(MeshError.is(answer) ? answer : answer.code).toBe(Code.RESOURCE_EXHAUSTED);
    expect(upstream.calls).toHaveLength(2);
  });

  it('with every provider failing, the budget holds retries to 20 % of calls plus the minimum', async () => {
    const { upstream, metrics, call } = setup({ idempotent: true, retry: { attempts: 3, on: ['reset'], budget: { percent: 20, minPerSecond: 1 } } });
    upstream.modes = Object.fromEntries(ENDPOINTS.map((a) => [a, 'reset' as Mode]));
    const calls = 500;
    for (let i = 0; i < calls; i++) await call();
    const retries = upstream.calls.length - calls;
    // 20 % of 500 plus 1 per second over the 10 s window.
    expect(retries).toBeLessThanOrEqual(calls * 0.2 + 10);
    expect(retries).toBeGreaterThan(calls * 0.2 - 10);
    expect(metrics.events.retry).toBe(retries);
    expect(metrics.events.retry_budget_exhausted).toBeGreaterThan(0);
  });

  it('the retry budget forgets calls older than its 10 s window', () => {
    const budget = new RetryBudget({ percent: 50, minPerSecond: 0 });
    for (let i = 0; i < 10; i++) budget.recordCall(1_000);
    expect(Array.from({ length: 6 }, () => budget.tryRetry(1_500)).filter(Boolean)).toHaveLength(5);
    expect(budget.tryRetry(12_000)).toBe(false);
  });

  it('a per-try timeout ends a hung attempt and the retry answers', async () => {
    vi.useFakeTimers();
    try {
      const { upstream, call } = setup({ idempotent: true, retry: { attempts: 2, perTryTimeoutMs: 100, on: ['timeout'], budget: { percent: 20, minPerSecond: 10 } } });
      upstream.modes = { '127.0.0.1:1': 'hang', '127.0.0.1:2': 'hang', '127.0.0.1:3': 'hang' };
      const pending = call();
      await vi.advanceTimersByTimeAsync(1);
      const hung = upstream.calls[0]!;
      upstream.modes = { [hung]: 'hang' };
      await vi.advanceTimersByTimeAsync(100);
      expect(reasonOf(await pending)).toBe('ok');
      expect(upstream.calls).toHaveLength(2);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('circuit breaker, rate limit, fault injection', () => {
  beforeAll(() => setupBalancers());
  afterEach(() => vi.useRealTimers());

  it('maxRequests: calls beyond it are answered at once as overloaded, counted, and not retried', async () => {
    const { upstream, metrics, call } = setup({}, { maxConnections: 1024, maxPending: 1024, maxRequests: 4, maxRetries: 3 });
    upstream.modes = Object.fromEntries(ENDPOINTS.map((a) => [a, 'hang' as Mode]));
    const hung = Array.from({ length: 4 }, () => call());
    const refused = await Promise.all(Array.from({ length: 3 }, () => call()));
    for (const answer of refused) {
      expect(MeshError.is(answer) && answer.message).toBe('cluster "svc" is at its circuit breaker limit maxRequests = 4 (4 calls are in flight)');
      expect(MeshError.is(answer) && answer.code).toBe(Code.RESOURCE_EXHAUSTED);
    }
    expect(upstream.calls).toHaveLength(4);
    expect(metrics.events.breaker_overflow).toBe(3);
    void hung;
  });

  it('maxRetries caps retries of written calls in flight', async () => {
    const retry = { attempts: 3, on: ['reset' as const], budget: { percent: 20, minPerSecond: 10 } };
    const { upstream, metrics, call } = setup({ idempotent: true, retry }, { maxConnections: 1024, maxPending: 1024, maxRequests: 1024, maxRetries: 0 });
    upstream.modes = { '127.0.0.1:1': 'reset', '127.0.0.1:2': 'reset', '127.0.0.1:3': 'reset' };
    expect(reasonOf(await call())).toBe('PMESH_UPSTREAM_CONNECTION_LOST');
    expect(upstream.calls).toHaveLength(1);
    expect(metrics.events.breaker_overflow).toBe(1);
  });

  it('rate limit: a burst of 5 passes, the rest are refused with the limit named; per method buckets are separate', async () => {
    const route = setup({ rateLimit: { perSecond: 0.001, burst: 5 } });
    const answers = await Promise.all(Array.from({ length: 8 }, () => route.call()));
    expect(answers.map(reasonOf)).toEqual([...Array(5).fill('ok'), ...Array(3).fill('PMESH_RATE_LIMITED')]);
    expect((answers[7] as MeshError).message).toBe('rate limit: route "r" allows 0.001 calls per second (burst 5)');
    expect(route.metrics.events.rate_limited).toBe(3);

    const perMethod = setup({ rateLimit: { perSecond: 0.001, burst: 1, perMethod: true } });
    expect((await Promise.all([perMethod.call('a'), perMethod.call('b'), perMethod.call('a')])).map(reasonOf)).toEqual(['ok', 'ok', 'PMESH_RATE_LIMITED']);
  });

  it('fault abort at 100 % answers with the configured code; delay holds the call', async () => {
    const aborting = setup({ fault: { abort: { code: 'unavailable', percent: 100 } } });
    const answer = await aborting.call();
    expect(MeshError.is(answer) && [answer.reason, answer.code, answer.message]).toEqual([
      'PMESH_FAULT_INJECTED',
      Code.UNAVAILABLE,
      'fault injected by route "r": unavailable',
    ]);
    expect(aborting.upstream.calls).toHaveLength(0);

    vi.useFakeTimers();
    const delayed = setup({ fault: { delay: { ms: 500, percent: 100 } } });
    let done = false;
    const pending = delayed.call().then((a) => {
      done = true;
      return a;
    });
    await vi.advanceTimersByTimeAsync(499);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(2);
    expect(reasonOf(await pending)).toBe('ok');
    expect(delayed.metrics.events.fault_delay).toBe(1);
  });

  it('zero percent injects nothing', async () => {
    const { call, upstream } = setup({ fault: { delay: { ms: 10_000, percent: 0 }, abort: { code: 'internal', percent: 0 } } });
    for (let i = 0; i < 20; i++) expect(reasonOf(await call())).toBe('ok');
    expect(upstream.calls).toHaveLength(20);
  });
});

void NOOP_METRICS;
