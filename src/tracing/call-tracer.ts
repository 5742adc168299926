/**
 * Spans for calls: a server span per sampled call on a listener, continuing the caller's
 * context, and a client span per upstream attempt under it (a retry is a new attempt).
 * Sampling is decided first (sampler.ts): an unsampled call gets no span object at all,
 * and its frame goes on as it came (forwarded-trace.ts). The spans are recorded here and
 * exported by the SDK (recorded-span.ts). Attributes follow
 * OpenTelemetry's RPC conventions where they have a name (`rpc.system`, `rpc.service`,
 * `rpc.method`) and carry the mesh's own under `pmesh.*`.
 */
import { SpanKind, type Attributes } from '@opentelemetry/api';
import { bodyBytes, type AttemptTrace, type CallTracer, type Invocation, type ProtocolTelemetry, type ServerSpan, type SpanOutcome, type TraceFormat } from '../core/index.js';
import { ForwardedTrace } from './forwarded-trace.js';
import { extractTrace, incomingCarrier, injectTrace, type IncomingTrace } from './propagation.js';
import type { RecordedSpan, SpanRecorder } from './recorded-span.js';
import { NOT_TRACED, UNDECIDED, UNSAMPLED, type CallSampler } from './sampler.js';

function spanName(invocation: Invocation): string {
  const service = invocation.service.interface;
  return invocation.method ? `${service}/${invocation.method}` : service || invocation.protocol;
}

function callAttributes(invocation: Invocation): Attributes {
  const attributes: Attributes = {
    'rpc.system': invocation.protocol,
    'rpc.service': invocation.service.interface,
    'rpc.method': invocation.method,
  };
  if (invocation.service.version) attributes['pmesh.service.version'] = invocation.service.version;
  if (invocation.service.group) attributes['pmesh.service.group'] = invocation.service.group;
  const size = bodyBytes(invocation.body);
  if (size !== undefined) attributes['pmesh.request.bytes'] = size;
  return attributes;
}

class CallServerSpan implements ServerSpan {
  readonly recording = true;
  readonly forwardedIn = undefined;
  readonly traceId: string;
  readonly spanId: string;
  readonly #span: RecordedSpan;
  readonly #tracer: OtelCallTracer;
  readonly #incoming: IncomingTrace;
  #attempts = 0;

  constructor(span: RecordedSpan, tracer: OtelCallTracer, incoming: IncomingTrace) {
    this.#span = span;
    this.#tracer = tracer;
    this.#incoming = incoming;
    this.traceId = span.traceId;
    this.spanId = span.spanId;
  }

  attempt(invocation: Invocation, telemetry: ProtocolTelemetry, cluster: string | undefined): AttemptTrace {
    const attributes = callAttributes(invocation);
    attributes['pmesh.attempt'] = ++this.#attempts;
    if (cluster) attributes['pmesh.cluster'] = cluster;
    const span = this.#tracer.recorder.start(spanName(invocation), SpanKind.CLIENT, this.#span.spanContext(), attributes);
    const formats = this.#tracer.formatsFor(telemetry, this.#incoming.formats);
    return { span, entries: injectTrace(span.spanContext(), this.#incoming, formats, (key) => telemetry.traceKey(key)) };
  }

  end(outcome: SpanOutcome): void {
    this.#span.end(outcome);
  }
}

export class OtelCallTracer implements CallTracer {
  readonly recorder: SpanRecorder;
  readonly #sampler: CallSampler;
  readonly #propagate: ReadonlySet<TraceFormat>;
  /** Per protocol: the formats written on its attempts whatever the caller used (`propagate` and the protocol's own). */
  readonly #formats = new Map<ProtocolTelemetry, ReadonlySet<TraceFormat>>();

  /** Sampled calls' spans go to `recorder`; `sampler` decides which calls are. */
  constructor(recorder: SpanRecorder, sampler: CallSampler, propagate: readonly TraceFormat[]) {
    this.recorder = recorder;
    this.#sampler = sampler;
    this.#propagate = new Set(propagate);
  }

  /**
   * Decides first, on as little as decides it (CallSampler.decide): an unsampled call gets
   * no span and no closure, and one with no context nothing at all.
   */
  server(invocation: Invocation, telemetry: ProtocolTelemetry, listener: string): ServerSpan | undefined {
    const carrier = incomingCarrier(invocation, telemetry);
    const decision = this.#sampler.decide(carrier);
    if (decision === NOT_TRACED) return undefined;
    if (decision === UNSAMPLED) return new ForwardedTrace(invocation.protocol, carrier);
    const incoming = extractTrace(carrier);
    if (decision === UNDECIDED && !this.#sampler.sampled(incoming)) return incoming.parent ? new ForwardedTrace(invocation.protocol, carrier, incoming) : undefined;
    const attributes = callAttributes(invocation);
    attributes['pmesh.listener'] = listener;
    if (incoming.sofa) attributes['pmesh.sofa.trace_id'] = incoming.sofa.traceId;
    return new CallServerSpan(this.recorder.start(spanName(invocation), SpanKind.SERVER, incoming.parent, attributes), this, incoming);
  }

  /** The formats an attempt in `telemetry`'s protocol carries: `propagate`, the protocol's own and those the caller used. */
  formatsFor(telemetry: ProtocolTelemetry, used: ReadonlySet<TraceFormat>): ReadonlySet<TraceFormat> {
    let always = this.#formats.get(telemetry);
    if (!always) this.#formats.set(telemetry, (always = new Set([...this.#propagate, ...telemetry.nativeFormats])));
    for (const format of used) if (!always.has(format)) return new Set([...always, ...used]);
    return always;
  }
}
