/**
 * What tracing and the access log need to know of a protocol, without the proxy knowing
 * the protocol (docs/tracing.md). Each protocol folder gives one `ProtocolTelemetry`:
 * where it carries the keys of the trace propagation formats, how to write them into a
 * call (its headers, header map or attachments, and the frame that is forwarded), and
 * which status its own reply carries for a mesh error.
 */
import type { MeshError } from './errors.js';
import type { Invocation, Result } from './invocation.js';

/**
 * Neutral names of the keys the propagation formats use. W3C and B3 keys are their
 * header names; the `sofa-*` ones stand for SOFATracer's fields, which each protocol
 * spells its own way (Bolt's `rpc_trace_context.sofaTraceId`, HTTP's `SOFA-TraceId`).
 */
export type TraceKey =
  | 'traceparent'
  | 'tracestate'
  | 'b3'
  | 'x-b3-traceid'
  | 'x-b3-spanid'
  | 'x-b3-parentspanid'
  | 'x-b3-sampled'
  | 'x-b3-flags'
  /** SOFATracer's trace id (any string; 30 characters from its generator). */
  | 'sofa-trace-id'
  /** SOFATracer's span id, a dotted path (`0`, `0.1`, `0.1.2`). */
  | 'sofa-rpc-id'
  /** SOFATracer's business baggage, `k=v&k=v&`. */
  | 'sofa-pen-attrs'
  /** SOFATracer's system baggage. */
  | 'sofa-sys-pen-attrs'
  /** SOFATracer's sampling mark, `true` or `false`. */
  | 'sofa-sampled'
  /** SOFATracer's whole context in one string, `tcid=..&spid=..&pspid=..&sample=true&`. */
  | 'sofa-span-context';

/** A call's trace entries as it came, read by their neutral names. */
export interface TraceCarrier {
  get(key: TraceKey): string | undefined;
  /**
   * fnv1aUtf8 (core/hash.ts) of a value, undefined when absent or empty, for a carrier
   * that can hash a value without making it a string (Bolt's, from the frame's bytes):
   * tracing decides a SOFATracer call's sampling by its trace id's hash on every call.
   */
  hash?(key: TraceKey): number | undefined;
}

/** The propagation formats the sidecar reads and writes. */
export type TraceFormat = 'w3c' | 'b3' | 'b3multi' | 'sofa';

export interface ProtocolTelemetry {
  /** This protocol's name for a trace key where the call carries it; undefined when it carries none. */
  traceKey(key: TraceKey): string | undefined;
  /**
   * The trace entries of the call as it came, where the protocol reads them more cheaply
   * than through every attachment (Bolt: one pass over the header map's bytes); absent:
   * `invocation.attachments` under `traceKey`'s names. Tracing reads a few on every call,
   * sampled or not.
   */
  incomingTrace?(invocation: Invocation): TraceCarrier;
  /**
   * The call with these entries (this protocol's key names, from `traceKey`) set in its
   * headers or attachments and in the frame forwarded, when there is one. The given
   * invocation is not modified.
   */
  withTrace(invocation: Invocation, entries: ReadonlyArray<readonly [string, string]>): Invocation;
  /** Formats this protocol's own peers read, written on every call it makes. */
  readonly nativeFormats: readonly TraceFormat[];
  /** The status this protocol's reply carries for a mesh error (HTTP status, gRPC code, Bolt or Dubbo status). */
  errorStatus(error: MeshError): number;
  /**
   * The status of a result as this protocol states it: the protocol status, or a later
   * one (gRPC's code arrives in the trailers, after the body).
   */
  resultStatus(result: Result): number | Promise<number>;
}

/** Where a call sits in its trace, for the access log. */
export interface TraceIds {
  readonly traceId: string;
  /** Absent when the sidecar made no span: an unsampled call it forwarded with its caller's context. */
  readonly spanId?: string;
}

/** A span of one call or one upstream attempt. */
export interface CallSpan extends TraceIds {
  /** Ends the span with the protocol's status and the reply's size; `failed` marks it an error. */
  end(outcome: SpanOutcome): void;
}

export interface SpanOutcome {
  readonly status: number;
  readonly failed: boolean;
  /** The mesh reason of a failure (`PMESH_UPSTREAM_TIMEOUT`...). */
  readonly reason?: string;
  readonly responseBytes?: number;
  readonly endpoint?: string;
  readonly route?: string;
  readonly cluster?: string;
}

/** What one upstream attempt carries: entries to write into it and, when the call is sampled, its client span. */
export interface AttemptTrace {
  readonly span?: CallSpan;
  /** Entries in the upstream's key names (`telemetry.traceKey`). */
  readonly entries: ReadonlyArray<readonly [string, string]>;
}

/**
 * A call's place in its trace: the server span of a sampled call, parent of its upstream
 * attempts, or the context an unsampled call came with, passed on as it came.
 */
export interface ServerSpan extends CallSpan {
  /** False for an unsampled call: nothing is recorded and `end` does nothing. */
  readonly recording: boolean;
  /**
   * The protocol whose frame already carries this context as it came: an unsampled call's
   * own, so an attempt in that protocol goes without a look (undefined for a sampled call,
   * whose every attempt gets a span of its own).
   */
  readonly forwardedIn: string | undefined;
  /**
   * The trace of one upstream attempt: a sampled call's starts a client span and returns
   * it with its entries; undefined when the attempt is to go as it is (an unsampled call
   * whose frame already carries its caller's context).
   */
  attempt(invocation: Invocation, telemetry: ProtocolTelemetry, cluster: string | undefined): AttemptTrace | undefined;
}

/** Decides whether a call is traced and starts its server span, continuing the context a caller sent. */
export interface CallTracer {
  /** Undefined for an unsampled call that carried no context: nothing to record, nothing to pass on. */
  server(invocation: Invocation, telemetry: ProtocolTelemetry, listener: string): ServerSpan | undefined;
}

/** Why finished spans did not reach the collector (the `reason` of `pmesh_tracing_spans_dropped_total`). */
export type SpanDropReason =
  /** The export queue held `tracing.queueSize` spans already. */
  | 'queue_full'
  /** A batch came while the last one was still on its way (one request in flight per exporter). */
  | 'export_busy'
  /** The collector refused the batch, the request failed, or it timed out. */
  | 'export_failed';

/** What became of finished spans given to an exporter. */
export type SpanResult = 'exported' | SpanDropReason;

/** Bytes of a body when known without reading it (raw bytes, a declared stream length). */
export function bodyBytes(body: Invocation['body']): number | undefined {
  if (body.kind === 'raw') return body.byteLength ?? body.bytes.length;
  if (body.kind === 'stream') return body.length;
  if (body.kind === 'empty') return 0;
  return undefined;
}

/** Telemetry for a protocol that names none: trace keys are attachment names, statuses as they are. */
export const GENERIC_TELEMETRY: ProtocolTelemetry = {
  traceKey: (key) => (key.startsWith('sofa-') ? undefined : key),
  withTrace: (invocation, entries) => ({ ...invocation, attachments: { ...invocation.attachments, ...Object.fromEntries(entries) } }),
  nativeFormats: [],
  errorStatus: (error) => error.code,
  resultStatus: (result) => result.protocolStatus,
};
