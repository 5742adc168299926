/**
 * An unsampled call that came with a trace context. The sidecar takes no part in that
 * trace, as W3C Trace Context lets an intermediary that does not participate: it makes no
 * span and passes the caller's context on as it came. Where the call is forwarded in its
 * own protocol, the frame already carries that context and goes byte for byte; where the
 * protocol changes (a bridged call, whose frame is built anew anyway), the caller's
 * context is written in the upstream protocol's place, with the caller's ids and flags.
 */
import type { AttemptTrace, Invocation, ProtocolTelemetry, ServerSpan } from '../core/index.js';
import { injectTrace, type IncomingTrace } from './propagation.js';

export class ForwardedTrace implements ServerSpan {
  readonly recording = false;
  /** The caller's trace id as the backend names it, worked out only if the access log asks. */
  readonly #traceId: () => string;
  /** What the caller sent, read in full only when an attempt changes protocol. */
  readonly #incoming: () => IncomingTrace;
  /** The protocol the call came in: an attempt in the same one carries the context in its frame already. */
  readonly #protocol: string;

  constructor(traceId: () => string, protocol: string, incoming: () => IncomingTrace) {
    this.#traceId = traceId;
    this.#protocol = protocol;
    this.#incoming = incoming;
  }

  get traceId(): string {
    return this.#traceId();
  }

  attempt(invocation: Invocation, telemetry: ProtocolTelemetry): AttemptTrace | undefined {
    if (invocation.protocol === this.#protocol) return undefined;
    const incoming = this.#incoming();
    if (!incoming.parent) return undefined;
    return { entries: injectTrace(incoming.parent, incoming, incoming.formats, (key) => telemetry.traceKey(key)) };
  }

  end(): void {}
}
