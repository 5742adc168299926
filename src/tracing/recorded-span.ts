/**
 * The spans of sampled calls, recorded by the call tracer itself and handed to the
 * OpenTelemetry SDK's span processors (batching) and exporters (OTLP, Zipkin) as the
 * `ReadableSpan`s they read. The SDK's own tracer is not on the call path: its
 * `startSpan` and `Span` did work a call's span does not need (context objects, a sampler
 * call, span limits and a validation per attribute, start-time offsets, span metrics),
 * a third or more of a sampled call's tracing work in process and several times more where
 * sampled calls are rare and that code is cold (docs/tracing.md, "Cost"). A span here is
 * one object whose fields are set once: its attributes in one object, its times as the
 * performance clock's milliseconds, turned into the SDK's `HrTime` only when an exporter
 * reads them, off the call path.
 */
import { SpanStatusCode, TraceFlags, type Attributes, type HrTime, type Link, type SpanContext, type SpanKind, type SpanStatus } from '@opentelemetry/api';
import { hrTimeDuration, type InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import { RandomIdGenerator, type ReadableSpan, type SpanProcessor, type TimedEvent } from '@opentelemetry/sdk-trace-base';
import type { CallSpan, SpanOutcome } from '../core/index.js';

/** A call's span has no links or events: one empty list for all, never written to. */
const NONE: never[] = [];
const UNSET: SpanStatus = { code: SpanStatusCode.UNSET };

/** Where recorded spans go, and what every span of this sidecar says of its source. */
export class SpanRecorder {
  readonly resource: Resource;
  readonly scope: InstrumentationScope;
  readonly #processors: readonly SpanProcessor[];
  readonly #ids = new RandomIdGenerator();
  readonly #timeOrigin = performance.timeOrigin;

  constructor(resource: Resource, scope: InstrumentationScope, processors: readonly SpanProcessor[]) {
    this.resource = resource;
    this.scope = scope;
    this.#processors = processors;
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

  /**
   * The performance clock's `ms` as the SDK's wall-clock time, in whole microseconds:
   * Zipkin's JSON takes integer microseconds (a fraction fails the whole batch), and
   * microseconds since 1970 are still exact integers in a double.
   */
  time(ms: number): HrTime {
    const micros = Math.round((this.#timeOrigin + ms) * 1_000);
    return [Math.floor(micros / 1_000_000), (micros % 1_000_000) * 1_000];
  }

  ended(span: RecordedSpan): void {
    for (const processor of this.#processors) processor.onEnd(span);
  }

  /** Sends what the processors hold and stops them. */
  async shutdown(): Promise<void> {
    await Promise.all(this.#processors.map((processor) => processor.shutdown()));
  }
}

export class RecordedSpan implements ReadableSpan, CallSpan {
  readonly name: string;
  readonly kind: SpanKind;
  readonly parentSpanContext: SpanContext | undefined;
  readonly attributes: Attributes;
  status: SpanStatus = UNSET;
  ended = false;
  readonly links: Link[] = NONE;
  readonly events: TimedEvent[] = NONE;
  readonly droppedAttributesCount = 0;
  readonly droppedEventsCount = 0;
  readonly droppedLinksCount = 0;
  readonly traceId: string;
  readonly spanId: string;
  readonly #recorder: SpanRecorder;
  readonly #context: SpanContext;
  readonly #startMs: number;
  #endMs: number;

  constructor(recorder: SpanRecorder, name: string, kind: SpanKind, context: SpanContext, parent: SpanContext | undefined, attributes: Attributes, startMs: number) {
    this.name = name;
    this.kind = kind;
    this.parentSpanContext = parent;
    this.attributes = attributes;
    this.traceId = context.traceId;
    this.spanId = context.spanId;
    this.#recorder = recorder;
    this.#context = context;
    this.#startMs = startMs;
    this.#endMs = startMs;
  }

  spanContext(): SpanContext {
    return this.#context;
  }

  get resource(): Resource {
    return this.#recorder.resource;
  }

  get instrumentationScope(): InstrumentationScope {
    return this.#recorder.scope;
  }

  get startTime(): HrTime {
    return this.#recorder.time(this.#startMs);
  }

  get endTime(): HrTime {
    return this.#recorder.time(this.#endMs);
  }

  get duration(): HrTime {
    return hrTimeDuration(this.startTime, this.endTime);
  }

  /** Ends the span with the call's outcome (once: a second end is ignored, as the SDK's span does). */
  end(outcome: SpanOutcome): void {
    if (this.ended) return;
    const attributes = this.attributes;
    attributes['pmesh.status'] = outcome.status;
    if (outcome.route) attributes['pmesh.route'] = outcome.route;
    if (outcome.cluster) attributes['pmesh.cluster'] = outcome.cluster;
    if (outcome.endpoint) attributes['pmesh.endpoint'] = outcome.endpoint;
    if (outcome.responseBytes !== undefined) attributes['pmesh.response.bytes'] = outcome.responseBytes;
    if (outcome.reason) attributes['pmesh.reason'] = outcome.reason;
    if (outcome.failed) this.status = outcome.reason ? { code: SpanStatusCode.ERROR, message: outcome.reason } : { code: SpanStatusCode.ERROR };
    this.#endMs = performance.now();
    this.ended = true;
    this.#recorder.ended(this);
  }
}
