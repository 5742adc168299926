/**
 * The tap's admin side without sockets: a fake codec whose bridge half hands back typed
 * values, and fake SSE responses whose unread bytes the test controls.
 */
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { MeshError, type Invocation, type ProtocolCodec, type Result, type TappedCall } from '../../../src/core/index.js';
import { classType, jv } from '../../../src/bridge/index.js';
import { TapHub, type TapOptions } from '../../../src/admin/ui/tap-hub.js';
import { tapDecoder } from '../../../src/tap-decode.js';
import { FakeTapResponse } from '../../support/tap-stream.js';

const OPTIONS: TapOptions = { redact: ['password'], maxSubscribers: 2, maxEventsPerSecond: 100, samplePercent: 100, maxBodyBytes: 1024, subscriberBufferBytes: 4096, recentErrors: 3 };

let decoded = 0;
const fakeCodec = {
  encode: () => [Buffer.alloc(16)],
  bridge: {
    readRequest: () => {
      decoded += 1;
      return {
        service: { interface: 'com.example.UserService' },
        method: 'save',
        paramTypes: [classType('com.example.User')],
        args: [jv.object('com.example.User', [['id', jv.long(9007199254740993n)], ['password', jv.string('hunter2')], ['balance', jv.decimal('10.50')]])],
        attachments: {},
        timeoutMs: 1000,
      };
    },
    result: () => ({ kind: 'value', value: jv.long(7n) }),
  },
} as unknown as ProtocolCodec<unknown>;

function invocation(method = 'save', service = 'com.example.UserService'): Invocation {
  return { protocol: 'fake', service: { interface: service }, method, attachments: { password: 'x', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' }, oneway: false, body: { kind: 'empty' }, frame: {} };
}

function call(inv: Invocation, result?: Result, error?: MeshError): TappedCall {
  return { listener: 'l', cluster: 'c', invocation: inv, upstream: inv, upstreamResult: result, result, error, ms: 1.5, at: Date.now() };
}

const OK: Result = { status: 'ok', protocolStatus: 0, attachments: {}, body: { kind: 'empty' }, frame: {} };
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('TapHub', () => {
  it('decodes nothing and wants nothing while nobody taps, but keeps recent errors (bounded)', () => {
    const hub = new TapHub(OPTIONS, tapDecoder(() => fakeCodec), () => {});
    expect(hub.active).toBe(false);
    expect(hub.wants(invocation())).toBe(false);
    for (let i = 0; i < 5; i++) hub.failed(call(invocation(`m${i}`), undefined, new MeshError('PMESH_NO_ROUTE', `no route ${i}`)));
    expect(hub.recentErrors().map((e) => (e as { method: string }).method)).toEqual(['m4', 'm3', 'm2']);
  });

  it('sends matching calls with typed, redacted arguments and answer, and the trace id', async () => {
    const counts: string[] = [];
    const hub = new TapHub(OPTIONS, tapDecoder(() => fakeCodec), (result) => counts.push(result));
    const res = new FakeTapResponse();
    hub.subscribe(res as unknown as ServerResponse, { service: 'userservice', status: 'ok' });
    expect(hub.wants(invocation())).toBe(true);
    expect(hub.wants(invocation('save', 'com.example.Other'))).toBe(false);
    hub.tapped(call(invocation(), OK));
    hub.tapped(call(invocation('fail'), undefined, new MeshError('PMESH_UPSTREAM_TIMEOUT', 'late')));
    await flush();
    expect(res.events).toHaveLength(1);
    const [event] = res.events;
    expect(event).toMatchObject({
      service: 'com.example.UserService',
      method: 'save',
      status: 'ok',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      attachments: { password: '***' },
      request: {
        types: ['com.example.User'],
        args: [{ $class: 'com.example.User', id: { $type: 'long', $value: '9007199254740993' }, password: '***', balance: { $type: 'java.math.BigDecimal', $value: '10.50' } }],
      },
      response: { value: { $type: 'long', $value: '7' } },
    });
    expect(counts).toEqual(['sent']);
  });

  it('drops and counts events for a subscriber that reads too slowly, and refuses subscribers past the limit', async () => {
    const counts: string[] = [];
    const hub = new TapHub(OPTIONS, tapDecoder(() => fakeCodec), (result) => counts.push(result));
    const slow = new FakeTapResponse();
    slow.writableLength = OPTIONS.subscriberBufferBytes + 1;
    const fast = new FakeTapResponse();
    expect(hub.subscribe(slow as unknown as ServerResponse, {})).toBe(true);
    expect(hub.subscribe(fast as unknown as ServerResponse, {})).toBe(true);
    expect(hub.subscribe(new FakeTapResponse() as unknown as ServerResponse, {})).toBe(false);
    hub.tapped(call(invocation(), OK));
    hub.tapped(call(invocation(), OK));
    await flush();
    expect(slow.events).toHaveLength(0);
    expect(fast.events).toHaveLength(2);
    expect(counts.filter((c) => c === 'dropped')).toHaveLength(2);
    slow.writableLength = 0;
    hub.tapped(call(invocation(), OK));
    await flush();
    expect(slow.events[0]).toMatchObject({ droppedBefore: 2 });
    slow.emit('close');
    fast.emit('close');
    expect(hub.active).toBe(false);
  });

  it('captures at most maxEventsPerSecond calls, and none past maxBodyBytes is decoded', async () => {
    const hub = new TapHub({ ...OPTIONS, maxEventsPerSecond: 3, maxBodyBytes: 8 }, tapDecoder(() => fakeCodec), () => {});
    const res = new FakeTapResponse();
    hub.subscribe(res as unknown as ServerResponse, {});
    const wanted = Array.from({ length: 10 }, () => hub.wants(invocation())).filter(Boolean);
    expect(wanted).toHaveLength(3);
    const before = decoded;
    hub.tapped(call(invocation(), OK));
    await flush();
    expect(decoded).toBe(before);
    expect(res.events[0]).toMatchObject({ request: { note: expect.stringContaining('larger than tap.maxBodyBytes') } });
  });
});
