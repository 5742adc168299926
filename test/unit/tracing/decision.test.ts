/**
 * The sampling decision's first look (CallSampler.decide), which reads as little as it
 * can on every call, decides every call as the full reading does
 * (`sampled(extractTrace(carrier))`), over W3C, B3 and SOFATracer contexts, well formed or
 * not, on HTTP attachments, in Bolt frames (where SOFATracer's trace id is hashed from
 * the frame's bytes) and in gRPC heads (read from the field list), and at several ratios. Values: the W3C recommendation's and
 * openzipkin/b3-propagation's examples, SOFARPC 5.13.2's captured header map.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { boltCodec, type BoltFrame } from '../../../src/codecs/bolt/index.js';
import { buildFrame } from '../../../src/codecs/bolt/encoder.js';
import { grpcInvocation } from '../../../src/codecs/grpc/invocation.js';
import { setupProtocols, telemetryOf } from '../../../src/codecs/index.js';
import { fnv1a, fnv1aBytes, fnv1aUtf8 } from '../../../src/core/hash.js';
import { withLimits, type Invocation, type TraceCarrier } from '../../../src/core/index.js';
import { extractTrace, incomingCarrier } from '../../../src/tracing/propagation.js';
import { CallSampler, NOT_TRACED, SAMPLED, UNDECIDED, UNSAMPLED } from '../../../src/tracing/sampler.js';

setupProtocols();

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';
const SOFA_ID = 'c00002021796122879475100131253';

const CONTEXTS: ReadonlyArray<Record<string, string>> = [
  {},
  { traceparent: `00-${TRACE}-${SPAN}-01` },
  { traceparent: `00-${TRACE}-${SPAN}-00` },
  { traceparent: `00-${TRACE}-${SPAN}-03` },
  // Forms the first look leaves to the full reading: upper case, another version, zero ids, a trailing part, spaces.
  { traceparent: `00-${TRACE.toUpperCase()}-${SPAN}-01` },
  { traceparent: `01-${TRACE}-${SPAN}-00-what-comes-next` },
  { traceparent: `00-${'0'.repeat(32)}-${SPAN}-01`, 'rpc_trace_context.sofaTraceId': SOFA_ID },
  { traceparent: `00-${TRACE}-${'0'.repeat(16)}-00` },
  { traceparent: `00-${TRACE}-${SPAN}-00-x` },
  { traceparent: ` 00-${TRACE}-${SPAN}-00` },
  { traceparent: 'garbage', b3: '0' },
  { traceparent: `00-${TRACE}-${SPAN}-00`, 'rpc_trace_context.sofaTraceId': SOFA_ID },
  { b3: '80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90' },
  { b3: '80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-0' },
  { 'x-b3-traceid': '80f198ee56343ba864fe8b2a57d3eff7', 'x-b3-spanid': 'e457b5a2e4d86bd1', 'x-b3-sampled': '0' },
  { 'rpc_trace_context.sofaTraceId': SOFA_ID, 'rpc_trace_context.sofaRpcId': '0', 'rpc_trace_context.samp': 'true' },
  { 'rpc_trace_context.sofaTraceId': '' },
  { 'rpc_trace_context.sofaTraceId': 'trace-idé-non-ascii' },
  { new_rpc_trace_context: `tcid=${SOFA_ID}&spid=0&pspid=&sample=true&` },
  { new_rpc_trace_context: `spid=0&tcid=${SOFA_ID}&` },
  { new_rpc_trace_context: `tcid=${SOFA_ID}&spid=0&tcid=7f000001&` },
  { new_rpc_trace_context: 'tcid=&spid=0&', 'rpc_trace_context.sofaTraceId': SOFA_ID },
  { new_rpc_trace_context: 'nothing=here&' },
];

/** More SOFATracer ids, so that each ratio samples some and not others. */
const SOFA_IDS = Array.from({ length: 200 }, (_, i) => `7f00000117000000000001${String(i).padStart(4, '0')}1234`);

function boltCall(headers: Record<string, string>): Invocation {
  const built = buildFrame({
    proto: 1, type: 1, cmdCode: 1, requestId: 7, codec: 1, timeout: 3000, className: 'com.alipay.sofa.rpc.core.request.SofaRequest',
    headers: new Map([['sofa_head_target_service', 'com.example.EchoService:1.0'], ['sofa_head_method_name', 'echo'], ...Object.entries(headers)]),
  });
  const frame = boltCodec.newDecoder(withLimits({})).push(Buffer.concat(boltCodec.encode(built)))[0] as BoltFrame;
  return { ...boltCodec.toInvocation(frame), frame };
}

function httpCall(headers: Record<string, string>): Invocation {
  const renamed = Object.fromEntries(
    Object.entries(headers).map(([key, value]) => [key === 'rpc_trace_context.sofaTraceId' ? 'sofa-traceid' : key.startsWith('rpc_trace_context.') ? `unused-${key}` : key, value]),
  );
  return { protocol: 'http1', service: { interface: 'echo' }, method: 'echo', attachments: renamed, oneway: false, body: { kind: 'empty' } };
}

/** A gRPC call whose head carries `headers` as HTTP/2 fields (SOFATracer's under gRPC's names), as the frame relay decodes them. */
function grpcCall(headers: Record<string, string>): Invocation {
  const fields = [':method', 'POST', ':path', '/echo.Echo/Say', 'content-type', 'application/grpc', 'te', 'trailers'];
  for (const [key, value] of Object.entries(httpCall(headers).attachments)) fields.push(key, value);
  return grpcInvocation(fields, new PassThrough(), 0);
}

