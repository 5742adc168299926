/**
 * The three propagation formats, read and written through each protocol's telemetry.
 * SOFATracer values are what SOFARPC 5.13.2's Java client wrote (the Bolt golden frame
 * test/golden/bolt/v1-echo-request.bin, and a capture of its header map with the tracer
 * on); W3C and B3 values are the examples of the W3C Trace Context recommendation and of
 * openzipkin/b3-propagation.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TraceFlags, type SpanContext } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { setupProtocols, telemetryOf } from '../../../src/codecs/index.js';

// Each protocol's telemetry is part of its plug-in: the registry must know them.
setupProtocols();
import { boltCodec } from '../../../src/codecs/bolt/index.js';
import { withLimits, type Invocation, type ProtocolTelemetry, type TraceFormat } from '../../../src/core/index.js';
import { extractTrace, incomingCarrier, injectTrace, type IncomingTrace } from '../../../src/tracing/propagation.js';
import { CallSampler } from '../../../src/tracing/sampler.js';
import { formatSofaSpanContext, parseSofaSpanContext, spanIdOfSofa, traceIdOfSofa } from '../../../src/tracing/sofa-context.js';

const W3C_PARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const B3_SINGLE = '80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90';
/** SOFARPC 5.13.2's Java client, SOFATracer on (captured header map). */
const SOFA_JAVA_HEADERS = {
  'rpc_trace_context.sofaRpcId': '0',
  'rpc_trace_context.samp': 'true',
  'rpc_trace_context.sofaTraceId': 'c00002021796122879475100131253',
  'rpc_trace_context.sysPenAttrs': '',
  'rpc_trace_context.sofaPenAttrs': '',
};

function call(protocol: string, attachments: Record<string, string>): Invocation {
  return { protocol, service: { interface: 'com.example.EchoService' }, method: 'echo', attachments, oneway: false, body: { kind: 'empty' } };
}

function read(telemetry: ProtocolTelemetry, invocation: Invocation): IncomingTrace {
  return extractTrace(incomingCarrier(invocation, telemetry));
}

const CHILD: SpanContext = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED };

function write(telemetry: ProtocolTelemetry, incoming: IncomingTrace, formats: TraceFormat[], span = CHILD): Record<string, string> {
  return Object.fromEntries(injectTrace(span, incoming, new Set(formats), (key) => telemetry.traceKey(key)));
}

