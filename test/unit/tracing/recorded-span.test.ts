/**
 * The spans the call tracer records itself, as the SDK's processors and exporters read
 * them (ReadableSpan): a sampled call's server span and attempt span with their parent
 * links, kinds, attributes, status and times, and the sidecar's resource.
 */
import { SpanKind, SpanStatusCode, TraceFlags } from '@opentelemetry/api';
import { hrTimeToNanoseconds } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { setupProtocols, telemetryOf } from '../../../src/codecs/index.js';
import { Cancel, MeshError, NOOP_METRICS, type Invocation, type Result } from '../../../src/core/index.js';
import { compose, observeCalls, type AttemptBook, type CallContext, type Handler } from '../../../src/proxy/filter.js';
import { retryFilter } from '../../../src/proxy/filters/retry.js';
import { attemptSpanFilter, serverSpanFilter } from '../../../src/proxy/filters/tracing.js';
import { OtelCallTracer } from '../../../src/tracing/call-tracer.js';
import { SpanRecorder } from '../../../src/tracing/recorded-span.js';
import { CallSampler } from '../../../src/tracing/sampler.js';

setupProtocols();

const SILENT = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {}, child: () => SILENT } as unknown as CallContext['log'];
const PARENT = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' };
const CALL: Invocation = {
  protocol: 'dubbo',
  service: { interface: 'com.example.EchoService', version: '1.0' },
  method: 'echo',
  attachments: { traceparent: `00-${PARENT.traceId}-${PARENT.spanId}-01`, tracestate: 'congo=t61rcWkgMzE' },
  oneway: false,
  body: { kind: 'raw', serialization: 2, bytes: Buffer.alloc(10) },
};

function tracedStack(cluster: Handler, withRetries = false): { handler: Handler; spans: InMemorySpanExporter } {
  const spans = new InMemorySpanExporter();
  const recorder = new SpanRecorder(resourceFromAttributes({ 'service.name': 'sidecar-a' }), { name: 'pmesh' }, [new SimpleSpanProcessor(spans)]);
  const server = serverSpanFilter({ tracer: new OtelCallTracer(recorder, new CallSampler(1), []), telemetry: telemetryOf });
  const retries = retryFilter({ metrics: NOOP_METRICS, retrySlot: () => undefined });
  const handler = compose([observeCalls([]), server, ...(withRetries ? [retries] : []), attemptSpanFilter({ telemetry: telemetryOf })], cluster);
  return { handler, spans };
}

const callContext = (): CallContext => ({ listener: 'in', startedAt: 0, log: SILENT, cancel: new Cancel(), cluster: 'echo' });

async function traced(cluster: Handler): Promise<ReadableSpan[]> {
  const { handler, spans } = tracedStack(cluster);
  await handler(CALL, callContext()).catch(() => undefined);
  return spans.getFinishedSpans();
}

const byKind = (spans: ReadableSpan[], kind: SpanKind): ReadableSpan => spans.find((span) => span.kind === kind)!;

