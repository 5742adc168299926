/** What the sidecar's main thread and the export thread (export-worker.ts) say to each other. */
import type { SpanResult } from '../core/index.js';
import type { SpanRecord } from './exported-span.js';
import type { ExportOptions } from './exporters.js';

export interface ExportThreadData {
  readonly options: ExportOptions;
  /** One Int32: spans the export thread has taken from its messages (the main thread counts those it sent). */
  readonly taken: SharedArrayBuffer;
}

export type ToExportThread = { readonly spans: readonly SpanRecord[] } | { readonly shutdown: true };

export type FromExportThread = { readonly count: readonly [exporter: string, result: SpanResult, spans: number] } | { readonly closed: true };