describe('W3C Trace Context', () => {
  it('reads traceparent and tracestate from HTTP headers and writes the child span', () => {
    const incoming = read(telemetryOf('http1'), call('http1', { traceparent: W3C_PARENT, tracestate: 'congo=t61rcWkgMzE' }));
    expect(incoming.parent).toMatchObject({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1, isRemote: true });
    expect(incoming.formats).toEqual(new Set(['w3c']));
    const out = write(telemetryOf('grpc'), incoming, ['w3c'], { ...CHILD, traceState: incoming.parent!.traceState });
    expect(out).toEqual({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-b7ad6b7169203331-01', tracestate: 'congo=t61rcWkgMzE' });
  });

  it('ignores a malformed traceparent (an all-zero trace id) rather than failing the call', () => {
    const incoming = read(telemetryOf('http1'), call('http1', { traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' }));
    expect(incoming.parent).toBeUndefined();
    expect(incoming.formats.size).toBe(0);
  });
});

describe('B3', () => {
  it('reads the single header and writes it back in the same form', () => {
    const incoming = read(telemetryOf('dubbo'), call('dubbo', { b3: B3_SINGLE }));
    expect(incoming.parent).toMatchObject({ traceId: '80f198ee56343ba864fe8b2a57d3eff7', spanId: 'e457b5a2e4d86bd1', traceFlags: 1 });
    expect(incoming.formats).toEqual(new Set(['b3']));
    expect(write(telemetryOf('dubbo'), incoming, [...incoming.formats], { ...CHILD, traceId: '80f198ee56343ba864fe8b2a57d3eff7' })).toEqual({ b3: '80f198ee56343ba864fe8b2a57d3eff7-b7ad6b7169203331-1' });
  });

  it('reads the multi-header form and writes it back in the same form', () => {
    const incoming = read(telemetryOf('http1'), call('http1', { 'x-b3-traceid': '80f198ee56343ba864fe8b2a57d3eff7', 'x-b3-spanid': 'e457b5a2e4d86bd1', 'x-b3-parentspanid': '05e3ac9a4f6e3b90', 'x-b3-sampled': '1' }));
    expect(incoming.parent).toMatchObject({ traceId: '80f198ee56343ba864fe8b2a57d3eff7', spanId: 'e457b5a2e4d86bd1', traceFlags: 1 });
    expect(incoming.formats).toEqual(new Set(['b3multi']));
    expect(write(telemetryOf('http1'), incoming, ['b3multi'])).toEqual({ 'x-b3-traceid': CHILD.traceId, 'x-b3-spanid': CHILD.spanId, 'x-b3-sampled': '1' });
  });
});

describe('SOFATracer', () => {
  it('reads the header map SOFARPC\'s Java client writes on Bolt (golden frame)', () => {
    const frame = boltCodec.newDecoder(withLimits({})).push(readFileSync(join(import.meta.dirname, '../../golden/bolt/v1-echo-request.bin')))[0]!;
    const incoming = read(telemetryOf('bolt'), boltCodec.toInvocation(frame));
    expect(incoming.sofa).toEqual({ traceId: '7f0000011700000000000100142424', rpcId: '0', sampled: true });
    expect(incoming.parent).toMatchObject({ traceId: '007f0000011700000000000100142424', spanId: spanIdOfSofa('7f0000011700000000000100142424', '0'), traceFlags: 1 });
  });

  it('passes the caller\'s trace id and rpcId on unchanged, with a W3C parent for the next sidecar', () => {
    const incoming = read(telemetryOf('bolt'), call('bolt', SOFA_JAVA_HEADERS));
    const traceId = traceIdOfSofa('c00002021796122879475100131253');
    expect(traceId).toBe('00c00002021796122879475100131253');
    const out = write(telemetryOf('bolt'), incoming, ['w3c', 'sofa'], { ...CHILD, traceId });
    expect(out).toEqual({
      traceparent: `00-${traceId}-b7ad6b7169203331-01`,
      'rpc_trace_context.sofaTraceId': 'c00002021796122879475100131253',
      'rpc_trace_context.sofaRpcId': '0',
      'rpc_trace_context.samp': 'true',
    });
  });

  it('starts SOFATracer fields from a W3C trace for a SOFARPC server (the Python caller\'s id)', () => {
    const incoming = read(telemetryOf('http1'), call('http1', { traceparent: W3C_PARENT }));
    expect(write(telemetryOf('bolt'), incoming, ['sofa'])).toEqual({
      'rpc_trace_context.sofaTraceId': '4bf92f3577b34da6a3ce929d0e0e4736',
      'rpc_trace_context.sofaRpcId': '0',
      'rpc_trace_context.samp': 'true',
    });
  });

  it('reads and writes the one-string form (SOFATracer\'s Dubbo plug-in, new SOFARPC clients), baggage kept', () => {
    const text = 'tcid=c00002021796122879475100131253&spid=0.1&pspid=0&sample=true&_sys_zone=gz00a&tenant=ant&';
    const context = parseSofaSpanContext(text);
    expect(context).toEqual({ traceId: 'c00002021796122879475100131253', rpcId: '0.1', parentRpcId: '0', sampled: true, penAttrs: 'tenant=ant&', sysPenAttrs: 'zone=gz00a&' });
    expect(formatSofaSpanContext(context!)).toBe(text);
    const incoming = read(telemetryOf('dubbo'), call('dubbo', { 'dubbo.rpc.sofa.tracer': text }));
    expect(incoming.formats).toEqual(new Set(['sofa']));
    expect(write(telemetryOf('dubbo'), incoming, ['sofa'])).toEqual({ 'dubbo.rpc.sofa.tracer': text });
  });

  it('reads SOFARPC REST\'s HTTP headers (SOFA-TraceId, SOFA-RpcId)', () => {
    const incoming = read(telemetryOf('http1'), call('http1', { 'sofa-traceid': 'c00002021796122879475100131253', 'sofa-rpcid': '0.2' }));
    expect(incoming.sofa).toEqual({ traceId: 'c00002021796122879475100131253', rpcId: '0.2' });
    expect(incoming.parent?.traceId).toBe('00c00002021796122879475100131253');
  });

  it('maps a trace id that is not hex to a stable 128-bit id', () => {
    expect(traceIdOfSofa('not-hex-trace')).toMatch(/^[0-9a-f]{32}$/);
    expect(traceIdOfSofa('not-hex-trace')).toBe(traceIdOfSofa('not-hex-trace'));
    expect(traceIdOfSofa('00000')).not.toBe('00000000000000000000000000000000');
  });

  it('derives the SOFATracer caller\'s span id stably, 16 hex digits, one per trace and rpcId', () => {
    const id = spanIdOfSofa('7f0000011700000000000100142424', '0');
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(id).not.toBe('0000000000000000');
    expect(spanIdOfSofa('7f0000011700000000000100142424', '0')).toBe(id);
    // Ids that differ in one character (the rpcId's last step, the trace id's counter) map apart, in both halves.
    const others = [spanIdOfSofa('7f0000011700000000000100142424', '0.1'), spanIdOfSofa('7f0000011700000000000100142425', '0')];
    for (const other of others) {
      expect(other.slice(0, 8)).not.toBe(id.slice(0, 8));
      expect(other.slice(8)).not.toBe(id.slice(8));
    }
    const many = new Set(Array.from({ length: 10_000 }, (_, i) => spanIdOfSofa(`7f00000117000000000001${String(i).padStart(8, '0')}`, '0')));
    expect(many.size).toBe(10_000);
  });

  it('marks the parent unsampled when SOFATracer says so', () => {
    const incoming = read(telemetryOf('bolt'), call('bolt', { ...SOFA_JAVA_HEADERS, 'rpc_trace_context.samp': 'false' }));
    expect(incoming.parent?.traceFlags).toBe(TraceFlags.NONE);
  });
});

describe('no context', () => {
  it('reads nothing from a call that carries none', () => {
    const incoming = read(telemetryOf('bolt'), call('bolt', { service: 'x' }));
    expect(incoming).toEqual({ formats: new Set(), parent: undefined, sofa: undefined, sofaAsString: undefined, parentFromSofa: false });
  });
});

describe('sampling', () => {
  it('keeps a W3C caller\'s decision whatever the ratio', () => {
    const sampled = read(telemetryOf('http1'), call('http1', { traceparent: W3C_PARENT }));
    const unsampled = read(telemetryOf('http1'), call('http1', { traceparent: W3C_PARENT.replace(/-01$/, '-00') }));
    expect(new CallSampler(0).sampled(sampled)).toBe(true);
    expect(new CallSampler(1).sampled(unsampled)).toBe(false);
  });

  it('lets the ratio decide for a parent known only from SOFATracer (which marks nearly all calls sampled), by trace id', () => {
    const incoming = read(telemetryOf('bolt'), call('bolt', SOFA_JAVA_HEADERS));
    expect(incoming.parentFromSofa).toBe(true);
    expect(new CallSampler(0).sampled(incoming)).toBe(false);
    expect(new CallSampler(1).sampled(incoming)).toBe(true);
    // The same trace id gets the same answer every time, in every sidecar on the way.
    const half = new CallSampler(0.5);
    const first = half.sampled(incoming);
    for (let i = 0; i < 20; i++) expect(half.sampled(incoming)).toBe(first);
  });

  it('samples a call with no context at the ratio', () => {
    const none = read(telemetryOf('bolt'), call('bolt', {}));
    expect(new CallSampler(0).sampled(none)).toBe(false);
    expect(new CallSampler(1).sampled(none)).toBe(true);
    const tenth = new CallSampler(0.1);
    let kept = 0;
    for (let i = 0; i < 10_000; i++) if (tenth.sampled(none)) kept++;
    // 10 000 draws at 0.1: 1 000 expected, standard deviation 30; these bounds are 10 of them.
    expect(kept).toBeGreaterThan(700);
    expect(kept).toBeLessThan(1_300);
  });
});
