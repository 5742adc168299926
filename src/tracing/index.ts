/**
 * Tracing, loaded only when the config has a `tracing` section (the composition root
 * imports this module lazily, so a sidecar without it never loads the SDK).
 * OpenTelemetry's SDK makes the spans of sampled calls; the sampler (sampler.ts) keeps what
 * a W3C or B3 caller decided and samples other calls at `sampler`, before any span is
 * made; batches go to an OTLP/HTTP collector and/or a Zipkin v2 endpoint. Every queue is bounded and every export timed out, so a dead
 * collector costs dropped spans, never memory or latency of calls.
 */
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOnSampler, BasicTracerProvider, BatchSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { CallTracer, Logger, TraceFormat } from '../core/index.js';
import { OtelCallTracer } from './call-tracer.js';
import { OneInFlightExporter } from './one-in-flight.js';
import { CallSampler } from './sampler.js';

export interface TracingOptions {
  /** Share of new traces sampled, 0 to 1; a caller's decision is kept. */
  readonly sampler: number;
  readonly serviceName: string;
  readonly otlp?: { readonly endpoint: string };
  readonly zipkin?: { readonly endpoint: string };
  /** Formats written on every upstream call, besides those the caller used and the protocol's own. */
  readonly propagate: readonly TraceFormat[];
  readonly queueSize: number;
  readonly batchSize: number;
  readonly flushIntervalMs: number;
  readonly exportTimeoutMs: number;
}

export interface Tracing {
  readonly tracer: CallTracer;
  /** Spans dropped or lost in export, per exporter, for logs and metrics. */
  stats(): Record<string, { dropped: number; failed: number }>;
  /** Sends what is queued (within the export timeout) and stops. */
  shutdown(): Promise<void>;
}

export function startTracing(options: TracingOptions, log: Logger): Tracing {
  const exporters: Record<string, OneInFlightExporter> = {};
  if (options.otlp) {
    exporters.otlp = new OneInFlightExporter(new OTLPTraceExporter({ url: options.otlp.endpoint, timeoutMillis: options.exportTimeoutMs, concurrencyLimit: 1 }));
  }
  if (options.zipkin) exporters.zipkin = new OneInFlightExporter(new ZipkinExporter({ url: options.zipkin.endpoint, serviceName: options.serviceName }));
  const processors: SpanProcessor[] = Object.values(exporters).map((exporter: SpanExporter) => new BatchSpanProcessor(exporter, {
    maxQueueSize: options.queueSize,
    maxExportBatchSize: options.batchSize,
    scheduledDelayMillis: options.flushIntervalMs,
    exportTimeoutMillis: options.exportTimeoutMs,
  }));
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName }),
    // The call tracer decides sampling before it starts a span (sampler.ts): each span it starts is recorded.
    sampler: new AlwaysOnSampler(),
    spanProcessors: processors,
  });
  log.info({ sampler: options.sampler, otlp: options.otlp?.endpoint, zipkin: options.zipkin?.endpoint, propagate: options.propagate }, 'tracing on');
  return {
    tracer: new OtelCallTracer(provider.getTracer('pmesh'), new CallSampler(options.sampler), options.propagate),
    stats: () => Object.fromEntries(Object.entries(exporters).map(([name, exporter]) => [name, { dropped: exporter.dropped, failed: exporter.failed }])),
    async shutdown() {
      await Promise.race([provider.shutdown().catch(() => {}), new Promise((resolve) => setTimeout(resolve, options.exportTimeoutMs).unref())]);
    },
  };
}
