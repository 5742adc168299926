/**
 * The OpenTelemetry SDK's exporters a tracing config asks for (OTLP/HTTP in protobuf or
 * JSON, Zipkin v2), each behind a bounded batch processor (bounded-processor.ts) and one
 * request in flight at a time (one-in-flight.ts). They run in the export thread
 * (export-worker.ts), never beside the calls.
 */
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { SpanResult } from '../core/index.js';
import { BoundedBatchProcessor, type BoundedBatchOptions } from './bounded-processor.js';
import { OneInFlightExporter } from './one-in-flight.js';
import type { SpanCounter } from './span-counts.js';

/** What the export thread needs of the tracing config. */
export interface ExportOptions extends BoundedBatchOptions {
  readonly serviceName: string;
  readonly otlp?: { readonly endpoint: string; readonly protocol?: 'http/protobuf' | 'http/json' };
  readonly zipkin?: { readonly endpoint: string };
}

/** The names of the exporters `options` asks for, as the metrics label them. */
export function exporterNames(options: ExportOptions): string[] {
  return [...(options.otlp ? ['otlp'] : []), ...(options.zipkin ? ['zipkin'] : [])];
}

/** One processor per exporter asked for; `count` hears what became of their spans. */
export function exportProcessors(options: ExportOptions, count: SpanCounter): SpanProcessor[] {
  const exporters: Record<string, SpanExporter> = {};
  if (options.otlp) {
    // Protobuf unless JSON is asked for: what collectors expect by default, and its encoder costs a third less than JSON's.
    const Exporter = options.otlp.protocol === 'http/json' ? OtlpJsonExporter : OtlpProtobufExporter;
    exporters.otlp = new Exporter({ url: options.otlp.endpoint, timeoutMillis: options.exportTimeoutMs, concurrencyLimit: 1 });
  }
  if (options.zipkin) exporters.zipkin = new ZipkinExporter({ url: options.zipkin.endpoint, serviceName: options.serviceName });
  return Object.entries(exporters).map(([name, exporter]) => {
    const counted = (result: SpanResult, spans: number): void => count(name, result, spans);
    return new BoundedBatchProcessor(new OneInFlightExporter(exporter, counted), options, counted);
  });
}
