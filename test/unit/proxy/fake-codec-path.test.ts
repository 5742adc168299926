/**
 * The routing core end to end with the fake protocol: bytes -> frames -> Invocation
 * -> filters -> router -> cluster -> balancer -> upstream -> Result, with no socket
 * and no real protocol. Time is fake, so deadlines are exact and nothing sleeps.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  Cancel,
  DEFAULT_LIMITS,
  MeshError,
  NOOP_METRICS,
  createRootLogger,
  makeEndpoint,
  type Endpoint,
  type Invocation,
  type Result,
} from '../../../src/core/index.js';
import { Cluster, Router, buildStack, createBalancer, setupBalancers, type CallContext, type Upstream } from '../../../src/proxy/index.js';
import { DEFAULT_OUTLIER as OUTLIER } from '../../../src/proxy/health/outlier.js';
import { fakeCodec, type FakeFrame } from '../../support/fake-codec.js';

const log = createRootLogger('silent');

/** An upstream whose endpoints answer in memory: echo, fail to connect, or never answer. */
class FakeUpstream implements Upstream {
  readonly calls: string[] = [];
  behaviour: Record<string, 'echo' | 'refuse' | 'hang'> = {};
  call(endpoint: Endpoint, invocation: Invocation, ctx: CallContext): Promise<Result> {
    this.calls.push(endpoint.address);
    const mode = this.behaviour[endpoint.address] ?? 'echo';
    if (mode === 'refuse') {
      return Promise.reject(new MeshError('PMESH_UPSTREAM_CONNECT_FAILED', `cannot connect to ${endpoint.address}`));
    }
    if (mode === 'hang') {
      return new Promise((_resolve, reject) => ctx.cancel.onAbort(reject));
    }
    const body = invocation.body.kind === 'raw' ? invocation.body.bytes.toString() : '';
    return Promise.resolve({
      status: 'ok',
      protocolStatus: 0,
      attachments: { from: endpoint.address },
      body: { kind: 'raw', serialization: 0, bytes: Buffer.from(`${invocation.method}:${body}`) },
    });
  }
  release(): void {}
  connections(): Record<string, number> {
    return {};
  }
  async close(): Promise<void> {}
}

function frameBytes(frame: FakeFrame): Buffer {
  return Buffer.concat(fakeCodec.encode(frame));
}

