/**
 * What became of the spans each exporter was given, for the metrics
 * (`pmesh_tracing_spans_exported_total`, `pmesh_tracing_spans_dropped_total`): exported,
 * or dropped for a reason (core's SpanDropReason). Counted where it happens, off the call
 * path: a dropped span when it ends, a batch when its export ends.
 */
import type { SpanResult } from '../core/index.js';

/** Told how many spans of an exporter ended how. */
export type SpanCounter = (exporter: string, result: SpanResult, spans: number) => void;
