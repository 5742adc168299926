/**
 * An exporter that sends one batch at a time: a batch that comes while the last is still
 * on its way is dropped and counted. The batch processor already bounds its queue and
 * times an export out, but it starts the next export after a timeout whether or not the
 * last request ended; a collector that accepts connections and never answers would then
 * hold ever more requests (the Zipkin exporter sets no timeout of its own).
 */
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { SpanResult } from '../core/index.js';

export class OneInFlightExporter implements SpanExporter {
  readonly #inner: SpanExporter;
  readonly #count: (result: SpanResult, spans: number) => void;
  #busy = false;

  /** `count` hears of every batch: exported, dropped while busy, or failed. */
  constructor(inner: SpanExporter, count: (result: SpanResult, spans: number) => void) {
    this.#inner = inner;
    this.#count = count;
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    if (this.#busy) {
      this.#count('export_busy', spans.length);
      done({ code: ExportResultCode.FAILED, error: new Error('the last batch is still being exported') });
      return;
    }
    this.#busy = true;
    this.#inner.export(spans, (result) => {
      this.#busy = false;
      this.#count(result.code === ExportResultCode.SUCCESS ? 'exported' : 'export_failed', spans.length);
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.#inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.#inner.forceFlush?.() ?? Promise.resolve();
  }
}
