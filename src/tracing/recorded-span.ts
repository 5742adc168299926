/**
 * The spans of sampled calls, recorded by the call tracer itself. The SDK's own tracer is
 * not on the call path: its `startSpan` and `Span` did work a call's span does not need
 * (context objects, a sampler call, span limits and a validation per attribute, start-time
 * offsets, span metrics), a third or more of a sampled call's tracing work in process and
 * several times more where sampled calls are rare and that code is cold (docs/tracing.md,
 * "Cost"). A span here is one object whose fields are set once: its attributes in one
 * object, its times as the performance clock's milliseconds. When it ends it becomes a
 * `SpanRecord` (plain data) for the sink: the export thread (export-thread.ts), where the
 * SDK's processors and exporters read it.
 */
import { SpanStatusCode, TraceFlags, type Attributes, type SpanContext, type SpanKind, type SpanStatus } from '@opentelemetry/api';
import { RandomIdGenerator } from '@opentelemetry/sdk-trace-base';
import type { CallSpan, SpanOutcome } from '../core/index.js';
import type { SpanRecord, SpanSink } from './exported-span.js';

const UNSET: SpanStatus = { code: SpanStatusCode.UNSET };

/** Where recorded spans go. */
export class SpanRecorder {
  readonly #sink: SpanSink;
  readonly #ids = new RandomIdGenerator();
  readonly #timeOrigin = performance.timeOrigin;

  constructor(sink: SpanSink) {
    this.#sink = sink;
  }

  /** Starts a span now, under `parent` (a remote caller's span, or a span of this call) or as a trace's root. */
  start(name: string, kind: SpanKind, parent: SpanContext | undefined, attributes: Attributes): RecordedSpan {
    const context: SpanContext = {
      traceId: parent ? parent.traceId : this.#ids.generateTraceId(),
      spanId: this.#ids.generateSpanId(),
      traceFlags: TraceFlags.SAMPLED,
      isRemote: false,
      traceState: parent?.traceState,
    };
    return new RecordedSpan(this, name, kind, context, parent, attributes, performance.now());
  }

  /** The performance clock's `ms` as whole microseconds since 1970. */
  micros(ms: number): number {
    return Math.round((this.#timeOrigin + ms) * 1_000);
  }

  ended(span: RecordedSpan, endMs: number): void {
    this.#sink(span.record(endMs));
  }
}

export class RecordedSpan implements CallSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly #recorder: SpanRecorder;
  readonly #name: string;
  readonly #kind: SpanKind;
  readonly #context: SpanContext;
  readonly #parent: SpanContext | undefined;
  readonly #attributes: Attributes;
  readonly #startMs: number;
  #status: SpanStatus = UNSET;
  #ended = false;

  constructor(recorder: SpanRecorder, name: string, kind: SpanKind, context: SpanContext, parent: SpanContext | undefined, attributes: Attributes, startMs: number) {
    this.traceId = context.traceId;
    this.spanId = context.spanId;
    this.#recorder = recorder;
    this.#name = name;
    this.#kind = kind;
    this.#context = context;
    this.#parent = parent;
    this.#attributes = attributes;
    this.#startMs = startMs;
  }

  spanContext(): SpanContext {
    return this.#context;
  }

  /** Ends the span with the call's outcome (once: a second end is ignored, as the SDK's span does). */
  end(outcome: SpanOutcome): void {
    if (this.#ended) return;
    const attributes = this.#attributes;
    attributes['pmesh.status'] = outcome.status;
    if (outcome.route) attributes['pmesh.route'] = outcome.route;
    if (outcome.cluster) attributes['pmesh.cluster'] = outcome.cluster;
    if (outcome.endpoint) attributes['pmesh.endpoint'] = outcome.endpoint;
    if (outcome.responseBytes !== undefined) attributes['pmesh.response.bytes'] = outcome.responseBytes;
    if (outcome.reason) attributes['pmesh.reason'] = outcome.reason;
    if (outcome.failed) this.#status = outcome.reason ? { code: SpanStatusCode.ERROR, message: outcome.reason } : { code: SpanStatusCode.ERROR };
    this.#ended = true;
    this.#recorder.ended(this, performance.now());
  }

  /** What the sink gets: the span as plain data, ended at `endMs`. */
  record(endMs: number): SpanRecord {
    const parent = this.#parent;
    return {
      name: this.#name,
      kind: this.#kind,
      traceId: this.traceId,
      spanId: this.spanId,
      traceState: this.#context.traceState?.serialize(),
      parent: parent && { spanId: parent.spanId, isRemote: parent.isRemote ?? false },
      attributes: this.#attributes,
      status: this.#status,
      startMicros: this.#recorder.micros(this.#startMs),
      endMicros: this.#recorder.micros(endMs),
    };
  }
}
