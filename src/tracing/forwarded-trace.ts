/**
 * An unsampled call that came with a trace context. The sidecar takes no part in that
 * trace, as W3C Trace Context lets an intermediary that does not participate: it makes no
 * span and passes the caller's context on as it came. Where the call is forwarded in its
 * own protocol, the frame already carries that context and goes byte for byte; where the
 * protocol changes (a bridged call, whose frame is built anew anyway), the caller's
 * context is written in the upstream protocol's place, with the caller's ids and flags.
 */
import type { SpanContext } from '@opentelemetry/api';
import type { AttemptTrace, Invocation, ProtocolTelemetry, ServerSpan } from '../core/index.js';
import { injectTrace, type IncomingTrace } from './propagation.js';

export class ForwardedTrace implements ServerSpan {
  readonly recording = false;
  readonly traceId: string;
  readonly #incoming: IncomingTrace;
  readonly #parent: SpanContext;
  /** The protocol the call came in: an attempt in the same one carries the context in its frame already. */
  readonly #protocol: string;

  /** `parent`: the caller's span, as `incoming` names it. */
  constructor(incoming: IncomingTrace, parent: SpanContext, protocol: string) {
    this.traceId = parent.traceId;
    this.#incoming = incoming;
    this.#parent = parent;
    this.#protocol = protocol;
  }

  attempt(invocation: Invocation, telemetry: ProtocolTelemetry): AttemptTrace | undefined {
    if (invocation.protocol === this.#protocol) return undefined;
    return { entries: injectTrace(this.#parent, this.#incoming, this.#incoming.formats, (key) => telemetry.traceKey(key)) };
  }

  end(): void {}
}
