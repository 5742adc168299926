/**
 * One relayed call: the caller's stream (down leg) and the upstream's (up leg), the
 * message-size checks on both directions, the deadline, and every way the call can end
 * early turned into what the caller reads: a trailers-only status before the reply
 * head, trailers after it, or RST_STREAM with the code the client reads as that status
 * when a reply message is half sent (trailers would make it report a cut message).
 */
import { MeshError, type MessageBoundaryCheck } from '../../core/index.js';
import { ErrorCode } from './frames.js';
import type { Leg } from './leg.js';

/** The protocol knowledge the relay needs (gRPC's, or a protocol on its wire such as Triple). */
export interface RelayWire {
  readonly contentType: string;
  /** The deadline header's name (`grpc-timeout`): read, never forwarded as it came, written as the budget left. */
  readonly deadlineHeader: string;
  /** Milliseconds the deadline header grants, undefined when malformed. */
  parseDeadline(value: string): number | undefined;
  formatDeadline(remainingMs: number): string;
  /** The status headers (flat: name, value, ...) carrying a mesh error. */
  errorHeaders(error: MeshError): string[];
  /** The RST_STREAM code a client reads as this error's status. */
  resetCodeOf(error: MeshError): number;
  messageBoundaries(maxBytes: number, direction: 'request' | 'response'): MessageBoundaryCheck;
}

export interface CallHooks {
  /** The call is over for the caller (status sent, stream reset, or the caller gone). */
  onCallEnd(call: RelayCall): void;
  onTooLarge(): void;
}

export class RelayCall {
  readonly down: Leg;
  up: Leg | undefined;
  responded = false;
  ended = false;
  readonly #wire: RelayWire;
  readonly #hooks: CallHooks;
  readonly #request: MessageBoundaryCheck;
  readonly #response: MessageBoundaryCheck;
  #timer: NodeJS.Timeout | undefined;

  constructor(down: Leg, wire: RelayWire, hooks: CallHooks, maxMessageBytes: number) {
    this.down = down;
    this.#wire = wire;
    this.#hooks = hooks;
    this.#request = wire.messageBoundaries(maxMessageBytes, 'request');
    this.#response = wire.messageBoundaries(maxMessageBytes, 'response');
  }

  /** Ends the call with DEADLINE_EXCEEDED after `ms`. */
  setDeadline(ms: number): void {
    this.#timer = setTimeout(() => this.fail(new MeshError('PMESH_DEADLINE_EXCEEDED', `deadline of ${Math.round(ms)} ms exceeded`)), ms);
  }

  /** Checks DATA passing in `direction`; false when the call was failed for a message over the limit. */
  checkData(payload: Buffer, fromCaller: boolean): boolean {
    const tooLarge = (fromCaller ? this.#request : this.#response).check(payload);
    if (!tooLarge) return true;
    this.#hooks.onTooLarge();
    this.fail(tooLarge);
    return false;
  }

  /** Ends the call with `error` as its status (what the caller can still be told), and cancels the upstream stream. */
  fail(error: MeshError): void {
    const down = this.down;
    this.cancelUpstream();
    if (down.localEnded) return;
    if (!this.responded) {
      this.responded = true;
      down.dropQueue();
      down.sendHeaders([':status', '200', 'content-type', this.#wire.contentType, ...this.#wire.errorHeaders(error)], true);
    } else if (this.#response.atBoundary) {
      down.sendHeaders(this.#wire.errorHeaders(error), true);
    } else {
      down.resetWith(this.#wire.resetCodeOf(error));
      this.end();
    }
  }

  /** RST_STREAM(CANCEL) to the upstream unless its stream is over. */
  cancelUpstream(): void {
    const up = this.up;
    if (!up || up.reset || (up.localEnded && up.remoteEnded)) return;
    up.resetWith(ErrorCode.CANCEL);
    up.owner.onLegEnded(up);
  }

  /** The call is over for the caller: the deadline stops, the owner forgets it. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#hooks.onCallEnd(this);
  }
}
