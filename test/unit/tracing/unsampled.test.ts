/**
 * An unsampled call through the tracing filters: no span is started, and the frame that
 * reaches the cluster is the one that came in, byte for byte (Bolt from SOFARPC's Java
 * client with SOFATracer's fields, and with no context; Dubbo from Dubbo 3.3). A sampled
 * call on the same frames is the control: spans, and a frame that carries new ids. An
 * unsampled call that changes protocol carries its caller's context as it came.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it, vi } from 'vitest';
import { setupProtocols, telemetryOf } from '../../../src/codecs/index.js';

// Each protocol's telemetry is part of its plug-in: the registry must know them.
setupProtocols();
import { boltCodec, type BoltFrame } from '../../../src/codecs/bolt/index.js';
import { ReceivedFrame } from '../../../src/codecs/bolt/frame.js';
import { FoundHeaders } from '../../../src/codecs/bolt/headers.js';
import { withHeaders } from '../../../src/codecs/bolt/telemetry.js';
import { dubboCodec, type DubboFrame } from '../../../src/codecs/dubbo/index.js';
import { GrpcRequestHead, grpcInvocation } from '../../../src/codecs/grpc/invocation.js';
import { Cancel, withLimits, type Invocation, type ProtocolTelemetry, type Result, type TraceKey } from '../../../src/core/index.js';
import { compose, observeCalls, type CallContext, type Handler } from '../../../src/proxy/filter.js';
import { attemptSpanFilter, serverSpanFilter } from '../../../src/proxy/filters/tracing.js';
import { OtelCallTracer } from '../../../src/tracing/call-tracer.js';
import { SpanRecorder } from '../../../src/tracing/recorded-span.js';
import { CallSampler } from '../../../src/tracing/sampler.js';
import { decodeOne, golden as dubboGolden } from '../codecs/dubbo/helpers.js';

const ANSWER: Result = { status: 'ok', protocolStatus: 0, attachments: {}, body: { kind: 'empty' } };
const SILENT = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {}, child: () => SILENT } as unknown as CallContext['log'];

/** Spans recorded into `spans`, through the SDK's processor as the sidecar's go through its batch processor. */
const recorderInto = (spans: InMemorySpanExporter): SpanRecorder => new SpanRecorder(resourceFromAttributes({}), { name: 'test' }, [new SimpleSpanProcessor(spans)]);

/** The tracing filters at `ratio` around a cluster that records what it was sent; spans go to memory. */
function tracedPath(ratio: number): { handler: Handler; sent: Invocation[]; spans: InMemorySpanExporter; ctx: () => CallContext } {
  const spans = new InMemorySpanExporter();
  const tracer = new OtelCallTracer(recorderInto(spans), new CallSampler(ratio), ['w3c']);
  const sent: Invocation[] = [];
  const cluster: Handler = (invocation) => {
    sent.push(invocation);
    return Promise.resolve(ANSWER);
  };
  const handler = compose([observeCalls([]), serverSpanFilter({ tracer, telemetry: telemetryOf }), attemptSpanFilter({ telemetry: telemetryOf })], cluster);
  return { handler, sent, spans, ctx: () => ({ listener: 'in', startedAt: 0, log: SILENT, cancel: new Cancel(), cluster: 'out' }) };
}

function boltGolden(name: string): { bytes: Buffer; invocation: Invocation } {
  const bytes = readFileSync(join(import.meta.dirname, `../../golden/bolt/${name}.bin`));
  const frame = boltCodec.newDecoder(withLimits({})).push(bytes)[0] as BoltFrame;
  return { bytes, invocation: { ...boltCodec.toInvocation(frame), frame } };
}

const boltBytes = (invocation: Invocation): Buffer => Buffer.concat(boltCodec.encode(invocation.frame as BoltFrame));

