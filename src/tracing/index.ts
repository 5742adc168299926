/**
 * Tracing, loaded only when the config has a `tracing` section (the composition root
 * imports this module lazily, so a sidecar without it never loads the SDK).
 * The call tracer records the spans of sampled calls and OpenTelemetry's SDK batches and
 * exports them; the sampler (sampler.ts) keeps what
 * a W3C or B3 caller decided and samples other calls at `sampler`, before any span is
 * made; batches go to an OTLP/HTTP collector (protobuf, or JSON) and/or a Zipkin v2 endpoint. Every queue is bounded and every export timed out, so a dead
 * collector costs dropped spans, never memory or latency of calls.
 */
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { CallTracer, Logger, SpanResult, TraceFormat } from '../core/index.js';
import { OtelCallTracer } from './call-tracer.js';
import { BoundedBatchProcessor } from './bounded-processor.js';
import { OneInFlightExporter } from './one-in-flight.js';
import { ENCODINGS, OtlpPostExporter, type CollectorPostFactory, type OtlpEncoding } from './otlp-exporter.js';
import { SpanRecorder } from './recorded-span.js';
import { CallSampler } from './sampler.js';
import type { SpanCounter } from './span-counts.js';

export type { SpanCounter } from './span-counts.js';
export type { CollectorPost, CollectorPostFactory } from './otlp-exporter.js';

export interface TracingOptions {
  /** Share of new traces sampled, 0 to 1; a caller's decision is kept. */
  readonly sampler: number;
  readonly serviceName: string;
  readonly otlp?: { readonly endpoint: string; readonly protocol?: OtlpEncoding };
  readonly zipkin?: { readonly endpoint: string };
  /** Formats written on every upstream call, besides those the caller used and the protocol's own. */
  readonly propagate: readonly TraceFormat[];
  readonly queueSize: number;
  readonly batchSize: number;
  readonly flushIntervalMs: number;
  readonly exportTimeoutMs: number;
}

/**
 * Protobuf unless JSON is asked for: what collectors expect by default, and its encoder costs
 * a sampled call a third less than JSON's. The SDK's own exporters (and Zipkin's, below) are
 * loaded only when used: with their HTTP transport they are 300 KB of old space, and every KB a
 * sidecar keeps there makes its full GCs come sooner under load (docs/tracing.md, "Issue 12,
 * ninth round").
 */
async function otlpExporter(otlp: NonNullable<TracingOptions['otlp']>, timeoutMs: number, postTo: CollectorPostFactory | undefined): Promise<SpanExporter> {
  const encoding = otlp.protocol ?? 'http/protobuf';
  const post = postTo?.(otlp.endpoint, ENCODINGS[encoding].contentType);
  if (post) return new OtlpPostExporter(post, encoding, timeoutMs);
  const { OTLPTraceExporter } = encoding === 'http/json' ? await import('@opentelemetry/exporter-trace-otlp-http') : await import('@opentelemetry/exporter-trace-otlp-proto');
  return new OTLPTraceExporter({ url: otlp.endpoint, timeoutMillis: timeoutMs, concurrencyLimit: 1 });
}

async function zipkinExporter(zipkin: NonNullable<TracingOptions['zipkin']>, serviceName: string): Promise<SpanExporter> {
  const { ZipkinExporter } = await import('@opentelemetry/exporter-zipkin');
  return new ZipkinExporter({ url: zipkin.endpoint, serviceName });
}

export interface Tracing {
  readonly tracer: CallTracer;
  /** Sends what is queued (within the export timeout) and stops. */
  shutdown(): Promise<void>;
}

/**
 * `count` hears what became of the spans, per exporter (exported or why dropped), for the
 * metrics. `postTo` sends OTLP exports on the sidecar's own HTTP/1 client where it can (an
 * http:// endpoint; otlp-exporter.ts); elsewhere the SDK's exporter sends them.
 */
export async function startTracing(options: TracingOptions, log: Logger, count: SpanCounter = () => {}, postTo?: CollectorPostFactory): Promise<Tracing> {
  const exporters: Record<string, SpanExporter> = {};
  if (options.otlp) exporters.otlp = await otlpExporter(options.otlp, options.exportTimeoutMs, postTo);
  if (options.zipkin) exporters.zipkin = await zipkinExporter(options.zipkin, options.serviceName);
  const processors: SpanProcessor[] = Object.entries(exporters).map(([name, exporter]) => {
    const counted = (result: SpanResult, spans: number): void => count(name, result, spans);
    return new BoundedBatchProcessor(new OneInFlightExporter(exporter, counted), options, counted);
  });
  // The call tracer records sampled calls' spans itself (recorded-span.ts); the SDK's processors batch them and its exporters send them.
  const recorder = new SpanRecorder(resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName }), { name: 'pmesh' }, processors);
  log.info({ sampler: options.sampler, otlp: options.otlp?.endpoint, zipkin: options.zipkin?.endpoint, propagate: options.propagate }, 'tracing on');
  return {
    tracer: new OtelCallTracer(recorder, new CallSampler(options.sampler), options.propagate),
    async shutdown() {
      await Promise.race([recorder.shutdown().catch(() => {}), new Promise((resolve) => setTimeout(resolve, options.exportTimeoutMs).unref())]);
    },
  };
}