describe('a recorded span', () => {
  it('reads as the SDK\'s spans do: kinds, parents, attributes, times and the resource', async () => {
    const answer: Result = { status: 'ok', protocolStatus: 20, attachments: {}, body: { kind: 'raw', serialization: 2, bytes: Buffer.alloc(7) } };
    const spans = await traced(() => new Promise((resolve) => setTimeout(() => resolve(answer), 5)));
    expect(spans).toHaveLength(2);
    const server = byKind(spans, SpanKind.SERVER);
    const client = byKind(spans, SpanKind.CLIENT);
    expect(server.name).toBe('com.example.EchoService/echo');
    expect(server.parentSpanContext).toMatchObject({ ...PARENT, isRemote: true });
    expect(server.spanContext()).toMatchObject({ traceId: PARENT.traceId, traceFlags: TraceFlags.SAMPLED, isRemote: false });
    expect(server.spanContext().traceState?.serialize()).toBe('congo=t61rcWkgMzE');
    expect(client.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
    expect(client.spanContext().traceId).toBe(PARENT.traceId);
    expect(client.spanContext().spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(server.attributes).toMatchObject({ 'rpc.system': 'dubbo', 'rpc.service': 'com.example.EchoService', 'rpc.method': 'echo', 'pmesh.service.version': '1.0', 'pmesh.request.bytes': 10, 'pmesh.listener': 'in', 'pmesh.status': 20, 'pmesh.response.bytes': 7 });
    expect(client.attributes).toMatchObject({ 'pmesh.attempt': 1, 'pmesh.cluster': 'echo', 'pmesh.status': 20 });
    expect(server.status.code).toBe(SpanStatusCode.UNSET);
    expect(server.ended).toBe(true);
    // Wall-clock times: the call took the 5 ms the cluster waited, and started about now.
    const duration = hrTimeToNanoseconds(server.duration);
    // (Nanoseconds since 1970 are past a double's integers: compared to the microsecond.)
    expect(Math.abs(duration - (hrTimeToNanoseconds(server.endTime) - hrTimeToNanoseconds(server.startTime)))).toBeLessThan(1_000);
    expect(duration).toBeGreaterThanOrEqual(4e6);
    expect(Math.abs(hrTimeToNanoseconds(server.startTime) / 1e6 - Date.now())).toBeLessThan(60_000);
    // Whole microseconds: Zipkin's JSON refuses a batch with a fractional timestamp.
    for (const time of [server.startTime, server.endTime, server.duration]) expect(time[1] % 1_000).toBe(0);
    expect(server.resource.attributes['service.name']).toBe('sidecar-a');
    expect(server.instrumentationScope.name).toBe('pmesh');
    expect([server.links, server.events, server.droppedAttributesCount]).toEqual([[], [], 0]);
  });

  it('marks a failed call an error, with the mesh\'s reason', async () => {
    const spans = await traced(() => Promise.reject(new MeshError('PMESH_UPSTREAM_TIMEOUT', 'too slow')));
    for (const span of spans) {
      expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'PMESH_UPSTREAM_TIMEOUT' });
      expect(span.attributes['pmesh.reason']).toBe('PMESH_UPSTREAM_TIMEOUT');
    }
    expect(spans).toHaveLength(2);
  });

  it('in the stack\'s order, ends each attempt\'s span with its books, and the server span when the call ends', async () => {
    // The cluster as it sends: it opens the attempt's books on the context, and the retry step closes them.
    const booksClosed: string[] = [];
    const answer: Result = { status: 'ok', protocolStatus: 20, attachments: {}, body: { kind: 'raw', serialization: 2, bytes: Buffer.alloc(3) } };
    let sent = 0;
    const cluster: Handler = (_invocation, ctx) => {
      const attempt = ++sent;
      const books: AttemptBook = { attemptEnded: (_ctx, result, error) => booksClosed.push(`${attempt}: ${result ? result.status : error!.reason}`) };
      ctx.attemptBook = books;
      ctx.endpoint = `10.0.0.${attempt}:12200`;
      if (attempt === 1) return Promise.reject(new MeshError('PMESH_UPSTREAM_CONNECT_FAILED', 'refused'));
      return new Promise((resolve) => setTimeout(() => resolve(answer), 5));
    };
    const { handler, spans } = tracedStack(cluster, true);
    await expect(handler(CALL, callContext())).resolves.toBe(answer);
    expect(booksClosed).toEqual(['1: PMESH_UPSTREAM_CONNECT_FAILED', '2: ok']);
    const finished = spans.getFinishedSpans();
    expect(finished).toHaveLength(3);
    const attempts = finished.filter((span) => span.kind === SpanKind.CLIENT).sort((a, b) => Number(a.attributes['pmesh.attempt']) - Number(b.attributes['pmesh.attempt']));
    expect(attempts.map((span) => [span.attributes['pmesh.attempt'], span.attributes['pmesh.endpoint'], span.status.code])).toEqual([
      [1, '10.0.0.1:12200', SpanStatusCode.ERROR],
      [2, '10.0.0.2:12200', SpanStatusCode.UNSET],
    ]);
    expect(attempts[0]!.attributes['pmesh.reason']).toBe('PMESH_UPSTREAM_CONNECT_FAILED');
    const server = byKind(finished, SpanKind.SERVER);
    expect(server.attributes).toMatchObject({ 'pmesh.status': 20, 'pmesh.response.bytes': 3, 'pmesh.endpoint': '10.0.0.2:12200' });
    for (const attempt of attempts) expect(attempt.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
  });
});
