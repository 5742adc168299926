/**
 * Spans for calls: a server span per sampled call on a listener, continuing the caller's
 * context, and a client span per upstream attempt under it (a retry is a new attempt).
 * Sampling is decided first (sampler.ts): an unsampled call gets no span object at all,
 * and its frame goes on as it came (forwarded-trace.ts). Attributes follow
 * OpenTelemetry's RPC conventions where they have a name (`rpc.system`, `rpc.service`,
 * `rpc.method`) and carry the mesh's own under `pmesh.*`.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { bodyBytes, type AttemptTrace, type CallSpan, type CallTracer, type Invocation, type ProtocolTelemetry, type ServerSpan, type SpanOutcome, type TraceFormat } from '../core/index.js';
import { ForwardedTrace } from './forwarded-trace.js';
import { NO_CONTEXT, extractTrace, incomingCarrier, injectTrace, sofaTraceIdAlone, type IncomingTrace } from './propagation.js';
import type { CallSampler } from './sampler.js';

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

function endSpan(span: Span, outcome: SpanOutcome): void {
  span.setAttribute('pmesh.status', outcome.status);
  if (outcome.route) span.setAttribute('pmesh.route', outcome.route);
  if (outcome.cluster) span.setAttribute('pmesh.cluster', outcome.cluster);
  if (outcome.endpoint) span.setAttribute('pmesh.endpoint', outcome.endpoint);
  if (outcome.responseBytes !== undefined) span.setAttribute('pmesh.response.bytes', outcome.responseBytes);
  if (outcome.reason) span.setAttribute('pmesh.reason', outcome.reason);
  if (outcome.failed) span.setStatus({ code: SpanStatusCode.ERROR, ...(outcome.reason ? { message: outcome.reason } : {}) });
  span.end();
}

class AttemptSpan implements CallSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly #span: Span;

  constructor(span: Span) {
    this.#span = span;
    const context = span.spanContext();
    this.traceId = context.traceId;
    this.spanId = context.spanId;
  }

  end(outcome: SpanOutcome): void {
    endSpan(this.#span, outcome);
  }
}

class CallServerSpan implements ServerSpan {
  readonly recording = true;
  readonly traceId: string;
  readonly spanId: string;
  readonly #span: Span;
  readonly #tracer: Tracer;
  readonly #incoming: IncomingTrace;
  readonly #propagate: ReadonlySet<TraceFormat>;
  #attempts = 0;

  constructor(span: Span, tracer: Tracer, incoming: IncomingTrace, propagate: ReadonlySet<TraceFormat>) {
    this.#span = span;
    this.#tracer = tracer;
    this.#incoming = incoming;
    this.#propagate = propagate;
    const context = span.spanContext();
    this.traceId = context.traceId;
    this.spanId = context.spanId;
  }

  attempt(invocation: Invocation, telemetry: ProtocolTelemetry, cluster: string | undefined): AttemptTrace {
    const attempt = ++this.#attempts;
    const span = this.#tracer.startSpan(spanName(invocation), { kind: SpanKind.CLIENT }, trace.setSpan(ROOT_CONTEXT, this.#span));
    span.setAttributes(callAttributes(invocation));
    span.setAttribute('pmesh.attempt', attempt);
    if (cluster) span.setAttribute('pmesh.cluster', cluster);
    const formats = new Set(this.#propagate);
    for (const format of telemetry.nativeFormats) formats.add(format);
    for (const format of this.#incoming.formats) formats.add(format);
    return { span: new AttemptSpan(span), entries: injectTrace(span.spanContext(), this.#incoming, formats, (key) => telemetry.traceKey(key)) };
  }

  end(outcome: SpanOutcome): void {
    endSpan(this.#span, outcome);
  }
}

export class OtelCallTracer implements CallTracer {
  readonly #tracer: Tracer;
  readonly #sampler: CallSampler;
  readonly #propagate: ReadonlySet<TraceFormat>;

  /** `tracer`'s own sampler must record every span it is asked for: `sampler` has decided before. */
  constructor(tracer: Tracer, sampler: CallSampler, propagate: readonly TraceFormat[]) {
    this.#tracer = tracer;
    this.#sampler = sampler;
    this.#propagate = new Set(propagate);
  }

  /**
   * Decides first, on as little as decides it: SOFATracer's trace id alone (what a SOFARPC
   * app sends) or the absence of any context (a call that starts a trace), reading each
   * entry once; an unsampled call gets no span and no closure.
   */
  server(invocation: Invocation, telemetry: ProtocolTelemetry, listener: string): ServerSpan | undefined {
    const carrier = incomingCarrier(invocation, telemetry);
    const sofaTraceId = sofaTraceIdAlone(carrier);
    let incoming: IncomingTrace;
    if (sofaTraceId === NO_CONTEXT) {
      if (!this.#sampler.sampledNewTrace()) return undefined;
      incoming = extractTrace(carrier);
    } else if (sofaTraceId !== undefined) {
      if (!this.#sampler.sampledSofaTrace(sofaTraceId)) return new ForwardedTrace(invocation.protocol, carrier, sofaTraceId);
      incoming = extractTrace(carrier);
    } else {
      incoming = extractTrace(carrier);
      if (!this.#sampler.sampled(incoming)) return incoming.parent ? new ForwardedTrace(invocation.protocol, carrier, undefined, incoming) : undefined;
    }
    const parent = incoming.parent ? trace.setSpanContext(ROOT_CONTEXT, incoming.parent) : ROOT_CONTEXT;
    const span = this.#tracer.startSpan(spanName(invocation), { kind: SpanKind.SERVER }, parent);
    span.setAttributes(callAttributes(invocation));
    span.setAttribute('pmesh.listener', listener);
    if (incoming.sofa) span.setAttribute('pmesh.sofa.trace_id', incoming.sofa.traceId);
    return new CallServerSpan(span, this.#tracer, incoming, this.#propagate);
  }
}
