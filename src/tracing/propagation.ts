/**
 * Reading and writing a call's trace context in the three formats: W3C Trace Context
 * (written here, read by OpenTelemetry's propagator) and B3 through OpenTelemetry's own
 * propagators (@opentelemetry/core,
 * @opentelemetry/propagator-b3), SOFATracer's by sofa-context.ts. Keys are the neutral
 * TraceKey names: each protocol's telemetry says where it carries them.
 *
 * Reading takes the first format present, in the order W3C, B3, SOFATracer; the others
 * the caller sent are remembered, so the next hop gets them too (a SOFATracer id passes
 * through a W3C-speaking hop unchanged).
 */
import { ROOT_CONTEXT, TraceFlags, isSpanContextValid, trace, type SpanContext, type TextMapGetter, type TextMapSetter } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { B3InjectEncoding, B3Propagator } from '@opentelemetry/propagator-b3';
import type { Invocation } from '../core/invocation.js';
import type { ProtocolTelemetry, TraceCarrier, TraceFormat, TraceKey } from '../core/telemetry.js';
import { formatSofaSpanContext, parseSofaSpanContext, spanIdOfSofa, traceIdOfSofa, type SofaContext } from './sofa-context.js';

/** A call's attachments read under a protocol's names for the trace keys. */
class AttachmentCarrier implements TraceCarrier {
  readonly #attachments: Readonly<Record<string, string>>;
  readonly #telemetry: ProtocolTelemetry;

  constructor(attachments: Readonly<Record<string, string>>, telemetry: ProtocolTelemetry) {
    this.#attachments = attachments;
    this.#telemetry = telemetry;
  }

  get(key: TraceKey): string | undefined {
    const name = this.#telemetry.traceKey(key);
    return name === undefined ? undefined : this.#attachments[name];
  }
}

/** The trace entries `invocation` came with: the protocol's own reader, else its attachments. */
export function incomingCarrier(invocation: Invocation, telemetry: ProtocolTelemetry): TraceCarrier {
  return telemetry.incomingTrace ? telemetry.incomingTrace(invocation) : new AttachmentCarrier(invocation.attachments, telemetry);
}

/** What a caller sent. */
export interface IncomingTrace {
  /** The remote parent span, when any format named one. */
  readonly parent?: SpanContext;
  /** Every format the caller used. */
  readonly formats: ReadonlySet<TraceFormat>;
  /** SOFATracer's context as received, forwarded as is. */
  readonly sofa?: SofaContext;
  /** SOFATracer's context came as one string (`new_rpc_trace_context`). */
  readonly sofaAsString?: boolean;
  /** The parent is known from SOFATracer's fields only (its sampling mark then decides nothing). */
  readonly parentFromSofa?: boolean;
}

const w3c = new W3CTraceContextPropagator();
const b3Single = new B3Propagator({ injectEncoding: B3InjectEncoding.SINGLE_HEADER });
const b3Multi = new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER });

const getter: TextMapGetter<TraceCarrier> = {
  get: (carrier, key) => carrier.get(key as TraceKey),
  keys: () => [],
};

function otelParent(carrier: TraceCarrier, propagator: W3CTraceContextPropagator | B3Propagator): SpanContext | undefined {
  const context = trace.getSpanContext(propagator.extract(ROOT_CONTEXT, carrier, getter));
  return context && isSpanContextValid(context) ? context : undefined;
}

function readSofa(carrier: TraceCarrier): { context: SofaContext; asString: boolean } | undefined {
  const text = carrier.get('sofa-span-context');
  const parsed = text ? parseSofaSpanContext(text) : undefined;
  if (parsed) return { context: parsed, asString: true };
  const traceId = carrier.get('sofa-trace-id');
  if (!traceId) return undefined;
  const sampled = carrier.get('sofa-sampled');
  const pen = carrier.get('sofa-pen-attrs');
  const sys = carrier.get('sofa-sys-pen-attrs');
  return {
    context: {
      traceId,
      rpcId: carrier.get('sofa-rpc-id') || '0',
      ...(sampled ? { sampled: sampled === 'true' } : {}),
      ...(pen ? { penAttrs: pen } : {}),
      ...(sys ? { sysPenAttrs: sys } : {}),
    },
    asString: false,
  };
}

