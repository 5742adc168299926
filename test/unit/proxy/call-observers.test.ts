/**
 * The observers of a call (metrics, the access log, the dashboard's tap) are told of its
 * end once, from one step of the stack (filter.ts, observeCalls): whether it was answered,
 * failed upstream, was refused before routing, was cancelled by its caller, or ran out of
 * time. Over the fake protocol with an in-memory upstream.
 */
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Cancel,
  MeshError,
  NOOP_METRICS,
  makeEndpoint,
  type CallRecord,
  type Endpoint,
  type Invocation,
  type MeshMetrics,
  type Result,
  type TapSink,
  type TappedCall,
} from '../../../src/core/index.js';
import { Cluster, Router, buildStack, createBalancer, setupBalancers, type CallContext, type Upstream } from '../../../src/proxy/index.js';
import { fakeCodec } from '../../support/fake-codec.js';

type Mode = 'echo' | 'lost' | 'hang';

class FakeUpstream implements Upstream {
  mode: Mode = 'echo';
  call(endpoint: Endpoint, _invocation: Invocation, ctx: CallContext): Promise<Result> {
    if (this.mode === 'lost') return Promise.reject(new MeshError('PMESH_UPSTREAM_CONNECTION_LOST', `connection to ${endpoint.address} lost`));
    if (this.mode === 'hang') return new Promise((_resolve, reject) => ctx.cancel.onAbort(reject));
    return Promise.resolve({ status: 'ok', protocolStatus: 0, attachments: {}, body: { kind: 'empty' } });
  }
  release(): void {}
  connections(): Record<string, number> {
    return {};
  }
  async close(): Promise<void> {}
}

function setup(mode: Mode, timeoutMs = 15_000) {
  const upstream = new FakeUpstream();
  upstream.mode = mode;
  const cluster = new Cluster('svc', 'fake', 'round_robin', createBalancer('round_robin'), upstream);
  cluster.setEndpoints([makeEndpoint('127.0.0.1:1')]);
  const router = new Router([{ name: 'r', match: { service: 'svc.Echo' }, cluster: 'svc', timeoutMs }]);
  const started: string[] = [];
  const finished: CallRecord[] = [];
  const metrics: MeshMetrics = { ...NOOP_METRICS, callStarted: (listener) => started.push(listener), callFinished: (call) => finished.push(call) };
  const accessLines: { status: number; reason?: string }[] = [];
  const accessLog = pino({ level: 'info' }, { write: (line: string) => accessLines.push(JSON.parse(line) as { status: number; reason?: string }) });
  const tapped: TappedCall[] = [];
  const failed: TappedCall[] = [];
  const tap: TapSink = { active: true, wants: () => true, tapped: (call) => tapped.push(call), failed: (call) => failed.push(call) };
  const handler = buildStack({
    router: () => router,
    cluster: (name) => (name === 'svc' ? cluster : undefined),
    metrics,
    accessLog,
    tap,
    defaultTimeoutMs: 15_000,
  });
  const cancel = new Cancel();
  const call = (service = 'svc.Echo'): Promise<Result | MeshError> =>
    handler(fakeCodec.toInvocation({ kind: 'REQ', id: 1n, service, method: 'get', headers: {}, payload: 'x' }), {
      listener: 'in',
      startedAt: performance.now(),
      log: pino({ level: 'silent' }),
      cancel,
    }).catch((error: unknown) => error as MeshError);
  return { call, cancel, started, finished, accessLines, tapped, failed };
}

/** Lets any late observer run (a second `then`, a timer) before counting. */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50));

describe('call observers', () => {
  beforeAll(() => setupBalancers());

  it('record an answered call once: one in-flight start, one metric, one access line, one tap report', async () => {
    const { call, started, finished, accessLines, tapped, failed } = setup('echo');
    const answer = await call();
    await settle();
    expect(MeshError.is(answer)).toBe(false);
    expect(started).toEqual(['in']);
    expect(finished.map((record) => record.outcome)).toEqual(['ok']);
    expect(accessLines).toHaveLength(1);
    expect(tapped.map((record) => record.result?.status)).toEqual(['ok']);
    expect(failed).toHaveLength(0);
  });

  it('record a call that failed upstream once, with its reason', async () => {
    const { call, finished, accessLines, tapped } = setup('lost');
    const answer = await call();
    await settle();
    expect(MeshError.is(answer) && answer.reason).toBe('PMESH_UPSTREAM_CONNECTION_LOST');
    expect(finished.map((record) => record.outcome)).toEqual(['PMESH_UPSTREAM_CONNECTION_LOST']);
    expect(accessLines.map((line) => line.reason)).toEqual(['PMESH_UPSTREAM_CONNECTION_LOST']);
    expect(tapped.map((record) => record.error?.reason)).toEqual(['PMESH_UPSTREAM_CONNECTION_LOST']);
  });

  it('record a call no route takes once', async () => {
    const { call, finished, accessLines, tapped } = setup('echo');
    const answer = await call('other.Service');
    await settle();
    expect(MeshError.is(answer) && answer.reason).toBe('PMESH_NO_ROUTE');
    expect(finished.map((record) => record.outcome)).toEqual(['PMESH_NO_ROUTE']);
    expect(accessLines).toHaveLength(1);
    expect(tapped).toHaveLength(1);
  });

  it('record a call its caller cancelled once', async () => {
    const { call, cancel, finished, accessLines, tapped } = setup('hang');
    const answer = call();
    cancel.abort(new MeshError('PMESH_DOWNSTREAM_CLOSED', 'the caller went away'));
    expect(MeshError.is(await answer) && ((await answer) as MeshError).reason).toBe('PMESH_DOWNSTREAM_CLOSED');
    await settle();
    expect(finished.map((record) => record.outcome)).toEqual(['PMESH_DOWNSTREAM_CLOSED']);
    expect(accessLines.map((line) => line.reason)).toEqual(['PMESH_DOWNSTREAM_CLOSED']);
    expect(tapped).toHaveLength(1);
  });

  it('record a call that ran out of time once, though its upstream is told to stop too', async () => {
    const { call, cancel, finished, accessLines, tapped } = setup('hang', 20);
    const answer = await call();
    await settle();
    expect(MeshError.is(answer) && answer.reason).toBe('PMESH_DEADLINE_EXCEEDED');
    expect(cancel.reason?.reason).toBe('PMESH_DEADLINE_EXCEEDED');
    expect(finished.map((record) => record.outcome)).toEqual(['PMESH_DEADLINE_EXCEEDED']);
    expect(accessLines.map((line) => line.reason)).toEqual(['PMESH_DEADLINE_EXCEEDED']);
    expect(tapped).toHaveLength(1);
  });
});
