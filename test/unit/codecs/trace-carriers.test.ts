/**
 * Writing trace entries where each protocol carries them, on frames real peers wrote:
 * the Bolt header map (SOFARPC's Java client) and the Dubbo attachments tail (Dubbo
 * 3.3.6). Only that part changes: the body bytes are forwarded as they came, and the
 * rewritten frame decodes again, with the entries, through the codec and through an
 * independent Hessian reader (hessian.js).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { setupProtocols, telemetryOf } from '../../../src/codecs/index.js';

// Each protocol's telemetry is part of its plug-in: the registry must know them.
setupProtocols();
import { boltCodec, type BoltFrame } from '../../../src/codecs/bolt/index.js';
import { dubboCodec, type DubboFrame } from '../../../src/codecs/dubbo/index.js';
import { Code, MeshError, withLimits } from '../../../src/core/index.js';
import { decodeOne, golden as dubboGolden, hessianValues } from './dubbo/helpers.js';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-b7ad6b7169203331-01';

function boltGolden(name: string): BoltFrame {
  return boltCodec.newDecoder(withLimits({})).push(readFileSync(join(import.meta.dirname, `../../golden/bolt/${name}.bin`)))[0] as BoltFrame;
}

describe('Bolt: the header map', () => {
  it('sets the entries, replacing SOFATracer\'s own, and forwards the SofaRequest body as it came', () => {
    const frame = boltGolden('v1-echo-request');
    const invocation = boltCodec.toInvocation(frame);
    const traced = telemetryOf('bolt').withTrace({ ...invocation, frame }, [['traceparent', TRACEPARENT], ['rpc_trace_context.sofaRpcId', '0']]);
    const bytes = Buffer.concat(boltCodec.encode(traced.frame as BoltFrame));
    const again = boltCodec.newDecoder(withLimits({})).push(bytes)[0] as BoltFrame;
    expect(again.headers.get('traceparent')).toBe(TRACEPARENT);
    expect(again.headers.get('rpc_trace_context.sofaTraceId')).toBe('7f0000011700000000000100142424');
    expect([...again.headers.keys()].filter((key) => key === 'rpc_trace_context.sofaRpcId')).toHaveLength(1);
    expect(again.rest.subarray(again.classLen + again.headerLen)).toEqual(frame.rest.subarray(frame.classLen + frame.headerLen));
    expect(boltCodec.toInvocation(again)).toMatchObject({ service: invocation.service, method: 'echo', attachments: { traceparent: TRACEPARENT } });
    expect(traced.attachments.traceparent).toBe(TRACEPARENT);
    // The original frame is untouched.
    expect(frame.headers.has('traceparent')).toBe(false);
  });

  it('replaces an entry whose value changes, once, and leaves a frame with nothing to change as it is', () => {
    const frame = boltGolden('v1-echo-request');
    const invocation = { ...boltCodec.toInvocation(frame), frame };
    const traced = telemetryOf('bolt').withTrace(invocation, [['rpc_trace_context.sofaRpcId', '0.1'], ['traceparent', TRACEPARENT]]);
    const again = boltCodec.newDecoder(withLimits({})).push(Buffer.concat(boltCodec.encode(traced.frame as BoltFrame)))[0] as BoltFrame;
    expect(again.headers.get('rpc_trace_context.sofaRpcId')).toBe('0.1');
    expect(again.headers.get('traceparent')).toBe(TRACEPARENT);
    expect(telemetryOf('bolt').withTrace(invocation, [['rpc_trace_context.sofaRpcId', '0']]).frame).toBe(frame);
  });

  it('keeps the listener\'s kinds of call and frame, so the proxy\'s hot path sees one shape whether a call is traced or not', () => {
    const frame = boltGolden('v1-echo-request');
    const invocation = boltCodec.toInvocation(frame, 1_000);
    for (const entries of [[['traceparent', TRACEPARENT]], [['rpc_trace_context.sofaRpcId', '0.1'], ['traceparent', TRACEPARENT]]] as const) {
      const traced = telemetryOf('bolt').withTrace(invocation, entries);
      // Appended or encoded again, the frame is of the class the decoder makes, and so is the call.
      expect(Object.getPrototypeOf(traced.frame)).toBe(Object.getPrototypeOf(frame));
      expect(Object.getPrototypeOf(traced)).toBe(Object.getPrototypeOf(invocation));
      expect(traced).toMatchObject({ service: invocation.service, method: 'echo', deadline: invocation.deadline, oneway: false });
      expect(traced.attachments).toMatchObject(Object.fromEntries(entries));
      expect(traced.attachments['rpc_trace_context.sofaTraceId']).toBe('7f0000011700000000000100142424');
      const again = boltCodec.newDecoder(withLimits({})).push(Buffer.concat(boltCodec.encode(traced.frame as BoltFrame)))[0] as BoltFrame;
      expect(Object.fromEntries(again.headers)).toMatchObject(traced.attachments);
      expect(again.rest.subarray(again.classLen + again.headerLen)).toEqual(frame.rest.subarray(frame.classLen + frame.headerLen));
    }
  });

  it('answers a mesh error with the Bolt status a SOFARPC client reads', () => {
    expect(telemetryOf('bolt').errorStatus(new MeshError('PMESH_UPSTREAM_TIMEOUT', 'late'))).toBe(0x0007);
  });
});

describe('Dubbo: the attachments map', () => {
  it('adds the entries at the map\'s end and keeps the arguments byte for byte', () => {
    const frame = decodeOne(dubboGolden('echo-request'));
    const invocation = dubboCodec.toInvocation(frame);
    const traced = telemetryOf('dubbo').withTrace({ ...invocation, frame }, [['traceparent', TRACEPARENT], ['dubbo.rpc.sofa.tracer', 'tcid=abc&spid=0&pspid=&sample=true&']]);
    const again = decodeOne(Buffer.concat(dubboCodec.encode(traced.frame as DubboFrame)));
    expect(dubboCodec.toInvocation(again).attachments).toMatchObject({ ...invocation.attachments, traceparent: TRACEPARENT, 'dubbo.rpc.sofa.tracer': 'tcid=abc&spid=0&pspid=&sample=true&' });
    // hessian.js reads the same body: five head strings, the argument, then the map.
    const values = hessianValues(again.body, 7);
    expect(values.slice(0, 6)).toEqual(hessianValues(frame.body, 6));
    expect(values[6]).toMatchObject({ traceparent: TRACEPARENT });
  });

  it('answers a mesh error with the Dubbo status a Dubbo client reads', () => {
    expect(telemetryOf('dubbo').errorStatus(new MeshError('PMESH_UPSTREAM_TIMEOUT', 'late'))).toBe(31);
  });
});

describe('HTTP/1 and gRPC: headers', () => {
  it('HTTP answers with its status, gRPC with its code', () => {
    const error = new MeshError('PMESH_UPSTREAM_TIMEOUT', 'late');
    expect(telemetryOf('http1').errorStatus(error)).toBe(504);
    expect(telemetryOf('grpc').errorStatus(error)).toBe(Code.DEADLINE_EXCEEDED);
  });

  it('gRPC writes the entries into the headers it forwards, and states the code from the trailers', async () => {
    const invocation = { protocol: 'grpc', service: { interface: 'x.Y' }, method: 'Z', attachments: {}, oneway: false, body: { kind: 'empty' as const }, frame: { headers: { ':path': '/x.Y/Z' } } };
    const traced = telemetryOf('grpc').withTrace(invocation, [['traceparent', TRACEPARENT]]);
    expect(traced.frame).toEqual({ headers: { ':path': '/x.Y/Z', traceparent: TRACEPARENT } });
    const result = { status: 'ok' as const, protocolStatus: 200, attachments: {}, body: { kind: 'empty' as const }, frame: { headers: {}, trailersOnly: false, trailers: Promise.resolve({ 'grpc-status': '5' }) } };
    expect(await telemetryOf('grpc').resultStatus(result)).toBe(5);
  });
});