/** The full reading's answer, as NOT_TRACED / SAMPLED / UNSAMPLED. */
function fullDecision(sampler: CallSampler, carrier: TraceCarrier, random: boolean): number {
  const incoming = extractTrace(carrier);
  if (!incoming.parent) return random ? SAMPLED : NOT_TRACED;
  return sampler.sampled(incoming) ? SAMPLED : UNSAMPLED;
}

describe('the sampling decision, first look against full reading', () => {
  const contexts = [...CONTEXTS, ...SOFA_IDS.map((id) => ({ 'rpc_trace_context.sofaTraceId': id })), ...SOFA_IDS.map((id) => ({ new_rpc_trace_context: `tcid=${id}&spid=0.1&` }))];

  it.each([0, 0.01, 0.3, 1])('decides alike at ratio %s, on Bolt frames, HTTP headers and gRPC heads', (ratio) => {
    const sampler = new CallSampler(ratio);
    let settled = 0;
    const decisions = new Set<number>();
    for (const [make, protocol] of [[boltCall, 'bolt'], [httpCall, 'http1'], [grpcCall, 'grpc']] as const) {
      for (const headers of contexts) {
        const carrier = incomingCarrier(make(headers), telemetryOf(protocol));
        // A call with no context is sampled by a random number: the same draw for both readings.
        const random = Math.random() < ratio;
        const spy = Math.random;
        Math.random = () => (random ? 0 : 1);
        let first: number;
        try {
          first = sampler.decide(carrier);
        } finally {
          Math.random = spy;
        }
        const full = fullDecision(sampler, carrier, random && ratio > 0);
        decisions.add(full);
        if (first === UNDECIDED) continue;
        settled++;
        expect(first, `${protocol} ${JSON.stringify(headers)}`).toBe(full);
      }
    }
    // Most contexts are settled on the first look; the control: at 1 %, every answer occurs (sampled: the W3C callers that said so).
    expect(settled).toBeGreaterThan(contexts.length);
    if (ratio === 0.01) expect(decisions).toEqual(new Set([SAMPLED, UNSAMPLED, NOT_TRACED]));
  });

  it('reads a gRPC head\'s trace entries from its fields as its attachments have them, a repeated field joined alike', () => {
    const fields = [':path', '/echo.Echo/Say', 'traceparent', `00-${TRACE}-${SPAN}-01`, 'sofa-traceid', SOFA_ID, 'x-b3-sampled', '1', 'x-b3-sampled', '0'];
    const carrier = incomingCarrier(grpcInvocation(fields, new PassThrough(), 0), telemetryOf('grpc'));
    const attachments = grpcInvocation(fields, new PassThrough(), 0).attachments;
    expect(carrier.get('traceparent')).toBe(attachments.traceparent);
    expect(carrier.get('sofa-trace-id')).toBe(SOFA_ID);
    expect(carrier.get('x-b3-sampled')).toBe(attachments['x-b3-sampled']);
    expect(carrier.get('x-b3-sampled')).toBe('1, 0');
    expect(carrier.get('sofa-sys-pen-attrs')).toBeUndefined();
    expect(carrier.get('b3')).toBeUndefined();
  });

  it('leaves B3 and malformed W3C to the full reading', () => {
    const sampler = new CallSampler(0.5);
    const decide = (headers: Record<string, string>): number => sampler.decide(incomingCarrier(httpCall(headers), telemetryOf('http1')));
    expect(decide({ b3: '80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1' })).toBe(UNDECIDED);
    expect(decide({ traceparent: `00-${TRACE.toUpperCase()}-${SPAN}-01` })).toBe(UNDECIDED);
    expect(decide({ traceparent: `00-${TRACE}-${SPAN}-01` })).toBe(SAMPLED);
    expect(decide({ traceparent: `00-${TRACE}-${SPAN}-00` })).toBe(UNSAMPLED);
  });
});

describe('the trace id hash', () => {
  it('is FNV-1a of the UTF-8 bytes, from a string or from bytes where they lie', () => {
    for (const text of [SOFA_ID, '', 'é', 'trace-idé-non-ascii', '日本']) {
      const bytes = Buffer.from(`xx${text}yy`);
      expect(fnv1aUtf8(text), text).toBe(fnv1aBytes(bytes, 2, bytes.length - 2));
    }
    // ASCII: the same as the hash of the characters, which decided sampling before.
    expect(fnv1aUtf8(SOFA_ID)).toBe(fnv1a(SOFA_ID));
  });

  it('Bolt hashes a SOFATracer id in the frame as its string would be hashed, non-ASCII included', () => {
    const carrier = incomingCarrier(boltCall({ 'rpc_trace_context.sofaTraceId': 'idé' }), telemetryOf('bolt'));
    expect(carrier.hash!('sofa-trace-id')).toBe(fnv1aUtf8(carrier.get('sofa-trace-id')!));
    expect(carrier.hash!('sofa-rpc-id')).toBeUndefined();
  });

  it('Bolt reads the entries of a frame that lies after another in one read', () => {
    const frames = (ids: string[]): Buffer[] =>
      ids.map((id) => Buffer.concat(boltCodec.encode(buildFrame({ proto: 1, type: 1, cmdCode: 1, requestId: 7, codec: 1, timeout: 3000, className: 'c', headers: new Map([['sofa_head_target_service', 'com.example.EchoService:1.0'], ['rpc_trace_context.sofaTraceId', id]]) }))));
    const decoded = boltCodec.newDecoder(withLimits({})).push(Buffer.concat(frames(['first-id', SOFA_ID]))) as BoltFrame[];
    const carrier = incomingCarrier({ ...boltCodec.toInvocation(decoded[1]!), frame: decoded[1] }, telemetryOf('bolt'));
    expect(carrier.get('sofa-trace-id')).toBe(SOFA_ID);
    expect(carrier.hash!('sofa-trace-id')).toBe(fnv1aUtf8(SOFA_ID));
  });
});
