/**
 * OpenTelemetry's BatchSpanProcessor with its queue bound kept in view: the SDK drops a
 * span that finds the queue full, but counts it only in a log line. This one applies the
 * same bound itself just before (spans queued = spans accepted - spans handed to the
 * exporter, which is what the SDK's queue holds), so each span it drops is counted as
 * `queue_full`; the SDK's own check then never drops.
 */
import { TraceFlags, type Context } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import { BatchSpanProcessor, type ReadableSpan, type Span, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { SpanResult } from '../core/index.js';

export interface BoundedBatchOptions {
  readonly queueSize: number;
  readonly batchSize: number;
  readonly flushIntervalMs: number;
  readonly exportTimeoutMs: number;
}

export class BoundedBatchProcessor implements SpanProcessor {
  readonly #inner: BatchSpanProcessor;
  readonly #queueSize: number;
  readonly #count: (result: SpanResult, spans: number) => void;
  #queued = 0;

  constructor(exporter: SpanExporter, options: BoundedBatchOptions, count: (result: SpanResult, spans: number) => void) {
    this.#queueSize = options.queueSize;
    this.#count = count;
    const handedOver: SpanExporter = {
      export: (spans: ReadableSpan[], done: (result: ExportResult) => void) => {
        this.#queued -= spans.length;
        exporter.export(spans, done);
      },
      shutdown: () => exporter.shutdown(),
      forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
    };
    this.#inner = new BatchSpanProcessor(handedOver, {
      maxQueueSize: options.queueSize,
      maxExportBatchSize: options.batchSize,
      scheduledDelayMillis: options.flushIntervalMs,
      exportTimeoutMillis: options.exportTimeoutMs,
    });
  }

  onStart(span: Span, context: Context): void {
    this.#inner.onStart(span, context);
  }

  onEnd(span: ReadableSpan): void {
    // The SDK queues sampled spans only (every span the call tracer starts is).
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    if (this.#queued >= this.#queueSize) {
      this.#count('queue_full', 1);
      return;
    }
    this.#queued++;
    this.#inner.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.#inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.#inner.shutdown();
  }
}
