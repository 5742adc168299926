/**
 * Spans for calls: a server span per call on a listener, continuing the caller's
 * context, and a client span per upstream attempt under it (a retry is a new attempt).
 * Attributes follow OpenTelemetry's RPC conventions where they have a name (`rpc.system`,
 * `rpc.service`, `rpc.method`) and carry the mesh's own under `pmesh.*`. A span the
 * sampler dropped records nothing: attributes are set only on recording spans, so an
 * unsampled call costs its ids and the propagation entries.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { bodyBytes, type CallSpan, type CallTracer, type Invocation, type ProtocolTelemetry, type ServerSpan, type SpanOutcome, type TraceFormat } from '../core/index.js';
import { extractTrace, injectTrace, type IncomingTrace } from './propagation.js';
import { SOFA_PARENT } from './sampler.js';

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
  if (span.isRecording()) {
    span.setAttribute('pmesh.status', outcome.status);
    if (outcome.route) span.setAttribute('pmesh.route', outcome.route);
    if (outcome.cluster) span.setAttribute('pmesh.cluster', outcome.cluster);
    if (outcome.endpoint) span.setAttribute('pmesh.endpoint', outcome.endpoint);
    if (outcome.responseBytes !== undefined) span.setAttribute('pmesh.response.bytes', outcome.responseBytes);
    if (outcome.reason) span.setAttribute('pmesh.reason', outcome.reason);
    if (outcome.failed) span.setStatus({ code: SpanStatusCode.ERROR, ...(outcome.reason ? { message: outcome.reason } : {}) });
  }
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

  attempt(invocation: Invocation, telemetry: ProtocolTelemetry, cluster: string | undefined): { span: CallSpan; entries: Array<[string, string]> } {
    const attempt = ++this.#attempts;
    const span = this.#tracer.startSpan(spanName(invocation), { kind: SpanKind.CLIENT }, trace.setSpan(ROOT_CONTEXT, this.#span));
    if (span.isRecording()) {
      span.setAttributes(callAttributes(invocation));
      span.setAttribute('pmesh.attempt', attempt);
      if (cluster) span.setAttribute('pmesh.cluster', cluster);
    }
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
  readonly #propagate: ReadonlySet<TraceFormat>;

  constructor(tracer: Tracer, propagate: readonly TraceFormat[]) {
    this.#tracer = tracer;
    this.#propagate = new Set(propagate);
  }

  server(invocation: Invocation, telemetry: ProtocolTelemetry, listener: string): ServerSpan {
    const incoming = extractTrace((key) => {
      const name = telemetry.traceKey(key);
      return name === undefined ? undefined : invocation.attachments[name];
    });
    let parent = incoming.parent ? trace.setSpanContext(ROOT_CONTEXT, incoming.parent) : ROOT_CONTEXT;
    if (incoming.parentFromSofa) parent = parent.setValue(SOFA_PARENT, true);
    const span = this.#tracer.startSpan(spanName(invocation), { kind: SpanKind.SERVER }, parent);
    if (span.isRecording()) {
      span.setAttributes(callAttributes(invocation));
      span.setAttribute('pmesh.listener', listener);
      if (incoming.sofa) span.setAttribute('pmesh.sofa.trace_id', incoming.sofa.traceId);
    }
    return new CallServerSpan(span, this.#tracer, incoming, this.#propagate);
  }
}
