/**
 * A call whose listener already keeps a timer for the caller's deadline (the gRPC relay's)
 * gets no second one from the timeout filter when that deadline is the call's: the kept
 * timer tells the filter, and the call still fails DEADLINE_EXCEEDED, aborted, once. A
 * route timeout sooner than the caller's deadline keeps the filter's own timer.
 */
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { Cancel, MeshError, NOOP_METRICS, makeEndpoint, type Expiring, type Invocation, type KeptDeadline, type MeshMetrics, type Result } from '../../../src/core/index.js';
import { Cluster, Router, buildStack, createBalancer, setupBalancers, type CallContext, type Upstream } from '../../../src/proxy/index.js';
import { fakeCodec } from '../../support/fake-codec.js';

/** Answers at once, or never (until the call is aborted). */
class FakeUpstream implements Upstream {
  hang = false;
  call(_endpoint: unknown, _invocation: Invocation, ctx: CallContext): Promise<Result> {
    if (this.hang) return new Promise((_resolve, reject) => ctx.cancel.onAbort(reject));
    return Promise.resolve({ status: 'ok', protocolStatus: 0, attachments: {}, body: { kind: 'empty' } });
  }
  release(): void {}
  connections(): Record<string, number> {
    return {};
  }
  async close(): Promise<void> {}
}

/** A kept deadline the test fires by hand; it records what the stack asked of it. */
class HandKeptDeadline implements KeptDeadline {
  readonly deadlineAt: number;
  watcher: Expiring | undefined;
  readonly watched: (Expiring | undefined)[] = [];
  constructor(at: number) {
    this.deadlineAt = at;
  }
  watch(expiring: Expiring | undefined): void {
    this.watcher = expiring;
    this.watched.push(expiring);
  }
}

function setup(hang: boolean, routeTimeoutMs: number) {
  const upstream = new FakeUpstream();
  upstream.hang = hang;
  const cluster = new Cluster('svc', 'fake', 'round_robin', createBalancer('round_robin'), upstream);
  cluster.setEndpoints([makeEndpoint('127.0.0.1:1')]);
  const router = new Router([{ name: 'r', match: { service: 'svc.Echo' }, cluster: 'svc', timeoutMs: routeTimeoutMs }]);
  const outcomes: string[] = [];
  const metrics: MeshMetrics = { ...NOOP_METRICS, callFinished: (call) => outcomes.push(call.outcome) };
  const handler = buildStack({ router: () => router, cluster: (name) => (name === 'svc' ? cluster : undefined), metrics, defaultTimeoutMs: 15_000 });
  const call = (callerBudgetMs: number) => {
    const startedAt = performance.now();
    const invocation = { ...fakeCodec.toInvocation({ kind: 'REQ', id: 1n, service: 'svc.Echo', method: 'get', headers: {}, payload: 'x' }), deadline: startedAt + callerBudgetMs };
    const kept = new HandKeptDeadline(invocation.deadline);
    const cancel = new Cancel();
    const ctx: CallContext = { listener: 'in', startedAt, log: pino({ level: 'silent' }), cancel, deadlineKept: kept };
    const answer = handler(invocation, ctx).catch((error: unknown) => error as MeshError);
    return { answer, kept, cancel };
  };
  return { call, outcomes };
}

describe('a deadline the listener keeps', () => {
  beforeAll(() => setupBalancers());

  it('is shared by the timeout filter: when it passes the call fails DEADLINE_EXCEEDED, aborted, recorded once', async () => {
    const { call, outcomes } = setup(true, 60_000);
    const { answer, kept, cancel } = call(30_000);
    expect(kept.watcher).toBeDefined();
    kept.watcher!.expire();
    const error = await answer;
    expect(MeshError.is(error) && error.reason).toBe('PMESH_DEADLINE_EXCEEDED');
    expect(cancel.reason?.reason).toBe('PMESH_DEADLINE_EXCEEDED');
    expect(outcomes).toEqual(['PMESH_DEADLINE_EXCEEDED']);
  });

  it('is let go when the call is answered', async () => {
    const { call } = setup(false, 60_000);
    const { answer, kept } = call(30_000);
    expect(MeshError.is(await answer)).toBe(false);
    expect(kept.watched).toHaveLength(2);
    expect(kept.watched[1]).toBeUndefined();
  });

  it('is not used when the route times out sooner: the filter arms its own timer', async () => {
    const { call, outcomes } = setup(true, 30);
    const { answer, kept } = call(30_000);
    const error = await answer;
    expect(MeshError.is(error) && error.reason).toBe('PMESH_DEADLINE_EXCEEDED');
    expect(kept.watched).toHaveLength(0);
    expect(outcomes).toEqual(['PMESH_DEADLINE_EXCEEDED']);
  });
});
