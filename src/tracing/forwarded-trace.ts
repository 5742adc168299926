/**
 * An unsampled call that came with a trace context. The sidecar takes no part in that
 * trace, as W3C Trace Context lets an intermediary that does not participate: it makes no
 * span and passes the caller's context on as it came. Where the call is forwarded in its
 * own protocol, the frame already carries that context and goes byte for byte; where the
 * protocol changes (a bridged call, whose frame is built anew anyway), the caller's
 * context is written in the upstream protocol's place, with the caller's ids and flags.
 *
 * It holds what was read to decide and works out the rest only when asked: most such
 * calls are forwarded and never asked (one object per call, no closures).
 */
import type { AttemptTrace, Invocation, ProtocolTelemetry, ServerSpan, TraceCarrier } from '../core/index.js';
import { extractTrace, injectTrace, type IncomingTrace } from './propagation.js';

export class ForwardedTrace implements ServerSpan {
  readonly recording = false;
  /** The protocol the call came in: an attempt in the same one carries the context in its frame already. */
  readonly forwardedIn: string;
  /** The call's trace entries, read in full only when asked. */
  readonly #carrier: TraceCarrier;
  #incoming: IncomingTrace | undefined;

  /** `incoming`: what the caller sent, when the decision read it all already. */
  constructor(protocol: string, carrier: TraceCarrier, incoming?: IncomingTrace) {
    this.forwardedIn = protocol;
    this.#carrier = carrier;
    this.#incoming = incoming;
  }

  /** The caller's trace id as the backend names it (for the access log). */
  get traceId(): string {
    return this.#incomingTrace().parent?.traceId ?? '';
  }

  attempt(invocation: Invocation, telemetry: ProtocolTelemetry): AttemptTrace | undefined {
    if (invocation.protocol === this.forwardedIn) return undefined;
    const incoming = this.#incomingTrace();
    if (!incoming.parent) return undefined;
    return { entries: injectTrace(incoming.parent, incoming, incoming.formats, (key) => telemetry.traceKey(key)) };
  }

  end(): void {}

  #incomingTrace(): IncomingTrace {
    return (this.#incoming ??= extractTrace(this.#carrier));
  }
}