export function extractTrace(carrier: TraceCarrier): IncomingTrace {
  const formats = new Set<TraceFormat>();
  const fromW3c = carrier.get('traceparent') === undefined ? undefined : otelParent(carrier, w3c);
  if (fromW3c) formats.add('w3c');
  const single = carrier.get('b3') !== undefined;
  const fromB3 = single || carrier.get('x-b3-traceid') !== undefined ? otelParent(carrier, b3Single) : undefined;
  if (fromB3) formats.add(single ? 'b3' : 'b3multi');
  const sofa = readSofa(carrier);
  if (sofa) formats.add('sofa');
  const otel = fromW3c ?? fromB3;
  const parentFromSofa = !otel && sofa !== undefined;
  const parent = otel ?? (sofa ? new SofaParent(sofa.context) : undefined);
  // Every field present (undefined when absent): one shape for every caller's trace.
  return { formats, parent, sofa: sofa?.context, sofaAsString: sofa?.asString, parentFromSofa };
}

/**
 * The caller's span as SOFATracer names it. Its span id (a hash) is worked out when first
 * read: only the export of a sampled call's span reads it.
 */
class SofaParent implements SpanContext {
  readonly traceId: string;
  readonly traceFlags: number;
  readonly isRemote = true;
  readonly #sofa: SofaContext;
  #spanId: string | undefined;

  constructor(sofa: SofaContext) {
    this.#sofa = sofa;
    this.traceId = traceIdOfSofa(sofa.traceId);
    this.traceFlags = sofa.sampled === false ? TraceFlags.NONE : TraceFlags.SAMPLED;
  }

  get spanId(): string {
    return (this.#spanId ??= spanIdOfSofa(this.#sofa.traceId, this.#sofa.rpcId));
  }
}

/**
 * The entries that carry `span` to the next hop in these formats, under the names `keyOf`
 * gives (a format whose keys the protocol does not carry is left out).
 */
export function injectTrace(
  span: SpanContext,
  incoming: IncomingTrace,
  formats: ReadonlySet<TraceFormat>,
  keyOf: (key: TraceKey) => string | undefined,
): Array<[string, string]> {
  const entries: Array<[string, string]> = [];
  if (formats.has('w3c')) injectW3c(span, keyOf, entries);
  if (formats.has('b3') || formats.has('b3multi')) {
    const setter: TextMapSetter<Array<[string, string]>> = {
      set: (out, key, value) => {
        const name = keyOf(key as TraceKey);
        if (name !== undefined) out.push([name, value]);
      },
    };
    const context = trace.setSpanContext(ROOT_CONTEXT, span);
    if (formats.has('b3')) b3Single.inject(context, entries, setter);
    if (formats.has('b3multi')) b3Multi.inject(context, entries, setter);
  }
  if (formats.has('sofa')) injectSofa(span, incoming, keyOf, entries);
  return entries;
}

/**
 * W3C Trace Context's two headers, written as the spec spells them (version 00); the span
 * is a valid one (ours, or a caller's that extractTrace checked). Written here rather than
 * through OpenTelemetry's propagator, whose context objects made up most of a sampled
 * attempt's W3C cost.
 */
function injectW3c(span: SpanContext, keyOf: (key: TraceKey) => string | undefined, out: Array<[string, string]>): void {
  const parent = keyOf('traceparent');
  if (parent !== undefined) out.push([parent, `00-${span.traceId}-${span.spanId}-${(span.traceFlags & 0xff).toString(16).padStart(2, '0')}`]);
  const state = span.traceState?.serialize();
  const stateKey = keyOf('tracestate');
  if (state && stateKey !== undefined) out.push([stateKey, state]);
}

/**
 * SOFATracer's fields: the caller's trace id, rpcId and sampling mark when it sent them
 * (the sidecar is no SOFATracer hop: the provider logs what the consumer would have had it
 * logged), else this trace's id, a root rpcId and this span's sampling.
 */
function injectSofa(span: SpanContext, incoming: IncomingTrace, keyOf: (key: TraceKey) => string | undefined, out: Array<[string, string]>): void {
  const sofa: SofaContext = incoming.sofa ?? { traceId: span.traceId, rpcId: '0', sampled: (span.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED };
  const sampled = sofa.sampled ?? true;
  const put = (key: TraceKey, value: string | undefined): void => {
    const name = keyOf(key);
    if (name !== undefined && value) out.push([name, value]);
  };
  const fields = keyOf('sofa-trace-id') !== undefined;
  if (fields) {
    put('sofa-trace-id', sofa.traceId);
    put('sofa-rpc-id', sofa.rpcId);
    put('sofa-pen-attrs', sofa.penAttrs);
    put('sofa-sys-pen-attrs', sofa.sysPenAttrs);
    put('sofa-sampled', String(sampled));
  }
  // The one-string form where the protocol has no fields, or where the caller used it (a SOFARPC server reads it first).
  if (!fields || incoming.sofaAsString) put('sofa-span-context', formatSofaSpanContext(sofa));
}