describe('an unsampled call', () => {
  it('Bolt with SOFATracer\'s context: no span, the frame forwarded byte for byte', async () => {
    const { bytes, invocation } = boltGolden('v1-echo-request');
    expect(invocation.attachments['rpc_trace_context.sofaTraceId']).toBe('7f0000011700000000000100142424');
    const path = tracedPath(0);
    const ctx = path.ctx();
    await path.handler(invocation, ctx);
    expect(path.sent).toHaveLength(1);
    expect(path.sent[0]).toBe(invocation);
    expect(boltBytes(path.sent[0]!)).toEqual(bytes);
    expect(path.spans.getFinishedSpans()).toHaveLength(0);
    // The access log still gets the caller's trace (SOFATracer's id, as the backend names it), with no span of ours.
    expect(ctx.span).toMatchObject({ recording: false, traceId: '007f0000011700000000000100142424' });
    expect(ctx.span?.spanId).toBeUndefined();
  });

  it('Bolt: the caller\'s context is read from the header bytes, without building every attachment', async () => {
    const frame = boltCodec.newDecoder(withLimits({})).push(boltGolden('v1-echo-request').bytes)[0] as BoltFrame;
    let attachmentReads = 0;
    const invocation = new Proxy(boltCodec.toInvocation(frame), {
      get(target, property, receiver) {
        if (property === 'attachments') attachmentReads += 1;
        return Reflect.get(target, property, receiver) as unknown;
      },
    });
    const path = tracedPath(0);
    const ctx = path.ctx();
    await path.handler(invocation, ctx);
    expect(ctx.span).toMatchObject({ recording: false, traceId: '007f0000011700000000000100142424' });
    expect(attachmentReads).toBe(0);
  });

  it('Bolt with no context: no span, no trace in the log, the frame byte for byte', async () => {
    const { bytes, invocation } = boltGolden('v2-ver1-echo-request');
    const path = tracedPath(0);
    const ctx = path.ctx();
    await path.handler(invocation, ctx);
    expect(path.sent[0]).toBe(invocation);
    expect(boltBytes(path.sent[0]!)).toEqual(bytes);
    expect(path.spans.getFinishedSpans()).toHaveLength(0);
    expect(ctx.span).toBeUndefined();
  });

  it('Dubbo: no span, the frame byte for byte', async () => {
    const bytes = dubboGolden('echo-request');
    const frame = decodeOne(bytes);
    const invocation = { ...dubboCodec.toInvocation(frame), frame };
    const path = tracedPath(0);
    await path.handler(invocation, path.ctx());
    expect(Buffer.concat(dubboCodec.encode(path.sent[0]!.frame as DubboFrame))).toEqual(bytes);
    expect(path.spans.getFinishedSpans()).toHaveLength(0);
  });

  it('a W3C caller that said "not sampled" is obeyed at any ratio; a bridged call carries its context as it came', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00';
    const http: Invocation = { protocol: 'http1', service: { interface: 'com.example.EchoService' }, method: 'echo', attachments: { traceparent, tracestate: 'congo=t61rcWkgMzE' }, oneway: false, body: { kind: 'empty' } };
    const path = tracedPath(1);
    await path.handler(http, path.ctx());
    expect(path.sent[0]).toBe(http);
    // Bridged to Dubbo: the bridge hands the attempt a call of the upstream's protocol.
    const bridge = (next: Handler): Handler => (invocation, ctx) => next({ ...invocation, protocol: 'dubbo', attachments: {} }, ctx);
    const spans = new InMemorySpanExporter();
    const tracer = new OtelCallTracer(recorderInto(spans), new CallSampler(1), ['w3c', 'b3']);
    const sent: Invocation[] = [];
    const handler = compose([observeCalls([]), serverSpanFilter({ tracer, telemetry: telemetryOf }), bridge, attemptSpanFilter({ telemetry: telemetryOf })], (invocation) => {
      sent.push(invocation);
      return Promise.resolve(ANSWER);
    });
    await handler(http, path.ctx());
    expect(sent[0]!.attachments).toEqual({ traceparent, tracestate: 'congo=t61rcWkgMzE' });
    expect(spans.getFinishedSpans()).toHaveLength(0);
  });
});

/**
 * What deciding an unsampled Bolt call does, counted: the entries read, the protocol
 * telemetry looked up, the spans started, the frame rewrites, the header map or
 * attachments built. A change that makes the
 * unsampled path read the whole context, build a map or start a span fails here.
 */
function countedPath(ratio: number, keep = false): { handler: Handler; counts: { reads: number; hashes: number; lookups: number; spans: number; rewrites: number }; sent: Invocation[] } {
  const counts = { reads: 0, hashes: 0, lookups: 0, spans: 0, rewrites: 0 };
  const recorder = recorderInto(new InMemorySpanExporter());
  const start = recorder.start.bind(recorder);
  recorder.start = (...args) => (counts.spans++, start(...args));
  const tracer = new OtelCallTracer(recorder, new CallSampler(ratio), ['w3c']);
  const counted = (protocol: string): ProtocolTelemetry => {
    counts.lookups++;
    const telemetry = telemetryOf(protocol);
    return {
      ...telemetry,
      incomingTrace(invocation) {
        const carrier = telemetry.incomingTrace!(invocation);
        const hash = carrier.hash?.bind(carrier);
        return { get: (key: TraceKey) => (counts.reads++, carrier.get(key)), hash: hash && ((key: TraceKey) => (counts.hashes++, hash(key))) };
      },
      withTrace(invocation, entries) {
        counts.rewrites++;
        return telemetry.withTrace(invocation, entries);
      },
    };
  };
  const sent: Invocation[] = [];
  const handler = compose([observeCalls([]), serverSpanFilter({ tracer, telemetry: counted }), attemptSpanFilter({ telemetry: counted })], (invocation) => {
    if (keep) sent.push(invocation);
    return Promise.resolve(ANSWER);
  });
  return { handler, counts, sent };
}