describe('routing core over the fake codec', () => {
  let upstream: FakeUpstream;
  let cluster: Cluster;
  let handler: ReturnType<typeof buildStack>;

  beforeAll(() => setupBalancers());
  beforeEach(() => {
    upstream = new FakeUpstream();
    cluster = new Cluster('echo', 'fake', 'round_robin', createBalancer('round_robin'), upstream);
    cluster.setEndpoints(['127.0.0.1:1', '127.0.0.1:2'].map((a) => makeEndpoint(a)));
    const router = new Router([
      { name: 'echo', match: { service: 'echo.Svc' }, cluster: 'echo', timeoutMs: 1_000 },
      { name: 'ghost', match: { service: 'ghost.Svc' }, cluster: 'ghost' },
    ]);
    handler = buildStack({
      router: () => router,
      cluster: (name) => (name === 'echo' ? cluster : undefined),
      metrics: NOOP_METRICS,
      defaultTimeoutMs: 15_000,
    });
  });
  afterEach(() => vi.useRealTimers());

  const ctx = (): CallContext => ({ listener: 'fake-in', startedAt: performance.now(), log, cancel: new Cancel() });

  it('decodes frames split anywhere and answers each through the chain', async () => {
    const wire = Buffer.concat([
      frameBytes({ kind: 'REQ', id: 1n, service: 'echo.Svc', method: 'say', headers: {}, payload: 'hello' }),
      frameBytes({ kind: 'REQ', id: 2n, service: 'echo.Svc', method: 'shout', headers: { version: '1.0' }, payload: 'world' }),
    ]);
    const decoder = fakeCodec.newDecoder(DEFAULT_LIMITS);
    const frames: FakeFrame[] = [];
    for (const byte of wire) frames.push(...decoder.push(Buffer.from([byte])));
    expect(frames.map((f) => f.id)).toEqual([1n, 2n]);
    expect(decoder.buffered).toBe(0);

    const results = await Promise.all(frames.map((f) => handler(fakeCodec.toInvocation(f), ctx())));
    expect(results.map((r) => (r.body.kind === 'raw' ? r.body.bytes.toString() : ''))).toEqual(['say:hello', 'shout:world']);
    // Round robin spread the two calls over both endpoints.
    expect(new Set(upstream.calls).size).toBe(2);
  });

  it('no route and a missing cluster are mesh errors the codec can answer', async () => {
    const ghost = fakeCodec.toInvocation({ kind: 'REQ', id: 3n, service: 'nobody.Svc', method: 'x', headers: {}, payload: '' });
    const error = await handler(ghost, ctx()).catch((e: unknown) => e);
    expect(MeshError.is(error) && error.reason).toBe('PMESH_NO_ROUTE');
    const reply = fakeCodec.localReply({ kind: 'REQ', id: 3n, service: 'nobody.Svc', method: 'x', headers: {}, payload: '' }, error as MeshError);
    expect(reply).toMatchObject({ kind: 'RSP', id: 3n, headers: { status: '5', reason: 'PMESH_NO_ROUTE' } });

    const noCluster = fakeCodec.toInvocation({ kind: 'REQ', id: 4n, service: 'ghost.Svc', method: 'x', headers: {}, payload: '' });
    await expect(handler(noCluster, ctx())).rejects.toThrow('cluster "ghost" is not configured');
  });

  it('answers DEADLINE_EXCEEDED at the route timeout, and at the caller deadline when sooner', async () => {
    vi.useFakeTimers();
    upstream.behaviour = { '127.0.0.1:1': 'hang', '127.0.0.1:2': 'hang' };
    const routeBound = handler(
      fakeCodec.toInvocation({ kind: 'REQ', id: 5n, service: 'echo.Svc', method: 'slow', headers: {}, payload: '' }),
      ctx(),
    ).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(999);
    const callerBound = handler(
      fakeCodec.toInvocation({ kind: 'REQ', id: 6n, service: 'echo.Svc', method: 'slow', headers: { timeout: '100' }, payload: '' }),
      ctx(),
    ).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(101);
    const first = await routeBound;
    const second = await callerBound;
    expect(MeshError.is(first) && first.reason).toBe('PMESH_DEADLINE_EXCEEDED');
    expect(MeshError.is(second) && second.message).toMatch(/deadline of 10\d ms exceeded/);
  });

  it('ejects an endpoint after consecutive connect failures and sends calls to the other', async () => {
    upstream.behaviour = { '127.0.0.1:1': 'refuse' };
    const call = (): Promise<unknown> =>
      handler(fakeCodec.toInvocation({ kind: 'REQ', id: 7n, service: 'echo.Svc', method: 'm', headers: {}, payload: '' }), ctx()).catch(
        (e: unknown) => e,
      );
    for (let i = 0; i < 2 * OUTLIER.consecutiveFailures; i++) await call();
    expect(cluster.snapshot().endpoints.find((e) => e.address === '127.0.0.1:1')?.health).toBe('ejected');
    upstream.calls.length = 0;
    for (let i = 0; i < 10; i++) expect(await call()).toMatchObject({ status: 'ok' });
    expect(new Set(upstream.calls)).toEqual(new Set(['127.0.0.1:2']));
  });

  it('a cluster with no endpoints says so by name', async () => {
    cluster.setEndpoints([]);
    await expect(
      handler(fakeCodec.toInvocation({ kind: 'REQ', id: 8n, service: 'echo.Svc', method: 'm', headers: {}, payload: '' }), ctx()),
    ).rejects.toThrow('cluster "echo" has no endpoint');
  });

  it('the fake decoder refuses an oversize frame before buffering it', () => {
    const decoder = fakeCodec.newDecoder({ ...DEFAULT_LIMITS, maxFrameBytes: 10 });
    expect(() => decoder.push(Buffer.from('11\n'))).toThrow('fake: frame of 11 bytes exceeds the limit of 10');
  });
});
