/** The tap's two stack steps with a fake sink: what they report, and that they cost nothing while nobody taps. */
import { describe, expect, it } from 'vitest';
import { MeshError, createRootLogger, type Invocation, type Result, type TapSink, type TappedCall } from '../../../src/core/index.js';
import { compose, observeCalls, type CallContext, type Filter } from '../../../src/proxy/filter.js';
import { tapCapture, tapObserver } from '../../../src/proxy/filters/tap.js';

const CALL: Invocation = { protocol: 'http1', service: { interface: 'com.example.EchoService' }, method: 'echo', attachments: {}, oneway: false, body: { kind: 'empty' } };
const BRIDGED: Invocation = { ...CALL, protocol: 'dubbo', frame: { bytes: 'dubbo request' } };
const UPSTREAM_ANSWER: Result = { status: 'ok', protocolStatus: 20, attachments: {}, body: { kind: 'empty' }, frame: { bytes: 'dubbo reply' } };
const JSON_ANSWER: Result = { status: 'ok', protocolStatus: 200, attachments: {}, body: { kind: 'empty' } };

/** Stands for the bridge: turns the call into a Dubbo one below it and the answer back into JSON above it. */
const fakeBridge: Filter = (next) => async (_invocation, ctx) => {
  await next(BRIDGED, ctx);
  return JSON_ANSWER;
};

function sink(active: boolean): TapSink & { asked: number; tappedCalls: TappedCall[]; failedCalls: TappedCall[] } {
  return {
    active,
    asked: 0,
    tappedCalls: [],
    failedCalls: [],
    wants() {
      this.asked += 1;
      return true;
    },
    tapped(call) {
      this.tappedCalls.push(call);
    },
    failed(call) {
      this.failedCalls.push(call);
    },
  };
}

function ctx(): CallContext {
  return { listener: 'http', startedAt: performance.now(), log: createRootLogger('silent'), cancel: undefined as never };
}

describe('tap steps', () => {
  it('report the call as sent upstream (below the bridge) and its raw answer while someone taps', async () => {
    const tap = sink(true);
    const handler = compose([observeCalls([tapObserver(tap)]), fakeBridge, tapCapture()], async () => UPSTREAM_ANSWER);
    expect(await handler(CALL, ctx())).toBe(JSON_ANSWER);
    expect(tap.tappedCalls).toHaveLength(1);
    expect(tap.tappedCalls[0]).toMatchObject({ invocation: CALL, upstream: BRIDGED, upstreamResult: UPSTREAM_ANSWER, result: JSON_ANSWER });
  });

  it('ask nothing and capture nothing while nobody taps, but report failures', async () => {
    const tap = sink(false);
    const context = ctx();
    const ok = compose([observeCalls([tapObserver(tap)]), fakeBridge, tapCapture()], async () => UPSTREAM_ANSWER);
    await ok(CALL, context);
    expect(tap.asked).toBe(0);
    expect(context.tap).toBeUndefined();
    const failing = compose([observeCalls([tapObserver(tap)]), tapCapture()], async () => {
      throw new MeshError('PMESH_UPSTREAM_CONNECT_FAILED', 'refused');
    });
    await expect(failing(CALL, ctx())).rejects.toThrow('refused');
    expect(tap.tappedCalls).toHaveLength(0);
    expect(tap.failedCalls.map((call) => call.error?.reason)).toEqual(['PMESH_UPSTREAM_CONNECT_FAILED']);
  });
});