describe('the unsampled path, counted', () => {
  const ctx = (): CallContext => ({ listener: 'in', startedAt: 0, log: SILENT, cancel: new Cancel(), cluster: 'out' });

  it.each([
    ['SOFATracer\'s fields (a SOFARPC app)', 'v1-echo-request'],
    ['no context', 'v2-ver1-echo-request'],
  ])('Bolt with %s: four entries read and one hashed, the telemetry looked up once, no span, no rewrite, no header map or attachments built', async (_, golden) => {
    const frame = boltCodec.newDecoder(withLimits({})).push(boltGolden(golden).bytes)[0] as BoltFrame;
    const invocation = { ...boltCodec.toInvocation(frame), frame };
    const headerMaps = vi.spyOn(ReceivedFrame.prototype, 'headers', 'get');
    const attachments = vi.spyOn(invocation, 'attachments', 'get');
    try {
      const path = countedPath(0);
      for (let i = 0; i < 10; i++) await path.handler(invocation, ctx());
      // The decision reads traceparent, b3, x-b3-traceid and SOFATracer's one-string form (all absent), and hashes its trace id where it lies: no more.
      // The attempt filter does not look the protocol's telemetry up again for a call that goes on as it came.
      expect(path.counts).toEqual({ reads: 40, hashes: 10, lookups: 10, spans: 0, rewrites: 0 });
      expect(headerMaps).not.toHaveBeenCalled();
      expect(attachments).not.toHaveBeenCalled();
      // The entries found in the header bytes are the carrier itself: one object per call, no wrapper around them.
      expect(telemetryOf('bolt').incomingTrace!(invocation)).toBeInstanceOf(FoundHeaders);
    } finally {
      headerMaps.mockRestore();
    }
  });

  it('gRPC: deciding an unsampled call, with a W3C context (not sampled) or none, makes no header object of its head', async () => {
    const headerObjects = vi.spyOn(GrpcRequestHead.prototype, 'headers', 'get');
    try {
      const path = countedPath(0);
      for (const context of [[], ['traceparent', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00']]) {
        const call = grpcInvocation([':path', '/echo.Echo/Say', 'content-type', 'application/grpc', ...context], new PassThrough(), 0);
        await path.handler(call, ctx());
      }
      expect(path.counts).toMatchObject({ spans: 0, rewrites: 0 });
      expect(path.counts.reads).toBeGreaterThan(0);
      expect(headerObjects).not.toHaveBeenCalled();
    } finally {
      headerObjects.mockRestore();
    }
  });

  it('the control: a sampled call reads the whole context, starts two spans and rewrites its frame, still without building a header map', async () => {
    const { invocation } = boltGolden('v1-echo-request');
    const traced = withHeaders(invocation.frame as BoltFrame, [['rpc_trace_context.sofaTraceId', '7f0000011700000000000100142425']]);
    const tracedCall = { ...boltCodec.toInvocation(traced), frame: traced };
    const headerMaps = vi.spyOn(ReceivedFrame.prototype, 'headers', 'get');
    try {
      const path = countedPath(1, true);
      await path.handler(tracedCall, ctx());
      expect(path.counts.reads).toBeGreaterThan(5);
      expect(path.counts).toMatchObject({ lookups: 2, spans: 2, rewrites: 1 });
      expect(headerMaps).not.toHaveBeenCalled();
      // The traced call has one shape whatever the call it came from: every field its own (none spread in when present), attachments merged only when read.
      const sent = path.sent[0]!;
      expect(Object.keys(sent).sort()).toEqual(['argTypes', 'body', 'deadline', 'frame', 'method', 'oneway', 'protocol', 'service']);
      expect(sent.deadline).toBe(tracedCall.deadline);
      expect(headerMaps).not.toHaveBeenCalled();
      expect(sent.attachments['rpc_trace_context.sofaTraceId']).toBe('7f0000011700000000000100142425');
      expect(sent.attachments.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    } finally {
      headerMaps.mockRestore();
    }
  });
});

describe('a sampled call (the control)', () => {
  it('Bolt with SOFATracer\'s context: a server and an attempt span, and the frame carries the attempt\'s id', async () => {
    const { bytes, invocation } = boltGolden('v1-echo-request');
    const path = tracedPath(1);
    await path.handler(invocation, path.ctx());
    const finished = path.spans.getFinishedSpans();
    expect(finished).toHaveLength(2);
    const attempt = finished.find((span) => span.parentSpanContext?.spanId === finished.find((s) => s !== span)?.spanContext().spanId)!;
    expect(boltBytes(path.sent[0]!)).not.toEqual(bytes);
    expect((path.sent[0]!.frame as BoltFrame).headers.get('traceparent')).toBe(`00-${attempt.spanContext().traceId}-${attempt.spanContext().spanId}-01`);
    // SOFATracer's own fields go on as they came.
    expect((path.sent[0]!.frame as BoltFrame).headers.get('rpc_trace_context.sofaTraceId')).toBe('7f0000011700000000000100142424');
  });
});
