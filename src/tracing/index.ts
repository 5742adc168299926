/**
 * Tracing, loaded only when the config has a `tracing` section (the composition root
 * imports this module lazily, so a sidecar without it never loads the SDK).
 * The call tracer records the spans of sampled calls; the sampler (sampler.ts) keeps what
 * a W3C or B3 caller decided and samples other calls at `sampler`, before any span is
 * made. Sampled spans go to the export thread (export-thread.ts), where OpenTelemetry's SDK
 * batches them and exports them to an OTLP/HTTP collector (protobuf, or JSON) and/or a
 * Zipkin v2 endpoint. Every queue is bounded and every export timed out, so a dead
 * collector costs dropped spans, never memory or latency of calls.
 */
import type { CallTracer, Logger, TraceFormat } from '../core/index.js';
import { OtelCallTracer } from './call-tracer.js';
import { ExportThread } from './export-thread.js';
import { exporterNames, type ExportOptions } from './exporters.js';
import { SpanRecorder } from './recorded-span.js';
import { CallSampler } from './sampler.js';
import type { SpanCounter } from './span-counts.js';

export type { SpanCounter } from './span-counts.js';

export interface TracingOptions extends ExportOptions {
  /** Share of new traces sampled, 0 to 1; a caller's decision is kept. */
  readonly sampler: number;
  /** Formats written on every upstream call, besides those the caller used and the protocol's own. */
  readonly propagate: readonly TraceFormat[];
}

export interface Tracing {
  readonly tracer: CallTracer;
  /** Sends what is queued (within the export timeout) and stops. */
  shutdown(): Promise<void>;
}

/** `count` hears what became of the spans, per exporter (exported or why dropped), for the metrics. */
export function startTracing(options: TracingOptions, log: Logger, count: SpanCounter = () => {}): Tracing {
  // No exporter: spans are still recorded (the ids propagate), then dropped.
  const exports = exporterNames(options).length > 0 ? new ExportThread(exportOptions(options), log, count) : undefined;
  const recorder = new SpanRecorder(exports ? exports.take : () => {});
  log.info({ sampler: options.sampler, otlp: options.otlp?.endpoint, zipkin: options.zipkin?.endpoint, propagate: options.propagate }, 'tracing on');
  return {
    tracer: new OtelCallTracer(recorder, new CallSampler(options.sampler), options.propagate),
    async shutdown() {
      await exports?.shutdown(options.exportTimeoutMs).catch(() => {});
    },
  };
}

/** What the export thread is given: plain data (a worker's message copies it), none of the sampling. */
function exportOptions(options: TracingOptions): ExportOptions {
  const { serviceName, otlp, zipkin, queueSize, batchSize, flushIntervalMs, exportTimeoutMs } = options;
  return { serviceName, ...(otlp ? { otlp: { ...otlp } } : {}), ...(zipkin ? { zipkin: { ...zipkin } } : {}), queueSize, batchSize, flushIntervalMs, exportTimeoutMs };
}
