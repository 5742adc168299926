/**
 * Traffic split (weighted clusters), blue/green matches on version, group and
 * attachments, request mirroring (never delaying or failing the primary, capped), and
 * the caller's `retries` attachment, over the fake protocol with in-memory endpoints.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Cancel, MeshError, NOOP_METRICS, createRootLogger, makeEndpoint, type Endpoint, type Invocation, type MeshMetrics, type Result, type TrafficEvent } from '../../../src/core/index.js';
import { Cluster, Router, buildStack, createBalancer, setupBalancers, type CallContext, type RouteSpec, type Upstream } from '../../../src/proxy/index.js';
import { fakeCodec } from '../../support/fake-codec.js';

const log = createRootLogger('silent');

/** Endpoints by cluster: answer at once, refuse, or hang until released. */
class FakeUpstream implements Upstream {
  readonly calls: string[] = [];
  mode: 'echo' | 'refuse' | 'hang' = 'echo';
  readonly #hung: Array<() => void> = [];
  call(endpoint: Endpoint, _invocation: Invocation, ctx: CallContext): Promise<Result> {
    this.calls.push(endpoint.address);
    if (this.mode === 'refuse') return Promise.reject(new MeshError('PMESH_UPSTREAM_CONNECT_FAILED', `cannot connect to ${endpoint.address}`, { notSent: true }));
    const answer: Result = { status: 'ok', protocolStatus: 0, attachments: { from: endpoint.address }, body: { kind: 'empty' } };
    if (this.mode === 'hang') {
      return new Promise((resolve, reject) => {
        this.#hung.push(() => resolve(answer));
        ctx.cancel.onAbort(reject);
      });
    }
    return Promise.resolve(answer);
  }
  releaseHung(): void {
    for (const release of this.#hung.splice(0)) release();
  }
  release(): void {}
  connections(): Record<string, number> {
    return {};
  }
  async close(): Promise<void> {}
}

class Events {
  readonly counts: Partial<Record<TrafficEvent | 'limit', number>> = {};
  readonly metrics: MeshMetrics = {
    ...NOOP_METRICS,
    trafficEvent: (event) => void (this.counts[event] = (this.counts[event] ?? 0) + 1),
    limitExceeded: () => void (this.counts.limit = (this.counts.limit ?? 0) + 1),
  };
}

function setup(routes: RouteSpec[], clusterNames: string[]) {
  const clusters = new Map<string, Cluster>();
  clusterNames.forEach((name, i) => {
    const cluster = new Cluster(name, 'fake', 'round_robin', createBalancer('round_robin'), new FakeUpstream());
    cluster.setEndpoints([makeEndpoint(`127.0.0.${i + 1}:1`)]);
    clusters.set(name, cluster);
  });
  const router = new Router(routes);
  const events = new Events();
  const handler = buildStack({ router: () => router, cluster: (name) => clusters.get(name), metrics: events.metrics, defaultTimeoutMs: 15_000 });
  let id = 0n;
  const call = (headers: Record<string, string> = {}, version?: string): Promise<Result | MeshError> => {
    const frame = { kind: 'REQ' as const, id: ++id, service: 'svc.Echo', method: 'get', headers: { ...headers, ...(version ? { version } : {}) }, payload: 'x' };
    return handler({ ...fakeCodec.toInvocation(frame), frame }, { listener: 'in', startedAt: performance.now(), log, cancel: new Cancel() }).catch((e: unknown) => e as MeshError);
  };
  const upstream = (name: string): FakeUpstream => clusters.get(name)!.upstream as FakeUpstream;
  return { call, upstream, events };
}

beforeAll(() => setupBalancers());

describe('traffic split and blue/green matches', () => {
  it('a 90/10 canary split holds within 3 % over 2,000 calls', async () => {
    const { call, upstream } = setup([{ name: 'r', match: {}, cluster: 'v1', clusters: [{ name: 'v1', weight: 90 }, { name: 'v2', weight: 10 }] }], ['v1', 'v2']);
    for (let i = 0; i < 2_000; i++) await call();
    const canary = upstream('v2').calls.length / 2_000;
    expect(upstream('v1').calls.length + upstream('v2').calls.length).toBe(2_000);
    expect(canary).toBeGreaterThanOrEqual(0.07);
    expect(canary).toBeLessThanOrEqual(0.13);
  });

  it('routes by the version and group asked for, and by attachments (also as x-pmesh-attachment-* headers)', () => {
    const router = new Router([
      { name: 'green', match: { version: '2.0.0' }, cluster: 'green' },
      { name: 'gray', match: { group: 'gray' }, cluster: 'gray' },
      { name: 'tenant', match: { attachments: { tenant: 'acme' } }, cluster: 'acme' },
      { name: 'blue', match: {}, cluster: 'blue' },
    ]);
    const inv = (service: Invocation['service'], attachments: Record<string, string> = {}): Invocation => ({
      protocol: 'fake',
      service,
      method: 'm',
      attachments,
      oneway: false,
      body: { kind: 'empty' },
    });
    expect(router.route(inv({ interface: 'a.B', version: '2.0.0' })).cluster).toBe('green');
    expect(router.route(inv({ interface: 'a.B', version: '1.0.0' })).cluster).toBe('blue');
    expect(router.route(inv({ interface: 'a.B', group: 'gray' })).cluster).toBe('gray');
    expect(router.route(inv({ interface: 'a.B' }, { tenant: 'acme' })).cluster).toBe('acme');
    expect(router.route(inv({ interface: 'a.B' }, { 'x-pmesh-attachment-tenant': 'acme' })).cluster).toBe('acme');
    expect(router.route(inv({ interface: 'a.B' }, { tenant: 'other' })).cluster).toBe('blue');
  });
});

describe('mirror', () => {
  const mirror = { cluster: 'shadow', percent: 100, maxInFlight: 2, compare: false, ignore: [], logFirst: 10 };

  it('copies every call to the shadow; a shadow that hangs neither delays nor fails the primary, and copies beyond maxInFlight are dropped and counted', async () => {
    const { call, upstream, events } = setup([{ name: 'r', match: {}, cluster: 'primary', mirror }], ['primary', 'shadow']);
    upstream('shadow').mode = 'hang';
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await call());
    expect(answers.map((a) => (MeshError.is(a) ? a.reason : a.status))).toEqual(Array(5).fill('ok'));
    expect(upstream('primary').calls).toHaveLength(5);
    expect(upstream('shadow').calls).toHaveLength(2);
    expect(events.counts).toMatchObject({ mirror: 2, mirror_dropped: 3, limit: 3 });
    upstream('shadow').releaseHung();
  });

  it('a shadow that refuses is invisible to the caller', async () => {
    const { call, upstream } = setup([{ name: 'r', match: {}, cluster: 'primary', mirror }], ['primary', 'shadow']);
    upstream('shadow').mode = 'refuse';
    for (let i = 0; i < 4; i++) expect(await call()).toMatchObject({ status: 'ok' });
  });

  it('mirrors about the configured percent', async () => {
    const { call, upstream } = setup([{ name: 'r', match: {}, cluster: 'primary', mirror: { ...mirror, percent: 25, maxInFlight: 64 } }], ['primary', 'shadow']);
    for (let i = 0; i < 2_000; i++) await call();
    const share = upstream('shadow').calls.length / 2_000;
    expect(share).toBeGreaterThan(0.21);
    expect(share).toBeLessThan(0.29);
  });
});

describe('the caller\'s retries attachment', () => {
  it('retries = 0 turns the retry of an unsent call off; retries = 2 allows three attempts', async () => {
    const { call, upstream } = setup([{ name: 'r', match: {}, cluster: 'a' }], ['a']);
    upstream('a').mode = 'refuse';
    expect(MeshError.is(await call({ retries: '0' }))).toBe(true);
    expect(upstream('a').calls).toHaveLength(1);
    upstream('a').calls.length = 0;
    await call({ 'x-pmesh-attachment-retries': '2' });
    expect(upstream('a').calls).toHaveLength(3);
    upstream('a').calls.length = 0;
    await call();
    expect(upstream('a').calls).toHaveLength(2);
  });
});
