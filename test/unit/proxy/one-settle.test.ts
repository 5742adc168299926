/**
 * A call's outcome flows back up once (filter.ts): the deadline aborts the call's cancel and
 * what waits below answers with it, the retry step closes the cluster's books for each attempt,
 * and a listener's CallAnswer is told the outcome by the stack itself. Over the fake protocol
 * with an in-memory upstream.
 */
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { Cancel, MeshError, NOOP_METRICS, makeEndpoint, type Endpoint, type Invocation, type Result } from '../../../src/core/index.js';
import { Cluster, Router, buildStack, createBalancer, setupBalancers, type CallContext, type Upstream } from '../../../src/proxy/index.js';
import { answeringHandler, type CallAnswer } from '../../../src/proxy/filter.js';
import { fakeCodec } from '../../support/fake-codec.js';

const OK: Result = { status: 'ok', protocolStatus: 0, attachments: {}, body: { kind: 'empty' } };

/** Answers from a script, one outcome per call: 'ok', 'unsent' (refused before it was written) or 'lost'. */
class ScriptedUpstream implements Upstream {
  readonly script: ('ok' | 'unsent' | 'lost')[];
  constructor(script: ('ok' | 'unsent' | 'lost')[]) {
    this.script = script;
  }
  call(endpoint: Endpoint, _invocation: Invocation, _ctx: CallContext): Promise<Result> {
    const next = this.script.shift() ?? 'ok';
    if (next === 'unsent') return Promise.reject(new MeshError('PMESH_UPSTREAM_CONNECT_FAILED', `no connection to ${endpoint.address}`, { notSent: true }));
    if (next === 'lost') return Promise.reject(new MeshError('PMESH_UPSTREAM_CONNECTION_LOST', `connection to ${endpoint.address} lost`));
    return Promise.resolve(OK);
  }
  release(): void {}
  connections(): Record<string, number> {
    return {};
  }
  async close(): Promise<void> {}
}

function stackFor(cluster: Cluster, timeoutMs = 15_000) {
  const router = new Router([{ name: 'r', match: { service: 'svc.Echo' }, cluster: cluster.name, timeoutMs }]);
  return buildStack({ router: () => router, cluster: (name) => (name === cluster.name ? cluster : undefined), metrics: NOOP_METRICS, defaultTimeoutMs: 15_000 });
}

const invocation = (): Invocation => fakeCodec.toInvocation({ kind: 'REQ', id: 1n, service: 'svc.Echo', method: 'get', headers: {}, payload: 'x' });
const contextOf = (answerTo?: CallAnswer): CallContext => ({ listener: 'in', startedAt: performance.now(), log: pino({ level: 'silent' }), cancel: new Cancel(), answerTo });

describe('one settle per call', () => {
  beforeAll(() => setupBalancers());

  it('a deadline that passes while a registry cluster waits for its first endpoints answers DEADLINE_EXCEEDED, not the wait\'s own end', async () => {
    const cluster = new Cluster('registry-svc', 'fake', 'round_robin', createBalancer('round_robin'), new ScriptedUpstream([]));
    cluster.service = 'svc.Echo';
    // Well under the 3 s wait, long enough that a busy host still reaches the wait before the deadline passes.
    const answer = await stackFor(cluster, 500)(invocation(), contextOf()).catch((error: unknown) => error as MeshError);
    expect(MeshError.is(answer) && answer.reason).toBe('PMESH_DEADLINE_EXCEEDED');
    expect(cluster.snapshot().pending).toBe(0);
  });

  it('the cluster\'s books are closed once for every attempt, retried or not, answered or failed', async () => {
    const cluster = new Cluster('svc', 'fake', 'round_robin', createBalancer('round_robin'), new ScriptedUpstream(['ok', 'unsent', 'ok', 'lost']));
    cluster.setEndpoints([makeEndpoint('127.0.0.1:1'), makeEndpoint('127.0.0.1:2')]);
    const stack = stackFor(cluster);
    const outcomes: string[] = [];
    for (let i = 0; i < 3; i++) {
      outcomes.push(await stack(invocation(), contextOf()).then((result) => result.status, (error: unknown) => MeshError.from(error).reason));
    }
    // The unsent attempt was retried on the other endpoint; the lost one was written, so it was not.
    expect(outcomes).toEqual(['ok', 'ok', 'PMESH_UPSTREAM_CONNECTION_LOST']);
    const snapshot = cluster.snapshot();
    expect(snapshot.inFlight).toBe(0);
    expect(snapshot.endpoints.map((endpoint) => endpoint.inFlight)).toEqual([0, 0]);
    expect(snapshot.endpoints.reduce((sum, endpoint) => sum + endpoint.completed, 0)).toBe(4);
  });

  it('a listener\'s CallAnswer is told each outcome once, and the stack\'s promise then never rejects', async () => {
    const cluster = new Cluster('svc', 'fake', 'round_robin', createBalancer('round_robin'), new ScriptedUpstream(['ok', 'lost']));
    cluster.setEndpoints([makeEndpoint('127.0.0.1:1')]);
    const told: string[] = [];
    const answerTo: CallAnswer = { answer: (_ctx, result, error) => told.push(result ? result.status : error!.reason) };
    const stack = answeringHandler(stackFor(cluster));
    await stack(invocation(), contextOf(answerTo));
    await stack(invocation(), contextOf(answerTo));
    expect(told).toEqual(['ok', 'PMESH_UPSTREAM_CONNECTION_LOST']);
  });

  it('a stack wrapped in a handler of someone else\'s answers once, through the wrapper', async () => {
    const cluster = new Cluster('svc', 'fake', 'round_robin', createBalancer('round_robin'), new ScriptedUpstream(['ok', 'lost']));
    cluster.setEndpoints([makeEndpoint('127.0.0.1:1')]);
    const told: string[] = [];
    const answerTo: CallAnswer = { answer: (_ctx, result, error) => told.push(result ? result.status : error!.reason) };
    const stack = stackFor(cluster);
    const wrapped = answeringHandler((invocation, ctx) => stack(invocation, ctx));
    await wrapped(invocation(), contextOf(answerTo));
    await wrapped(invocation(), contextOf(answerTo));
    expect(told).toEqual(['ok', 'PMESH_UPSTREAM_CONNECTION_LOST']);
  });

  it('a handler that is not a stack is wrapped to answer the same way', async () => {
    const told: string[] = [];
    const answerTo: CallAnswer = { answer: (_ctx, result, error) => told.push(result ? result.status : error!.reason) };
    const handler = answeringHandler(async () => {
      throw new MeshError('PMESH_NO_ROUTE', 'nothing here');
    });
    await handler(invocation(), contextOf(answerTo));
    expect(told).toEqual(['PMESH_NO_ROUTE']);
  });
});
