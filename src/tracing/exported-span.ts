/**
 * A sampled call's span as it travels to the export thread (`SpanRecord`: plain data, which
 * a worker's message copies), and as the OpenTelemetry SDK's processors and exporters read
 * it there (`ExportedSpan`, a `ReadableSpan`). Its times are whole microseconds since 1970:
 * Zipkin's JSON takes integer microseconds (a fraction fails the whole batch), and such
 * microseconds are still exact integers in a double.
 */
import { TraceFlags, type Attributes, type HrTime, type Link, type SpanContext, type SpanKind, type SpanStatus } from '@opentelemetry/api';
import { TraceState, hrTimeDuration, type InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, SpanProcessor, TimedEvent } from '@opentelemetry/sdk-trace-base';

export interface SpanRecord {
  readonly name: string;
  readonly kind: SpanKind;
  readonly traceId: string;
  readonly spanId: string;
  /** The span's W3C `tracestate`, serialized; what its parent carried. */
  readonly traceState?: string;
  readonly parent?: { readonly spanId: string; readonly isRemote: boolean };
  readonly attributes: Attributes;
  readonly status: SpanStatus;
  readonly startMicros: number;
  readonly endMicros: number;
}

/** Where a span goes once it has ended. */
export type SpanSink = (record: SpanRecord) => void;

/** A call's span has no links or events: one empty list for all, never written to. */
const NONE: never[] = [];

function hrTime(micros: number): HrTime {
  return [Math.floor(micros / 1_000_000), (micros % 1_000_000) * 1_000];
}

export class ExportedSpan implements ReadableSpan {
  readonly name: string;
  readonly kind: SpanKind;
  readonly parentSpanContext: SpanContext | undefined;
  readonly attributes: Attributes;
  readonly status: SpanStatus;
  readonly ended = true;
  readonly startTime: HrTime;
  readonly endTime: HrTime;
  readonly links: Link[] = NONE;
  readonly events: TimedEvent[] = NONE;
  readonly droppedAttributesCount = 0;
  readonly droppedEventsCount = 0;
  readonly droppedLinksCount = 0;
  readonly resource: Resource;
  readonly instrumentationScope: InstrumentationScope;
  readonly #context: SpanContext;

  constructor(record: SpanRecord, resource: Resource, scope: InstrumentationScope) {
    const traceState = record.traceState === undefined ? undefined : new TraceState(record.traceState);
    this.name = record.name;
    this.kind = record.kind;
    this.attributes = record.attributes;
    this.status = record.status;
    this.startTime = hrTime(record.startMicros);
    this.endTime = hrTime(record.endMicros);
    this.resource = resource;
    this.instrumentationScope = scope;
    this.#context = { traceId: record.traceId, spanId: record.spanId, traceFlags: TraceFlags.SAMPLED, isRemote: false, traceState };
    this.parentSpanContext = record.parent && { traceId: record.traceId, spanId: record.parent.spanId, traceFlags: TraceFlags.SAMPLED, isRemote: record.parent.isRemote, traceState };
  }

  spanContext(): SpanContext {
    return this.#context;
  }

  get duration(): HrTime {
    return hrTimeDuration(this.startTime, this.endTime);
  }
}

/** A sink that hands each span to `processors` as the SDK's span (the export thread's, and tests'). */
export function intoProcessors(resource: Resource, scope: InstrumentationScope, processors: readonly SpanProcessor[]): SpanSink {
  return (record) => {
    const span = new ExportedSpan(record, resource, scope);
    for (const processor of processors) processor.onEnd(span);
  };
}
